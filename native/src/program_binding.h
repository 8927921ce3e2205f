// The JavaScript face of the program executor: createProgram, run, getShared, setShared.
#ifndef LAB_PROGRAM_BINDING_H
#define LAB_PROGRAM_BINDING_H

#include <napi.h>

#include "../kernels/runtime.h"

namespace lab {

// Per-addon-instance settings every program run picks up (no process globals).
struct RuntimeSettings {
  int threads = 1;
  lab_isa isa = LAB_ISA_AUTO;
  bool flush_denormals = false;  // run programs with denormals flushed to zero (fp_mode.h)
};

Napi::Value CreateProgram(const Napi::CallbackInfo &info);
Napi::Value RunProgram(const Napi::CallbackInfo &info, const RuntimeSettings &settings);
Napi::Value GetShared(const Napi::CallbackInfo &info);
Napi::Value SetShared(const Napi::CallbackInfo &info);
// rowChains(program): per step, the length of the row-block chain starting there (0: none), as
// planned for the program's last run (native/src/row_blocks.h).
Napi::Value RowChains(const Napi::CallbackInfo &info);
Napi::Value BlockLocalBuffers(const Napi::CallbackInfo &info);
Napi::Value PairedSteps(const Napi::CallbackInfo &info);
// lookahead(program): per step, the lines its row-block chain listed for the products before it to
// prefetch and those they did, summed over blocks and runs (lookahead.h).
Napi::Value Lookahead(const Napi::CallbackInfo &info);

}  // namespace lab

#endif  // LAB_PROGRAM_BINDING_H
