// Reductions (sum mean prod max min argmax logsumexp var) over any set of axes of a strided
// view. One group of threads per output element: a warp when the reduced extent is small (the
// lab's per-row sums), the whole block when it is large (a mean over a batch). Accumulation is in
// float64 as on the CPU; NaN propagates through max/min; argmax returns the first maximum (the
// first NaN if any) as a flat index over the reduced axes; empty max/min/argmax is an error.
#include <math.h>

#include "kernels.cuh"

namespace labcuda {

namespace {

struct Acc {
  double v;
  long long i;
};

__device__ inline Acc combine(int32_t op, Acc a, Acc b) {
  switch (op) {
    case RED_PROD: return {a.v * b.v, 0};
    case RED_MAX:
    case RED_LOGSUMEXP:  // its first pass is a max
      return (a.v != a.v || a.v >= b.v) ? a : b;
    case RED_MIN: return (a.v != a.v || a.v <= b.v) ? a : b;
    case RED_ARGMAX: {
      const bool an = a.v != a.v, bn = b.v != b.v;
      if (an || bn) return an && bn ? (a.i < b.i ? a : b) : (an ? a : b);
      if (a.v != b.v) return a.v > b.v ? a : b;
      return a.i < b.i ? a : b;
    }
    default: return {a.v + b.v, 0};  // sum, mean, var (its passes are sums)
  }
}

__device__ inline Acc identity(int32_t op) {
  switch (op) {
    case RED_PROD: return {1.0, 0};
    case RED_MAX:
    case RED_LOGSUMEXP: return {-INFINITY, 0};
    case RED_MIN: return {INFINITY, 0};
    case RED_ARGMAX: return {-INFINITY, 0x7fffffffffffffffLL};
    default: return {0.0, 0};
  }
}

// Reduces `a` over a group of G threads (a warp, or the whole block when G == blockDim.x);
// every thread of the group gets the result.
template <int G>
__device__ Acc groupReduce(int32_t op, Acc a, Acc *shm) {
  for (int off = 16; off > 0; off /= 2) {
    Acc b{__shfl_down_sync(0xffffffffu, a.v, off), __shfl_down_sync(0xffffffffu, a.i, off)};
    a = combine(op, a, b);
  }
  if (G == 32) return {__shfl_sync(0xffffffffu, a.v, 0), __shfl_sync(0xffffffffu, a.i, 0)};
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) shm[warp] = a;
  __syncthreads();
  if (warp == 0) {
    Acc w = lane < G / 32 ? shm[lane] : identity(op);
    for (int off = 16; off > 0; off /= 2) {
      Acc b{__shfl_down_sync(0xffffffffu, w.v, off), __shfl_down_sync(0xffffffffu, w.i, off)};
      w = combine(op, w, b);
    }
    if (lane == 0) shm[0] = w;
  }
  __syncthreads();
  const Acc out = shm[0];
  __syncthreads();  // shm is reused by the next reduction
  return out;
}

__device__ inline int64_t reducedOffset(const ReduceArgs &r, int64_t i) {
  int64_t off = 0;
  for (int d = r.nr - 1; d >= 0; d--) {
    off += (i % r.rshape[d]) * r.rx[d];
    i /= r.rshape[d];
  }
  return off;
}

template <int G>
__global__ void reduceKernel(ReduceArgs r, DeviceError *err, int32_t step) {
  __shared__ Acc shm[32];
  const int lane = threadIdx.x % G;
  const int64_t perBlock = blockDim.x / G;
  const int xb = dtypeBytes(r.x_dtype);
  for (int64_t o = blockIdx.x * perBlock + threadIdx.x / G; o < r.n_out; o += gridDim.x * perBlock) {
    int64_t xo = 0, yo = 0, rest = o;
    for (int d = r.nk - 1; d >= 0; d--) {
      const int64_t c = rest % r.kshape[d];
      rest /= r.kshape[d];
      xo += c * r.kx[d];
      yo += c * r.ky[d];
    }
    const char *x = r.x + xo * xb;
    const int32_t first = r.op == RED_MEAN || r.op == RED_VAR ? RED_SUM : r.op;
    Acc a = identity(first);
    for (int64_t i = lane; i < r.n_red; i += G)
      a = combine(first, a, Acc{loadAs<double>(x + reducedOffset(r, i) * xb, r.x_dtype), i});
    a = groupReduce<G>(first, a, shm);
    double result = a.v;
    const double n = static_cast<double>(r.n_red);
    if (r.op == RED_MEAN) result = a.v / n;
    if (r.op == RED_VAR || r.op == RED_LOGSUMEXP) {
      const double center = r.op == RED_VAR ? a.v / n : a.v;
      Acc s = identity(RED_SUM);
      const bool finite = isfinite(center);
      for (int64_t i = lane; i < r.n_red && (finite || r.op == RED_VAR); i += G) {
        const double v = loadAs<double>(x + reducedOffset(r, i) * xb, r.x_dtype) - center;
        s.v += r.op == RED_VAR ? v * v : exp(v);
      }
      s = groupReduce<G>(RED_SUM, s, shm);
      result = r.op == RED_VAR ? s.v / n : (finite ? center + log(s.v) : center);
    }
    if (lane == 0) {
      if (r.n_red == 0 && (r.op == RED_MAX || r.op == RED_MIN || r.op == RED_ARGMAX)) {
        raise(err, step, kErrEmptyReduce, 0, 0, 0);
        continue;
      }
      char *y = r.y + yo * dtypeBytes(r.y_dtype);
      if (r.op == RED_ARGMAX) storeAs<double>(y, r.y_dtype, static_cast<double>(a.i));
      else storeAs<double>(y, r.y_dtype, result);
    }
  }
}

}  // namespace

cudaError_t launchReduce(const LaunchCtx &ctx, const ReduceArgs &r) {
  if (r.n_out == 0) return cudaSuccess;
  const int threads = 256;
  // A warp per output while there are outputs enough to fill the GPU; a block per output for
  // long reductions into few outputs (a loss: one output, thousands of terms).
  const bool warps = r.n_red <= 256 || (r.n_red <= 2048 && r.n_out >= static_cast<int64_t>(ctx.sm_count) * 4);
  if (warps) {
    const int64_t want = (r.n_out + threads / 32 - 1) / (threads / 32);
    const int blocks = static_cast<int>(want < ctx.sm_count * 32 ? want : ctx.sm_count * 32);
    reduceKernel<32><<<blocks, threads, 0, ctx.stream>>>(r, ctx.err, ctx.step);
  } else {
    const int blocks = static_cast<int>(r.n_out < ctx.sm_count * 32 ? r.n_out : ctx.sm_count * 32);
    reduceKernel<256><<<blocks, threads, 0, ctx.stream>>>(r, ctx.err, ctx.step);
  }
  return cudaGetLastError();
}

}  // namespace labcuda
