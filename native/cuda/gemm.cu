// GEMM: Z = alpha op(A) op(B) + beta C over any strides (transposes are strides, as on the CPU),
// batched over grid.z with stride-0 broadcasting. A shared-memory tiled kernel: a block computes
// a BM x BN tile of Z, each of its 256 threads a (BM/16) x (BN/16) micro-tile strided by 16 so the
// shared-memory reads of a warp hit distinct banks. The lab's layers are small (128 x 784 x 20),
// so the tile size is chosen to give the GPU enough blocks rather than for peak FLOP/s.
#include <algorithm>

#include "kernels.cuh"

namespace labcuda {

namespace {

constexpr int kBK = 16;
constexpr int kThreads = 256;

constexpr int64_t kMaxGridZ = 65535;

template <typename T, int BM, int BN>
__global__ void __launch_bounds__(kThreads) gemmTiled(GemmArgs g) {
  constexpr int TM = BM / 16, TN = BN / 16;
  __shared__ T As[kBK][BM + 1];
  __shared__ T Bs[kBK][BN + 1];
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * BM, n0 = static_cast<int64_t>(blockIdx.x) * BN;
  // grid.z walks (batch, K slice) pairs, looping where there are more than a grid can hold.
  for (int64_t bz = blockIdx.z; bz < g.batch * g.splits; bz += gridDim.z) {
    const int64_t b = bz / g.splits, slice = bz % g.splits;
    const int64_t k_begin = slice * g.k_per, k_end = min(g.K, k_begin + g.k_per);
    const T *A = reinterpret_cast<const T *>(g.A) + b * g.a_b;
    const T *B = reinterpret_cast<const T *>(g.B) + b * g.b_b;
    T acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; i++)
#pragma unroll
      for (int j = 0; j < TN; j++) acc[i][j] = T(0);

    for (int64_t k0 = k_begin; k0 < k_end; k0 += kBK) {
      for (int l = threadIdx.x; l < BM * kBK; l += kThreads) {
        const int mm = l / kBK, kk = l % kBK;
        const int64_t m = m0 + mm, k = k0 + kk;
        As[kk][mm] = (m < g.M && k < k_end) ? A[m * g.a_m + k * g.a_k] : T(0);
      }
      for (int l = threadIdx.x; l < BN * kBK; l += kThreads) {
        const int kk = l / BN, nn = l % BN;
        const int64_t k = k0 + kk, n = n0 + nn;
        Bs[kk][nn] = (k < k_end && n < g.N) ? B[k * g.b_k + n * g.b_n] : T(0);
      }
      __syncthreads();
#pragma unroll
      for (int kk = 0; kk < kBK; kk++) {
        T a[TM], bv[TN];
#pragma unroll
        for (int i = 0; i < TM; i++) a[i] = As[kk][ty + 16 * i];
#pragma unroll
        for (int j = 0; j < TN; j++) bv[j] = Bs[kk][tx + 16 * j];
#pragma unroll
        for (int i = 0; i < TM; i++)
#pragma unroll
          for (int j = 0; j < TN; j++) acc[i][j] += a[i] * bv[j];
      }
      __syncthreads();
    }

    const T *C = g.has_c ? reinterpret_cast<const T *>(g.C) + b * g.c_b : nullptr;
    T *Z = reinterpret_cast<T *>(g.Z) + b * g.z_b;
    T *partial = reinterpret_cast<T *>(g.partials) + (slice * g.batch + b) * g.M * g.N;
    const T alpha = static_cast<T>(g.alpha), beta = static_cast<T>(g.beta);
#pragma unroll
    for (int i = 0; i < TM; i++) {
      const int64_t m = m0 + ty + 16 * i;
      if (m >= g.M) continue;
#pragma unroll
      for (int j = 0; j < TN; j++) {
        const int64_t n = n0 + tx + 16 * j;
        if (n >= g.N) continue;
        T z = alpha * acc[i][j];
        if (g.splits > 1) {
          partial[m * g.N + n] = z;
          continue;
        }
        // beta = 0 ignores C entirely, NaNs included (as the CPU kernel and BLAS).
        if (C && g.beta != 0) z += beta * C[m * g.c_m + n * g.c_n];
        Z[m * g.z_m + n * g.z_n] = z;
      }
    }
  }
}

// Split-K's second pass: Z = sum of the slices' partials, in slice order, + beta C.
template <typename T>
__global__ void gemmSumSlices(GemmArgs g) {
  const int64_t mn = g.M * g.N, total = g.batch * mn;
  const T *partials = reinterpret_cast<const T *>(g.partials);
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = e / mn, m = (e % mn) / g.N, n = e % g.N;
    T z = T(0);
    for (int64_t s = 0; s < g.splits; s++) z += partials[s * total + e];
    if (g.has_c && g.beta != 0)
      z += static_cast<T>(g.beta) * reinterpret_cast<const T *>(g.C)[b * g.c_b + m * g.c_m + n * g.c_n];
    reinterpret_cast<T *>(g.Z)[b * g.z_b + m * g.z_m + n * g.z_n] = z;
  }
}

template <typename T>
cudaError_t launchTyped(const LaunchCtx &ctx, const GemmArgs &g) {
  const auto tiles = [&](int bm, int bn) { return ((g.M + bm - 1) / bm) * ((g.N + bn - 1) / bn) * g.batch; };
  const unsigned z = static_cast<unsigned>(std::min(g.batch * g.splits, kMaxGridZ));
  // Big tiles only when they still give every SM at least one block.
  if (g.splits == 1 && tiles(64, 64) >= ctx.sm_count) {
    dim3 grid(static_cast<unsigned>((g.N + 63) / 64), static_cast<unsigned>((g.M + 63) / 64), z);
    gemmTiled<T, 64, 64><<<grid, kThreads, 0, ctx.stream>>>(g);
  } else {
    dim3 grid(static_cast<unsigned>((g.N + 31) / 32), static_cast<unsigned>((g.M + 31) / 32), z);
    gemmTiled<T, 32, 32><<<grid, kThreads, 0, ctx.stream>>>(g);
  }
  if (g.splits > 1) {
    const int64_t want = (g.batch * g.M * g.N + 255) / 256;
    gemmSumSlices<T><<<static_cast<unsigned>(std::min(want, static_cast<int64_t>(ctx.sm_count) * 16)), 256, 0, ctx.stream>>>(g);
  }
  return cudaGetLastError();
}

}  // namespace

int64_t gemmSplits(int64_t batch, int64_t M, int64_t N, int64_t K, int sm_count) {
  const int64_t tiles = ((M + 31) / 32) * ((N + 31) / 32) * batch;
  constexpr int64_t kMinSlice = 256;  // shorter slices cost more in partials than they save
  if (tiles >= sm_count || K < 2 * kMinSlice || tiles == 0) return 1;
  const int64_t by_k = K / kMinSlice, by_sms = (2 * sm_count + tiles - 1) / tiles;
  return std::max<int64_t>(1, std::min<int64_t>({by_k, by_sms, 64}));
}

cudaError_t launchGemm(const LaunchCtx &ctx, const GemmArgs &g) {
  if (g.M == 0 || g.N == 0 || g.batch == 0) return cudaSuccess;
  return g.dtype == LAB_FLOAT32 ? launchTyped<float>(ctx, g) : launchTyped<double>(ctx, g);
}

}  // namespace labcuda
