// The CUDA library as the addon sees it: function pointers resolved with dlopen/dlsym from
// liblabcuda.so (native/cuda/lab_cuda.h), kept per addon instance (no process globals).
#ifndef LAB_CUDA_LOADER_H
#define LAB_CUDA_LOADER_H

#include <napi.h>

#include <string>

#include "../cuda/lab_cuda.h"

namespace lab {

struct CudaApi {
  void *handle = nullptr;  // null until cudaLoad succeeds
  int devices = 0;
  std::string device;  // name and compute capability of device 0
  std::string reason;  // why there is no usable GPU
  int (*abi_version)(void) = nullptr;
  int (*probe)(char *, size_t) = nullptr;
  lab_cuda_program *(*create)(const double *, int64_t, char *, size_t) = nullptr;
  void (*io)(const lab_cuda_program *, int32_t *, int32_t *, int32_t *, int32_t *) = nullptr;
  int (*buffer)(const lab_cuda_program *, int32_t, lab_dtype *, int64_t *) = nullptr;
  int (*run)(lab_cuda_program *, const void *const *, void *const *, lab_cuda_host_fn, void *, int, char *, size_t) = nullptr;
  int (*get)(lab_cuda_program *, int32_t, void *, char *, size_t) = nullptr;
  int (*set)(lab_cuda_program *, int32_t, const void *, char *, size_t) = nullptr;
  int (*stats)(const lab_cuda_program *, int32_t *, int32_t *, double *) = nullptr;
  int (*profile)(lab_cuda_program *, int, double *, int32_t *) = nullptr;
  void (*free)(lab_cuda_program *) = nullptr;
  int (*axpb)(float, const float *, float, float *, int64_t) = nullptr;
  int (*nvrtc_available)(char *, size_t) = nullptr;
};

// cudaLoad(path) -> {loaded, devices, device, reason, nvrtc, nvrtcReason}: loads the library once per instance and
// probes for a device. Never throws for a missing library, driver or device: it says why.
Napi::Value CudaLoad(const Napi::CallbackInfo &info, CudaApi *api);
Napi::Value CudaCreateProgram(const Napi::CallbackInfo &info, const CudaApi *api);
Napi::Value CudaRun(const Napi::CallbackInfo &info);
Napi::Value CudaGetBuffer(const Napi::CallbackInfo &info);
Napi::Value CudaSetBuffer(const Napi::CallbackInfo &info);
Napi::Value CudaStats(const Napi::CallbackInfo &info);
Napi::Value CudaProfile(const Napi::CallbackInfo &info);
Napi::Value CudaAxpb(const Napi::CallbackInfo &info, const CudaApi *api);

}  // namespace lab

#endif  // LAB_CUDA_LOADER_H
