// Philox4x32-10 draws, bit-compatible with engine/random/philox.ts (its header is the spec) and
// native/kernels/random.c: element j of the output (row-major) uses block
// i = start + offset * size + j with key (seed mod 2^32, seed / 2^32) and counter
// (i mod 2^32, i / 2^32, stream, 0). The float64 arithmetic uses explicitly rounded intrinsics
// so that no contraction into FMA changes a bit; only normal's log/cos may differ from libm by an
// ulp (the spec allows it).
#include <math.h>

#include "kernels.cuh"

namespace labcuda {

namespace {

__device__ inline void philox(uint32_t k0, uint32_t k1, uint32_t c[4]) {
  for (int round = 0; round < 10; round++) {
    const uint32_t hi0 = __umulhi(0xD2511F53u, c[0]), lo0 = 0xD2511F53u * c[0];
    const uint32_t hi1 = __umulhi(0xCD9E8D57u, c[2]), lo1 = 0xCD9E8D57u * c[2];
    const uint32_t n0 = hi1 ^ c[1] ^ k0, n2 = hi0 ^ c[3] ^ k1;
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
    if (round < 9) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
  }
}

__device__ inline double unit53(uint32_t a, uint32_t b) {
  return __dmul_rn(__dadd_rn(__dmul_rn(static_cast<double>(a >> 5), 67108864.0), static_cast<double>(b >> 6)),
                   1.1102230246251565e-16);  // 2^-53
}

__global__ void randomKernel(RandomArgs r, DeviceError *err, int32_t step) {
  if (r.offset && *r.offset < 0) {  // as the op's perform: a negative offset is the caller's error
    if (blockIdx.x == 0 && threadIdx.x == 0) raise(err, step, kErrNegativeOffset, *r.offset, 0, 0);
    return;
  }
  const long long start = *r.start + (r.offset ? static_cast<long long>(*r.offset) * r.size : 0);
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const bool f32 = r.y.dtype == LAB_FLOAT32;
  for (int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; j < r.size; j += stride) {
    const unsigned long long i = static_cast<unsigned long long>(start + j);
    uint32_t c[4] = {static_cast<uint32_t>(i), static_cast<uint32_t>(i >> 32), static_cast<uint32_t>(r.stream), 0u};
    philox(r.key0, r.key1, c);
    double value;
    if (r.dist == RAND_UNIFORM) {
      const double u = f32 ? __dmul_rn(static_cast<double>(c[0] >> 8), 5.9604644775390625e-08) : unit53(c[0], c[1]);
      value = __dadd_rn(r.a, __dmul_rn(__dadd_rn(r.b, -r.a), u));
    } else if (r.dist == RAND_NORMAL) {
      double u1, u2;
      if (f32) {
        u1 = __dmul_rn(static_cast<double>((c[0] >> 8) + 1u), 5.9604644775390625e-08);
        u2 = __dmul_rn(static_cast<double>(c[1] >> 8), 5.9604644775390625e-08);
      } else {
        u1 = __dadd_rn(unit53(c[0], c[1]), 1.1102230246251565e-16);
        u2 = unit53(c[2], c[3]);
      }
      double z = __dmul_rn(sqrt(__dmul_rn(-2.0, log(u1))), cos(__dmul_rn(6.283185307179586, u2)));
      if (f32) z = static_cast<double>(static_cast<float>(z));
      value = __dadd_rn(r.a, __dmul_rn(r.b, z));
    } else {
      value = static_cast<double>(c[0]) < r.a * 4294967296.0 ? 1.0 : 0.0;
    }
    storeAs<double>(elementAt(r.y.data, r.y.dtype, r.y.ndim, r.y.shape, r.y.strides, j), r.y.dtype, value);
  }
}

__global__ void advanceKernel(long long *start, int64_t size) { *start += size; }

}  // namespace

cudaError_t launchRandom(const LaunchCtx &ctx, const RandomArgs &r) {
  if (r.size > 0) {
    const int64_t want = (r.size + 255) / 256;
    const int blocks = static_cast<int>(want < ctx.sm_count * 16 ? want : ctx.sm_count * 16);
    randomKernel<<<blocks, 256, 0, ctx.stream>>>(r, ctx.err, ctx.step);
    const cudaError_t st = cudaGetLastError();
    if (st != cudaSuccess) return st;
  }
  if (r.advance) advanceKernel<<<1, 1, 0, ctx.stream>>>(r.start, r.size);
  return cudaGetLastError();
}

}  // namespace labcuda
