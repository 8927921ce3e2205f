// The built-in kernels by name, each with the parser that turns a step's JavaScript attrs into
// the C struct its kernel reads (once, at createProgram; never per call).
#ifndef LAB_KERNEL_REGISTRY_H
#define LAB_KERNEL_REGISTRY_H

#include <napi.h>

#include <string>
#include <vector>

#include "../include/lab_kernel.h"
#include "../kernels/runtime.h"

namespace lab {

// What a parser may need to know about the step besides its attrs.
struct StepInfo {
  std::vector<lab_dtype> input_dtypes, output_dtypes;
  std::vector<int32_t> input_ndims, output_ndims;
  lab_runtime *rt;
  // An elementwise step's packed expression trees (native/wireSpec.ts), to the end of the array.
  const double *exprs = nullptr;
  size_t n_exprs = 0;
};

struct ParsedAttrs {
  void *attrs;
  void (*free_attrs)(void *);
};

using AttrParser = ParsedAttrs (*)(const Napi::Object &attrs, const StepInfo &step);

struct KernelEntry {
  const char *name;
  lab_kernel_fn fn;
  AttrParser parse;
};

// nullptr for an unknown kernel name.
const KernelEntry *FindKernel(const std::string &name);

// The known kernel names, comma-separated, for error messages.
std::string KernelNames();

}  // namespace lab

#endif  // LAB_KERNEL_REGISTRY_H
