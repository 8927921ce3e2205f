// pool2d on the GPU (max, avg and their gradients): one thread per output element through the
// element functions of native/kernels/pool_element.h, which the CPU kernel runs too. Gradients
// gather over the windows covering each input element (ties split evenly, engine/ops/pool.ts),
// so no atomics and no dependence on thread order.
#include <string>
#include <vector>

#include "program.cuh"

namespace labcuda {

namespace {

__global__ void poolKernel(PoolArgs p) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < p.n_out;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double v;
    if (p.mode <= 1) {
      const int64_t j = e % p.g.ow, i = (e / p.g.ow) % p.g.oh, c = (e / (p.g.ow * p.g.oh)) % p.g.c;
      const int64_t n = e / (p.g.ow * p.g.oh * p.g.c);
      v = lab_pool_forward_at(&p.g, &p.in[0], p.mode == 0, n, c, i, j);
    } else if (p.mode == 2) {
      v = lab_pool_max_grad_at(&p.g, &p.in[0], &p.in[1], &p.in[2], e);
    } else if (p.mode == 3) {
      v = lab_pool_max_gradgrad_at(&p.g, &p.in[0], &p.in[1], &p.in[2], e);
    } else {
      v = lab_pool_avg_grad_at(&p.g, &p.in[0], e);
    }
    storeAs<double>(elementAt(p.out.data, p.out.dtype, p.out.ndim, p.out.shape, p.out.strides, e), p.out.dtype, v);
  }
}

int64_t outputSize(int64_t input, int64_t kernel, int64_t stride, int64_t pad, bool ceil_mode) {
  const int64_t span = input + 2 * pad - kernel + (ceil_mode ? stride - 1 : 0);
  if (span < 0) return 0;
  int64_t out = span / stride + 1;
  if (ceil_mode && (out - 1) * stride >= input + pad) out--;
  return out;
}

}  // namespace

// attrs: mode, kernel h, w, stride h, w, padding h, w, ceil mode, count_include_pad (tape.ts).
bool planPool(const TapeStep &s, const std::vector<DView> &in, const DView &out, PoolArgs *p, std::string *why) {
  static const size_t inputs[] = {1, 1, 3, 3, 2};
  if (s.attrs.size() != 9) return fail(why, "pool attrs must be [mode, kh, kw, sh, sw, ph, pw, ceil, countIncludePad]");
  *p = PoolArgs{};
  p->mode = static_cast<int32_t>(s.attrs[0]);
  if (p->mode < 0 || p->mode > 4 || in.size() != inputs[p->mode]) return fail(why, "wrong inputs for the pooling mode");
  for (const DView &v : in)
    if (v.ndim != 4 || v.dtype != out.dtype) return fail(why, "every input must be 4-d of the output's dtype");
  if (out.ndim != 4 || (out.dtype != LAB_FLOAT32 && out.dtype != LAB_FLOAT64)) return fail(why, "the output must be a 4-d float tensor");
  const DView &x = p->mode == 4 ? in[1] : in[0];
  lab_pool_geom &g = p->g;
  g.n = x.shape[0], g.c = x.shape[1], g.h = x.shape[2], g.w = x.shape[3];
  g.kh = static_cast<int64_t>(s.attrs[1]), g.kw = static_cast<int64_t>(s.attrs[2]);
  g.sh = static_cast<int64_t>(s.attrs[3]), g.sw = static_cast<int64_t>(s.attrs[4]);
  g.ph = static_cast<int64_t>(s.attrs[5]), g.pw = static_cast<int64_t>(s.attrs[6]);
  const bool ceil_mode = s.attrs[7] != 0;
  g.count_include_pad = s.attrs[8] != 0;
  if (g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || 2 * g.ph > g.kh || 2 * g.pw > g.kw || g.ph < 0 || g.pw < 0)
    return fail(why, "kernel and stride must be ≥ 1 and padding at most half the kernel");
  g.oh = outputSize(g.h, g.kh, g.sh, g.ph, ceil_mode);
  g.ow = outputSize(g.w, g.kw, g.sw, g.pw, ceil_mode);
  if (g.oh < 1 || g.ow < 1) return fail(why, "the window does not fit the input " + shapeStr(x.shape, 4));
  const int64_t pooled[4] = {g.n, g.c, g.oh, g.ow};
  auto is = [](const DView &v, const int64_t *shape) {
    for (int d = 0; d < 4; d++)
      if (v.shape[d] != shape[d]) return false;
    return true;
  };
  const bool out_pooled = p->mode <= 1 || p->mode == 3;
  bool ok = is(out, out_pooled ? pooled : x.shape);
  if (p->mode == 2) ok = ok && is(in[1], pooled) && is(in[2], pooled);
  if (p->mode == 3) ok = ok && is(in[1], pooled) && is(in[2], x.shape);
  if (p->mode == 4) ok = ok && is(in[0], pooled);
  if (!ok) return fail(why, "shapes do not fit the input " + shapeStr(x.shape, 4) + " pooled to " + shapeStr(pooled, 4));
  for (size_t k = 0; k < in.size(); k++) {
    p->in[k].data = in[k].data;
    p->in[k].dtype = in[k].dtype;
    for (int d = 0; d < 4; d++) p->in[k].s[d] = in[k].strides[d];
  }
  p->out = out;
  p->n_out = viewSize(out);
  return true;
}

cudaError_t launchPool(const LaunchCtx &ctx, const PoolArgs &p) {
  if (p.n_out == 0) return cudaSuccess;
  const int block = 256;
  const int64_t blocks = (p.n_out + block - 1) / block;
  const unsigned grid = static_cast<unsigned>(blocks < 65535 ? blocks : 65535);
  poolKernel<<<grid, block, 0, ctx.stream>>>(p);
  return cudaGetLastError();
}

}  // namespace labcuda
