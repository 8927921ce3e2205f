// take (gather along an axis) and the advanced subtensors that write through the same indexing:
// z[..., idx, ...] += v with atomics (repeated indices add up; the order of the additions is
// the hardware's), and z[..., idx, ...] = v with one thread per (outer, inner) position walking
// the indices in order, so that the last of repeated indices wins as on the CPU. Indices may be
// negative (-n <= i < n); anything else is reported with its value, position and the axis size.
#include "kernels.cuh"

namespace labcuda {

namespace {

// Position of element e of `v` (take's shape: x.shape[:axis] + idx.shape + x.shape[axis+1:]) in x
// and in idx. Returns false (and raises) for an out-of-range index.
__device__ inline bool locate(const GatherArgs &g, int64_t e, int64_t *xoff, int64_t *voff,
                              DeviceError *err, int32_t step) {
  const int ni = g.idx.ndim, nv = g.v.ndim;
  int64_t c[kMaxNdim];
  for (int d = nv - 1; d >= 0; d--) {
    c[d] = e % g.v.shape[d];
    e /= g.v.shape[d];
  }
  int64_t xo = 0, vo = 0, io = 0, flat = 0;
  for (int d = 0; d < nv; d++) vo += c[d] * g.v.strides[d];
  for (int d = 0; d < g.axis; d++) xo += c[d] * g.x.strides[d];
  for (int d = 0; d < ni; d++) {
    io += c[g.axis + d] * g.idx.strides[d];
    flat = flat * g.idx.shape[d] + c[g.axis + d];
  }
  for (int d = g.axis + 1; d < g.x.ndim; d++) xo += c[d - 1 + ni] * g.x.strides[d];
  const int64_t n = g.x.shape[g.axis];
  int64_t i = *reinterpret_cast<const int32_t *>(g.idx.data + io * 4);
  if (i < -n || i >= n) {
    raise(err, step, kErrIndex, i, flat, n);
    return false;
  }
  if (i < 0) i += n;
  *xoff = xo + i * g.x.strides[g.axis];
  *voff = vo;
  return true;
}

__global__ void takeKernel(GatherArgs g, int64_t total, DeviceError *err, int32_t step) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int xb = dtypeBytes(g.x.dtype), vb = dtypeBytes(g.v.dtype);
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total; e += stride) {
    int64_t xo, vo;
    if (!locate(g, e, &xo, &vo, err, step)) continue;
    storeAs<double>(g.v.data + vo * vb, g.v.dtype, loadAs<double>(g.x.data + xo * xb, g.x.dtype));
  }
}

__global__ void scatterAddKernel(GatherArgs g, int64_t total, DeviceError *err, int32_t step) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int xb = dtypeBytes(g.x.dtype), vb = dtypeBytes(g.v.dtype);
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total; e += stride) {
    int64_t xo, vo;
    if (!locate(g, e, &xo, &vo, err, step)) continue;
    const double v = loadAs<double>(g.v.data + vo * vb, g.v.dtype);
    char *z = g.x.data + xo * xb;
    if (g.x.dtype == LAB_FLOAT32) atomicAdd(reinterpret_cast<float *>(z), static_cast<float>(v));
    else if (g.x.dtype == LAB_FLOAT64) atomicAdd(reinterpret_cast<double *>(z), v);
    else if (g.x.dtype == LAB_INT32) atomicAdd(reinterpret_cast<int *>(z), static_cast<int>(v));
    else raise(err, step, kErrDtype, g.x.dtype, 0, 0);
  }
}

// One thread per position of the axes other than `axis`; the indices in order.
__global__ void scatterSetKernel(GatherArgs g, int64_t outer_inner, int64_t n_idx, DeviceError *err,
                                 int32_t step) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  int64_t inner = 1;
  for (int d = g.axis + 1; d < g.x.ndim; d++) inner *= g.x.shape[d];
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < outer_inner; t += stride) {
    const int64_t o = t / inner, in = t % inner;
    for (int64_t j = 0; j < n_idx; j++) {
      // Element of v at (outer o, index position j, inner in), row-major.
      const int64_t e = (o * n_idx + j) * inner + in;
      int64_t xo, vo;
      if (!locate(g, e, &xo, &vo, err, step)) return;
      storeAs<double>(g.x.data + xo * dtypeBytes(g.x.dtype), g.x.dtype,
                      loadAs<double>(g.v.data + vo * dtypeBytes(g.v.dtype), g.v.dtype));
    }
  }
}

int blocksFor(const LaunchCtx &ctx, int64_t n, int threads) {
  const int64_t want = (n + threads - 1) / threads;
  return static_cast<int>(want < ctx.sm_count * 16 ? want : ctx.sm_count * 16);
}

}  // namespace

cudaError_t launchTake(const LaunchCtx &ctx, const GatherArgs &g) {
  const int64_t total = viewSize(g.v);
  if (total == 0) return cudaSuccess;
  takeKernel<<<blocksFor(ctx, total, 256), 256, 0, ctx.stream>>>(g, total, ctx.err, ctx.step);
  return cudaGetLastError();
}

cudaError_t launchScatter(const LaunchCtx &ctx, const GatherArgs &g) {
  const int64_t total = viewSize(g.v);
  if (total == 0) return cudaSuccess;
  if (!g.set) {
    scatterAddKernel<<<blocksFor(ctx, total, 256), 256, 0, ctx.stream>>>(g, total, ctx.err, ctx.step);
  } else {
    const int64_t n_idx = viewSize(g.idx);
    const int64_t outer_inner = total / n_idx;
    scatterSetKernel<<<blocksFor(ctx, outer_inner, 128), 128, 0, ctx.stream>>>(g, outer_inner, n_idx, ctx.err,
                                                                              ctx.step);
  }
  return cudaGetLastError();
}

}  // namespace labcuda
