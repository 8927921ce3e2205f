// out = a * x + b on the GPU: the CUDA toolchain's proof kernel, built into the separate
// runtime-loaded library. The CUDA backend brings the real kernels and the executor.
#include <cuda_runtime.h>
#include <stdint.h>

namespace {
__global__ void axpb_f32(float a, const float *x, float b, float *out, int64_t n) {
  int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) out[i] = a * x[i] + b;
}
}  // namespace

// Host entry point with a C ABI, so the library can be loaded with dlopen and no C++ name
// mangling. Copies in, runs, copies out; returns a cudaError_t (0 on success).
extern "C" int lab_cuda_axpb_f32(float a, const float *x, float b, float *out, int64_t n) {
  float *dx = nullptr, *dout = nullptr;
  size_t bytes = static_cast<size_t>(n) * sizeof(float);
  cudaError_t st = cudaMalloc(&dx, bytes);
  if (st == cudaSuccess) st = cudaMalloc(&dout, bytes);
  if (st == cudaSuccess) st = cudaMemcpy(dx, x, bytes, cudaMemcpyHostToDevice);
  if (st == cudaSuccess) {
    int threads = 256;
    int blocks = static_cast<int>((n + threads - 1) / threads);
    if (blocks > 0) axpb_f32<<<blocks, threads>>>(a, dx, b, dout, n);
    st = cudaGetLastError();
  }
  if (st == cudaSuccess) st = cudaMemcpy(out, dout, bytes, cudaMemcpyDeviceToHost);
  cudaFree(dx);
  cudaFree(dout);
  return static_cast<int>(st);
}

extern "C" int lab_cuda_device_count(void) {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
}
