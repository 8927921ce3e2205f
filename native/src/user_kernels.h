// Users' C ops (engine/custom/c): shared objects the engine compiles against the public kernel
// ABI (include/lab_kernel.h) and loads with dlopen. A program step {kernel: 'user_kernel', attrs:
// {library, symbol, params}} calls the loaded lab_kernel_fn with `params` (float64s) as its
// attrs; the library stays loaded while a program uses it.
#ifndef LAB_USER_KERNELS_H
#define LAB_USER_KERNELS_H

#include <napi.h>

#include "../include/lab_kernel.h"
#include "kernel_registry.h"

namespace lab {

// The executor's entry for a user kernel step: forwards to the loaded function.
extern "C" int lab_user_kernel(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs,
                               int32_t n_outputs, const void *attrs, char *err, size_t err_len);

// Attrs {library: path, symbol: name, params?: number[]}: opens the library (dlopen), finds the
// kernel and checks the ABI version it was compiled against.
ParsedAttrs ParseUserKernel(const Napi::Object &attrs, const StepInfo &step);

// loadKernelLibrary(path, symbol) -> handle: the same checks up front, keeping the library
// loaded until the handle is garbage-collected (the engine keeps it for the process).
Napi::Value LoadKernelLibrary(const Napi::CallbackInfo &info);

}  // namespace lab

#endif  // LAB_USER_KERNELS_H
