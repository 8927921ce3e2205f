// Kernels over one axis of a tensor, one warp per row: softmax, log_softmax, their gradients,
// softmax cross-entropy (loss = logsumexp(row) - row[label]) and its gradient
// dloss * (softmax - onehot), and categorical cross-entropy (-sum t log p). Rows are read in
// float64 (as on the CPU) and may have any strides; labels are bounds-checked and a bad one is
// reported with its row and value.
#include <math.h>

#include "kernels.cuh"

namespace labcuda {

namespace {

__device__ inline double warpMax(double v) {
  for (int off = 16; off > 0; off /= 2) {
    const double o = __shfl_xor_sync(0xffffffffu, v, off);
    v = (v != v || v >= o) ? v : o;  // NaN propagates
  }
  return v;
}

__device__ inline double warpSum(double v) {
  for (int off = 16; off > 0; off /= 2) v += __shfl_xor_sync(0xffffffffu, v, off);
  return v;
}

struct Row {
  char *p;
  int32_t dtype;
  int64_t step;  // bytes along the axis
  __device__ double at(int64_t j) const { return loadAs<double>(p + j * step, dtype); }
  __device__ void put(int64_t j, double v) const { storeAs<double>(p + j * step, dtype, v); }
};

__device__ inline Row rowOf(const RowArgs &r, const RowView &v, int64_t row) {
  int64_t off = 0;
  for (int d = r.nd - 1; d >= 0; d--) {
    off += (row % r.rshape[d]) * v.rstrides[d];
    row /= r.rshape[d];
  }
  const int b = dtypeBytes(v.dtype);
  return Row{v.data + off * b, v.dtype, v.astride * b};
}

__global__ void rowKernel(RowArgs r, DeviceError *err, int32_t step) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  for (int64_t row = blockIdx.x * static_cast<int64_t>(blockDim.x / 32) + threadIdx.x / 32; row < r.rows;
       row += warps) {
    const Row a = rowOf(r, r.in[0], row);
    const Row out = rowOf(r, r.out, row);
    const int64_t n = r.len;
    switch (r.mode) {
      case ROW_SOFTMAX:
      case ROW_LOG_SOFTMAX: {
        double m = -INFINITY;
        for (int64_t j = lane; j < n; j += 32) {
          const double v = a.at(j);
          m = (m != m || m >= v) ? m : v;
        }
        m = warpMax(m);
        double s = 0;
        for (int64_t j = lane; j < n; j += 32) s += exp(a.at(j) - m);
        s = warpSum(s);
        const double ls = log(s);
        for (int64_t j = lane; j < n; j += 32) {
          const double d = a.at(j) - m;
          out.put(j, r.mode == ROW_SOFTMAX ? exp(d) / s : d - ls);
        }
        break;
      }
      case ROW_SOFTMAX_GRAD:
      case ROW_LOG_SOFTMAX_GRAD: {
        const Row y = rowOf(r, r.in[1], row);
        double s = 0;
        for (int64_t j = lane; j < n; j += 32) s += r.mode == ROW_SOFTMAX_GRAD ? a.at(j) * y.at(j) : a.at(j);
        s = warpSum(s);
        for (int64_t j = lane; j < n; j += 32) {
          out.put(j, r.mode == ROW_SOFTMAX_GRAD ? y.at(j) * (a.at(j) - s) : a.at(j) - exp(y.at(j)) * s);
        }
        break;
      }
      case ROW_SCE:
      case ROW_SCE_GRAD: {
        // SCE: [logits, labels] -> loss; SCE_GRAD: [dloss, logits, labels] -> dlogits.
        const bool grad = r.mode == ROW_SCE_GRAD;
        const Row x = grad ? rowOf(r, r.in[1], row) : a;
        const Row labels = rowOf(r, r.in[grad ? 2 : 1], row);
        const long long label = static_cast<long long>(loadAs<double>(labels.p, labels.dtype));
        if (label < 0 || label >= n) {
          if (lane == 0) raise(err, step, kErrLabel, label, row, n);
          break;
        }
        double m = -INFINITY;
        for (int64_t j = lane; j < n; j += 32) {
          const double v = x.at(j);
          m = (m != m || m >= v) ? m : v;
        }
        m = warpMax(m);
        double s = 0;
        for (int64_t j = lane; j < n; j += 32) s += exp(x.at(j) - m);
        s = warpSum(s);
        if (!grad) {
          if (lane == 0) out.put(0, m + log(s) - x.at(label));
        } else {
          const double d = a.at(0);
          for (int64_t j = lane; j < n; j += 32) out.put(j, d * (exp(x.at(j) - m) / s - (j == label ? 1.0 : 0.0)));
        }
        break;
      }
      default: {  // ROW_CCE: [p, t] -> -sum t log p
        const Row t = rowOf(r, r.in[1], row);
        double s = 0;
        for (int64_t j = lane; j < n; j += 32) s += t.at(j) * log(a.at(j));
        s = warpSum(s);
        if (lane == 0) out.put(0, -s);
        break;
      }
    }
  }
}

}  // namespace

cudaError_t launchRows(const LaunchCtx &ctx, const RowArgs &r) {
  if (r.rows == 0) return cudaSuccess;
  const int threads = 128;
  const int64_t want = (r.rows + threads / 32 - 1) / (threads / 32);
  const int blocks = static_cast<int>(want < ctx.sm_count * 32 ? want : ctx.sm_count * 32);
  rowKernel<<<blocks, threads, 0, ctx.stream>>>(r, ctx.err, ctx.step);
  return cudaGetLastError();
}

}  // namespace labcuda
