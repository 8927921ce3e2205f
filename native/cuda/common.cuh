// Internal to liblabcuda.so: the device-side view, dtype conversions with the CPU executor's
// semantics (native/PROGRAM.md), the run-time error flag kernels raise, and the launch
// functions each kernel file provides to the executor (executor.cu).
#ifndef LAB_CUDA_COMMON_CUH
#define LAB_CUDA_COMMON_CUH

#include <cuda_runtime.h>
#include <stdint.h>

#include "../include/lab_kernel.h"

namespace labcuda {

constexpr int kMaxNdim = LAB_MAX_NDIM;

// A view resolved to device memory: every buffer lives at a fixed place in the program's arena,
// so a view's pointer is computed once, at program creation.
struct DView {
  char *data;  // element 0 of the view (offset applied); strides may be negative
  int32_t dtype;
  int32_t ndim;
  int64_t shape[kMaxNdim];
  int64_t strides[kMaxNdim];  // elements
};

inline int64_t viewSize(const DView &v) {
  int64_t n = 1;
  for (int i = 0; i < v.ndim; i++) n *= v.shape[i];
  return n;
}

__host__ __device__ inline int dtypeBytes(int32_t dtype) {
  return dtype == LAB_FLOAT64 ? 8 : dtype == LAB_BOOL ? 1 : 4;
}

// float -> int32 as NumPy on x86: NaN and out-of-range give INT32_MIN, else truncation.
__device__ inline int32_t toInt32(double x) {
  return (x >= -2147483648.0 && x < 2147483648.0) ? static_cast<int32_t>(x) : INT32_MIN;
}

template <typename T>
__device__ inline T loadAs(const char *p, int32_t dtype) {
  switch (dtype) {
    case LAB_FLOAT32: return static_cast<T>(*reinterpret_cast<const float *>(p));
    case LAB_FLOAT64: return static_cast<T>(*reinterpret_cast<const double *>(p));
    case LAB_INT32: return static_cast<T>(*reinterpret_cast<const int32_t *>(p));
    default: return static_cast<T>(*reinterpret_cast<const uint8_t *>(p));
  }
}

template <typename T>
__device__ inline void storeAs(char *p, int32_t dtype, T x) {
  switch (dtype) {
    case LAB_FLOAT32: *reinterpret_cast<float *>(p) = static_cast<float>(x); break;
    case LAB_FLOAT64: *reinterpret_cast<double *>(p) = static_cast<double>(x); break;
    case LAB_INT32: *reinterpret_cast<int32_t *>(p) = toInt32(static_cast<double>(x)); break;
    default: *reinterpret_cast<uint8_t *>(p) = x != T(0) ? 1 : 0; break;  // NaN is true
  }
}

// Element `e` (row-major over `shape`) of a view with `strides`: its address.
__device__ inline char *elementAt(char *base, int32_t dtype, int32_t ndim, const int64_t *shape,
                                  const int64_t *strides, int64_t e) {
  int64_t off = 0;
  for (int d = ndim - 1; d >= 0; d--) {
    const int64_t c = e % shape[d];
    e /= shape[d];
    off += c * strides[d];
  }
  return base + off * dtypeBytes(dtype);
}

// Run-time errors a kernel finds (an index or label out of range) are recorded here, first one
// wins; the executor reads the flag once per run and names the step.
enum ErrorCode : int32_t {
  kErrNone = 0, kErrIndex = 1, kErrLabel = 2, kErrEmptyReduce = 3, kErrDtype = 4, kErrNegativeOffset = 5
};

struct DeviceError {
  int32_t code;
  int32_t step;
  long long a, b, c;
};

__device__ inline void raise(DeviceError *err, int32_t step, int32_t code, long long a, long long b,
                             long long c) {
  if (atomicCAS(&err->code, 0, code) == 0) {
    err->step = step;
    err->a = a;
    err->b = b;
    err->c = c;
  }
}

// Everything a kernel launch needs from the executor.
struct LaunchCtx {
  cudaStream_t stream;
  DeviceError *err;
  int32_t step;
  int sm_count;
};

}  // namespace labcuda

#endif  // LAB_CUDA_COMMON_CUH
