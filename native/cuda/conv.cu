// conv2d, conv2d_grad_input and conv2d_grad_weight on the GPU: one thread per output element,
// each summing its terms in float64 through the element functions the CPU kernel's direct
// algorithm runs (native/kernels/conv_element.h) — the same arithmetic, checked on the CPU by
// test/native/conv.test.ts. A gather per element needs no atomics, so results do not depend on
// thread order. Correctness first: an im2col + GEMM path (as on the CPU) is the next step for
// large convolutions.
#include <string>
#include <vector>

#include "program.cuh"

namespace labcuda {

namespace {

__global__ void convKernel(ConvArgs c) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < c.n_out;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double v;
    if (c.mode == 0) v = lab_conv_forward_at(&c.g, &c.a, &c.b, e);
    else if (c.mode == 1) v = lab_conv_grad_input_at(&c.g, &c.a, &c.b, e);
    else v = lab_conv_grad_weight_at(&c.g, &c.a, &c.b, e);
    storeAs<double>(elementAt(c.out.data, c.out.dtype, c.out.ndim, c.out.shape, c.out.strides, e), c.out.dtype, v);
  }
}

lab_el_view elView(const DView &v) {
  lab_el_view e{};
  e.data = v.data;
  e.dtype = v.dtype;
  for (int d = 0; d < 4; d++) e.s[d] = v.strides[d];
  return e;
}

}  // namespace

// attrs: mode, stride h, w, padding h, w, dilation h, w, groups (tape.ts).
bool planConv(const TapeStep &s, const std::vector<DView> &in, const DView &out, ConvArgs *c, std::string *why) {
  if (s.attrs.size() != 8) return fail(why, "conv attrs must be [mode, sh, sw, ph, pw, dh, dw, groups]");
  *c = ConvArgs{};
  c->mode = static_cast<int32_t>(s.attrs[0]);
  if (c->mode < 0 || c->mode > 2 || in.size() != (c->mode == 0 ? 2u : 3u))
    return fail(why, "takes [x, w], [dy, w, like x] or [x, dy, like w]");
  for (const DView &v : in)
    if (v.ndim != 4 || v.dtype != out.dtype) return fail(why, "every input must be 4-d of the output's dtype");
  if (out.ndim != 4 || (out.dtype != LAB_FLOAT32 && out.dtype != LAB_FLOAT64)) return fail(why, "the output must be a 4-d float tensor");
  const DView &x = c->mode == 1 ? out : in[0];
  const DView &w = c->mode == 2 ? out : in[1];
  const DView &y = c->mode == 0 ? out : in[c->mode == 1 ? 0 : 1];
  lab_conv_geom &g = c->g;
  g.n = x.shape[0], g.c = x.shape[1], g.h = x.shape[2], g.w = x.shape[3];
  g.o = w.shape[0], g.cg = w.shape[1], g.kh = w.shape[2], g.kw = w.shape[3];
  g.sh = static_cast<int64_t>(s.attrs[1]), g.sw = static_cast<int64_t>(s.attrs[2]);
  g.ph = static_cast<int64_t>(s.attrs[3]), g.pw = static_cast<int64_t>(s.attrs[4]);
  g.dh = static_cast<int64_t>(s.attrs[5]), g.dw = static_cast<int64_t>(s.attrs[6]);
  const int64_t groups = static_cast<int64_t>(s.attrs[7]);
  if (g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 || g.ph < 0 || g.pw < 0 || groups < 1)
    return fail(why, "stride and dilation must be ≥ 1, padding ≥ 0, groups ≥ 1");
  if (g.o % groups != 0 || g.c != g.cg * groups)
    return fail(why, "x " + shapeStr(x.shape, 4) + " and w " + shapeStr(w.shape, 4) + " do not fit " + std::to_string(groups) + " groups");
  g.og = g.o / groups;
  const int64_t sh = g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1, sw = g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1;
  if (sh < 0 || sw < 0) return fail(why, "the kernel of w " + shapeStr(w.shape, 4) + " does not fit the padded input " + shapeStr(x.shape, 4));
  g.oh = sh / g.sh + 1, g.ow = sw / g.sw + 1;
  const int64_t want[4] = {g.n, g.o, g.oh, g.ow};
  for (int d = 0; d < 4; d++)
    if (y.shape[d] != want[d]) return fail(why, (c->mode == 0 ? "the output " : "dy ") + shapeStr(y.shape, 4) + " should be " + shapeStr(want, 4));
  if (c->mode != 0)
    for (int d = 0; d < 4; d++)
      if (in[2].shape[d] != out.shape[d]) return fail(why, "the output must have the shape of input 2");
  c->a = elView(in[0]);
  c->b = elView(in[1]);
  c->out = out;
  c->n_out = viewSize(out);
  return true;
}

cudaError_t launchConv(const LaunchCtx &ctx, const ConvArgs &c) {
  if (c.n_out == 0) return cudaSuccess;
  const int block = 256;
  const int64_t blocks = (c.n_out + block - 1) / block;
  const unsigned grid = static_cast<unsigned>(blocks < 65535 ? blocks : 65535);
  convKernel<<<grid, block, 0, ctx.stream>>>(c);
  return cudaGetLastError();
}

}  // namespace labcuda
