// Tape → program: reads the flat double array engine/backends/cuda/tape.ts writes (format in
// native/cuda/README.md), checks every view against its buffer, lays all buffers out in one
// device arena, and turns each step into the argument block its kernel family takes. Everything
// here happens once per program; a run only launches.
#include <math.h>
#include <stdio.h>

#include <algorithm>
#include <cstring>

#include "program.cuh"

namespace labcuda {

namespace {

constexpr double kTapeMagic = 1279541057.0;  // "LABA" as a number: the tape's first word
constexpr int kTapeVersion = 1;

struct Reader {
  const double *tape;
  int64_t len, pos = 0;
  std::string *error;
  bool ok = true;

  double next(const char *what) {
    if (pos >= len) {
      if (ok) *error = std::string("the program tape ends early, reading ") + what;
      ok = false;
      return 0;
    }
    return tape[pos++];
  }
  int64_t integer(const char *what, int64_t lo, int64_t hi) {
    const double v = next(what);
    if (ok && (v != floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi))) {
      char msg[200];
      snprintf(msg, sizeof msg, "%s is %g at tape position %lld; expected an integer in [%lld, %lld]", what, v,
               static_cast<long long>(pos - 1), static_cast<long long>(lo), static_cast<long long>(hi));
      *error = msg;
      ok = false;
    }
    return static_cast<int64_t>(v);
  }
  std::string text(const char *what) {
    const int64_t n = integer(what, 0, 4096);
    std::string s;
    for (int64_t i = 0; i < n && ok; i++) s.push_back(static_cast<char>(integer(what, 1, 255)));
    return s;
  }
};

bool fail(std::string *error, const std::string &message) {
  *error = message;
  return false;
}

std::string where(size_t index, const TapeStep &s) {
  return "steps[" + std::to_string(index) + "] '" + s.op + "' (kernel " + s.kernel + "): ";
}

std::string shapeStr(const int64_t *shape, int ndim) {
  std::string s = "(";
  for (int i = 0; i < ndim; i++) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (ndim == 1 ? ",)" : ")");
}

bool readView(Reader &r, int32_t n_buffers, TapeView *v) {
  v->buffer = static_cast<int32_t>(r.integer("view buffer", 0, n_buffers - 1));
  v->offset = r.integer("view offset", 0, INT64_MAX / 2);
  v->ndim = static_cast<int32_t>(r.integer("view ndim", 0, kMaxNdim));
  for (int d = 0; d < v->ndim; d++) v->shape[d] = r.integer("view shape", 0, INT64_MAX / 2);
  for (int d = 0; d < v->ndim; d++) v->strides[d] = r.integer("view stride", -(INT64_MAX / 2), INT64_MAX / 2);
  return r.ok;
}

// The element range a view touches must lie inside its buffer.
bool viewInBounds(const TapeView &v, int64_t size) {
  int64_t lo = v.offset, hi = v.offset;
  for (int d = 0; d < v.ndim; d++) {
    if (v.shape[d] == 0) return true;
    const int64_t reach = (v.shape[d] - 1) * v.strides[d];
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  return lo >= 0 && hi < size;
}

DView resolve(const lab_cuda_program *p, const TapeView &v) {
  DView d{};
  const Buffer &b = p->buffers[v.buffer];
  d.data = b.data + v.offset * dtypeBytes(b.dtype);
  d.dtype = b.dtype;
  d.ndim = v.ndim;
  for (int i = 0; i < v.ndim; i++) {
    d.shape[i] = v.shape[i];
    d.strides[i] = v.strides[i];
  }
  return d;
}

bool sameView(const TapeView &a, const TapeView &b) {
  if (a.buffer != b.buffer || a.offset != b.offset || a.ndim != b.ndim) return false;
  for (int d = 0; d < a.ndim; d++)
    if (a.shape[d] != b.shape[d] || a.strides[d] != b.strides[d]) return false;
  return true;
}

// Operands of one shape: drop size-1 axes and merge neighbours that every operand walks as one,
// so most composites index a 1-d range.
bool planElementwise(const std::vector<DView> &ins, const std::vector<DView> &outs, EwLaunch *l, std::string *why) {
  const DView &o = outs[0];
  std::vector<const DView *> all;
  for (const DView &v : ins) all.push_back(&v);
  for (const DView &v : outs) all.push_back(&v);
  if (all.size() > static_cast<size_t>(kEwMaxOperands)) return fail(why, "more than 32 operands");
  bool f32 = false, f64 = false;
  for (const DView *v : all) {
    if (v->ndim != o.ndim) return fail(why, "every operand must have the output's rank (broadcast with stride-0 views)");
    for (int d = 0; d < o.ndim; d++)
      if (v->shape[d] != o.shape[d])
        return fail(why, "operand shape " + shapeStr(v->shape, v->ndim) + " differs from the output's " +
                             shapeStr(o.shape, o.ndim) + "; the program must broadcast it with stride-0 views");
    f32 |= v->dtype == LAB_FLOAT32;
    f64 |= v->dtype == LAB_FLOAT64;
  }
  std::vector<int> dims;
  for (int d = 0; d < o.ndim; d++)
    if (o.shape[d] != 1) dims.push_back(d);
  // Merge from the innermost axis outwards.
  std::vector<int64_t> shape;
  std::vector<std::vector<int64_t>> strides(all.size());
  for (int k = static_cast<int>(dims.size()) - 1; k >= 0; k--) {
    const int d = dims[k];
    bool merge = !shape.empty();
    for (size_t i = 0; i < all.size() && merge; i++)
      merge = all[i]->strides[d] == strides[i].front() * shape.front();
    if (merge) {
      shape.front() *= o.shape[d];
    } else {
      shape.insert(shape.begin(), o.shape[d]);
      for (size_t i = 0; i < all.size(); i++) strides[i].insert(strides[i].begin(), all[i]->strides[d]);
    }
  }
  EwPlan &p = l->plan;
  p = EwPlan{};
  p.n_in = static_cast<int32_t>(ins.size());
  p.n_out = static_cast<int32_t>(outs.size());
  p.ndim = static_cast<int32_t>(shape.size());
  p.n = 1;
  for (size_t d = 0; d < shape.size(); d++) {
    p.shape[d] = shape[d];
    p.n *= shape[d];
  }
  for (int d = 0; d < o.ndim; d++)
    if (o.shape[d] == 0) p.n = 0;
  p.compute = (f64 || !f32) ? LAB_FLOAT64 : LAB_FLOAT32;
  l->ops.clear();
  for (size_t i = 0; i < all.size(); i++) {
    EwOperand op{};
    op.data = all[i]->data;
    op.dtype = all[i]->dtype;
    for (size_t d = 0; d < shape.size(); d++) op.strides[d] = strides[i][d];
    l->ops.push_back(op);
  }
  // The code must be a well-formed postfix program over these operands.
  int depth = 0;
  bool stored = false;
  for (const EwInstr &in : l->code) {
    // Every load comes before the first store: an in-place output is its input's exact view.
    if (in.op == EW_INPUT && stored) return fail(why, "an input is read after an output was stored");
    stored |= in.op == EW_STORE;
    if (in.op < 0 || in.op >= EW_OP_COUNT) return fail(why, "unknown scalar opcode " + std::to_string(in.op));
    if (in.op == EW_INPUT && (in.arg < 0 || in.arg >= p.n_in)) return fail(why, "expression reads a missing input");
    if (in.op == EW_STORE && (in.arg < 0 || in.arg >= p.n_out)) return fail(why, "expression stores a missing output");
    depth -= ewArity(in.op);
    if (depth < 0) return fail(why, std::string("'") + ewName(in.op) + "' lacks arguments");
    if (in.op != EW_STORE) depth++;
    if (depth > kEwMaxStack) return fail(why, "expression is nested deeper than " + std::to_string(kEwMaxStack));
  }
  if (depth != 0) return fail(why, "expression leaves values unused");
  p.n_code = static_cast<int32_t>(l->code.size());
  return true;
}

EwLaunch identityCopy(const DView &from, const DView &to, std::string *why, bool *ok) {
  EwLaunch l;
  l.code = {EwInstr{EW_INPUT, 0, 0}, EwInstr{EW_STORE, 0, 0}};
  *ok = planElementwise({from}, {to}, &l, why);
  return l;
}

DView contiguous(char *data, lab_dtype dtype, const TapeView &shape_of) {
  DView d{};
  d.data = data;
  d.dtype = dtype;
  d.ndim = shape_of.ndim;
  int64_t s = 1;
  for (int i = shape_of.ndim - 1; i >= 0; i--) {
    d.shape[i] = shape_of.shape[i];
    d.strides[i] = s;
    s *= shape_of.shape[i];
  }
  return d;
}

// The two innermost axes of a gemm operand, as op(X)'s (rows, cols) strides and sizes.
void matrixOf(const DView &v, bool trans, int64_t *rows, int64_t *cols, int64_t *rs, int64_t *cs, int64_t *bs) {
  const int r = v.ndim - 2, c = v.ndim - 1;
  *rows = trans ? v.shape[c] : v.shape[r];
  *cols = trans ? v.shape[r] : v.shape[c];
  *rs = trans ? v.strides[c] : v.strides[r];
  *cs = trans ? v.strides[r] : v.strides[c];
  *bs = v.ndim == 3 && v.shape[0] != 1 ? v.strides[0] : 0;
}

bool planGemm(const TapeStep &s, const std::vector<DView> &in, const DView &z, GemmArgs *g, std::string *why) {
  if (in.size() < 2 || in.size() > 3 || s.attrs.size() != 4) return fail(why, "takes [A, B] or [A, B, C] and 4 attrs");
  if (z.ndim != 2 && z.ndim != 3) return fail(why, "Z must be 2-d or 3-d, got " + shapeStr(z.shape, z.ndim));
  for (const DView &v : in)
    if (v.dtype != z.dtype || (v.dtype != LAB_FLOAT32 && v.dtype != LAB_FLOAT64))
      return fail(why, "operands must all be float32 or all float64");
  if (in[0].ndim < 2 || in[1].ndim < 2 || in[0].ndim > z.ndim || in[1].ndim > z.ndim)
    return fail(why, "A and B must be matrices or batches like Z");
  *g = GemmArgs{};
  int64_t am, ak, bk, bn;
  matrixOf(in[0], s.attrs[0] != 0, &am, &ak, &g->a_m, &g->a_k, &g->a_b);
  matrixOf(in[1], s.attrs[1] != 0, &bk, &bn, &g->b_k, &g->b_n, &g->b_b);
  g->batch = z.ndim == 3 ? z.shape[0] : 1;
  g->M = z.shape[z.ndim - 2];
  g->N = z.shape[z.ndim - 1];
  g->K = ak;
  if (am != g->M || bn != g->N || bk != ak)
    return fail(why, "op(A) " + shapeStr(in[0].shape, in[0].ndim) + " times op(B) " + shapeStr(in[1].shape, in[1].ndim) +
                         " does not give Z " + shapeStr(z.shape, z.ndim));
  g->z_m = z.strides[z.ndim - 2];
  g->z_n = z.strides[z.ndim - 1];
  g->z_b = z.ndim == 3 ? z.strides[0] : 0;
  g->A = in[0].data;
  g->B = in[1].data;
  g->Z = z.data;
  g->dtype = z.dtype;
  g->alpha = s.attrs[2];
  g->beta = s.attrs[3];
  g->has_c = in.size() == 3;
  if (g->has_c) {
    const DView &c = in[2];
    if (c.ndim != z.ndim) return fail(why, "C must have Z's rank (broadcast a bias with stride-0 views)");
    g->C = c.data;
    g->c_m = c.strides[c.ndim - 2];
    g->c_n = c.strides[c.ndim - 1];
    g->c_b = c.ndim == 3 ? c.strides[0] : 0;
  }
  return true;
}

bool planReduce(const TapeStep &s, const DView &x, const DView &y, ReduceArgs *r, std::string *why) {
  if (s.attrs.size() < 2) return fail(why, "attrs must be [op, n_axes, axes…]");
  *r = ReduceArgs{};
  r->op = static_cast<int32_t>(s.attrs[0]);
  if (r->op < RED_SUM || r->op > RED_VAR) return fail(why, "unknown reduction " + std::to_string(r->op));
  if (y.ndim != x.ndim) return fail(why, "the output view must keep the reduced axes (size 1)");
  bool reduced[kMaxNdim] = {};
  for (size_t i = 2; i < s.attrs.size(); i++) {
    int a = static_cast<int>(s.attrs[i]);
    if (a < 0) a += x.ndim;
    if (a < 0 || a >= x.ndim) return fail(why, "axis " + std::to_string(static_cast<int>(s.attrs[i])) + " is out of range");
    reduced[a] = true;
  }
  r->x = x.data;
  r->y = y.data;
  r->x_dtype = x.dtype;
  r->y_dtype = y.dtype;
  r->n_out = 1;
  r->n_red = 1;
  for (int d = 0; d < x.ndim; d++) {
    if (reduced[d]) {
      if (y.shape[d] != 1) return fail(why, "reduced axis " + std::to_string(d) + " must have size 1 in the output");
      r->rshape[r->nr] = x.shape[d];
      r->rx[r->nr++] = x.strides[d];
      r->n_red *= x.shape[d];
    } else {
      if (y.shape[d] != x.shape[d]) return fail(why, "kept axis " + std::to_string(d) + " differs between x and y");
      r->kshape[r->nk] = x.shape[d];
      r->kx[r->nk] = x.strides[d];
      r->ky[r->nk++] = y.strides[d];
      r->n_out *= x.shape[d];
    }
  }
  return true;
}

bool rowView(const DView &v, const DView &main, int axis, RowView *rv, std::string *why) {
  *rv = RowView{};
  rv->data = v.data;
  rv->dtype = v.dtype;
  if (v.ndim == main.ndim) {
    for (int d = 0, k = 0; d < v.ndim; d++) {
      if (d == axis) rv->astride = v.strides[d];
      else rv->rstrides[k++] = v.strides[d];
    }
    return true;
  }
  if (v.ndim == main.ndim - 1) {  // one value per row: labels, losses
    for (int d = 0; d < v.ndim; d++) rv->rstrides[d] = v.strides[d];
    return true;
  }
  return fail(why, "view " + shapeStr(v.shape, v.ndim) + " does not match the rows of " + shapeStr(main.shape, main.ndim));
}

bool planRows(const TapeStep &s, const std::vector<DView> &in, const DView &out, RowArgs *r, std::string *why) {
  if (s.attrs.size() != 2 || in.empty() || in.size() > 3) return fail(why, "attrs must be [mode, axis] with 1-3 inputs");
  *r = RowArgs{};
  r->mode = static_cast<int32_t>(s.attrs[0]);
  if (r->mode < ROW_SOFTMAX || r->mode > ROW_CCE) return fail(why, "unknown row kernel mode");
  const DView &main = r->mode == ROW_SCE_GRAD ? in[1] : in[0];
  int axis = static_cast<int>(s.attrs[1]);
  if (axis < 0) axis += main.ndim;
  if (axis < 0 || axis >= main.ndim) return fail(why, "axis is out of range for " + shapeStr(main.shape, main.ndim));
  if ((r->mode == ROW_SCE || r->mode == ROW_SCE_GRAD) && in.back().dtype != LAB_INT32)
    return fail(why, "labels must be int32");
  r->n_in = static_cast<int32_t>(in.size());
  r->len = main.shape[axis];
  r->rows = 1;
  for (int d = 0; d < main.ndim; d++)
    if (d != axis) {
      r->rshape[r->nd++] = main.shape[d];
      r->rows *= main.shape[d];
    }
  for (size_t i = 0; i < in.size(); i++)
    if (!rowView(in[i], main, axis, &r->in[i], why)) return false;
  return rowView(out, main, axis, &r->out, why);
}

// Contiguous device staging for every input and output of a host or user step, with the
// elementwise copies between the views and the staging, and the host mirrors.
bool stage(const TapeStep &s, const std::vector<DView> &in, const std::vector<DView> &out, std::vector<char *> &aux,
           Step *st, std::string *why) {
  bool ok = true;
  for (size_t k = 0; k < s.inputs.size() + s.outputs.size() && ok; k++) {
    const bool is_in = k < s.inputs.size();
    const TapeView &v = is_in ? s.inputs[k] : s.outputs[k - s.inputs.size()];
    const DView &d = is_in ? in[k] : out[k - s.inputs.size()];
    char *buf = aux.back();
    aux.pop_back();
    const DView staged = contiguous(buf, static_cast<lab_dtype>(d.dtype), v);
    (is_in ? st->packs : st->unpacks).push_back(is_in ? identityCopy(d, staged, why, &ok) : identityCopy(staged, d, why, &ok));
    lab_cuda_host_tensor t{};
    t.dtype = static_cast<lab_dtype>(d.dtype);
    t.ndim = v.ndim;
    for (int i = 0; i < v.ndim; i++) t.shape[i] = v.shape[i];
    (is_in ? st->host_in : st->host_out).push_back(t);
    (is_in ? st->host_in_mem : st->host_out_mem).emplace_back(static_cast<size_t>(viewSize(d) * dtypeBytes(d.dtype)));
    (is_in ? st->staging_in : st->staging_out).push_back(buf);
  }
  return ok;
}

// attrs: [grid x y z, block x y z, shared bytes, via (0 NVRTC source, 1 compiled file),
//         n_scalars, scalars…, text length, text bytes…, name length, name bytes…]
bool planUser(const TapeStep &s, Step *st, std::string *why) {
  const std::vector<double> &a = s.attrs;
  size_t at = 0;
  const auto take = [&](double *v) {
    if (at >= a.size()) return false;
    *v = a[at++];
    return true;
  };
  double g[7], via, ns;
  for (double &x : g)
    if (!take(&x)) return fail(why, "bad launch attrs");
  if (!take(&via) || !take(&ns)) return fail(why, "bad launch attrs");
  for (int i = 0; i < static_cast<int>(ns); i++) {
    double x;
    if (!take(&x)) return fail(why, "bad scalars");
    st->scalars.push_back(x);
  }
  std::string text[2];
  for (std::string &t : text) {
    double n;
    if (!take(&n)) return fail(why, "bad kernel text");
    for (int i = 0; i < static_cast<int>(n); i++) {
      double c;
      if (!take(&c)) return fail(why, "bad kernel text");
      t.push_back(static_cast<char>(static_cast<int>(c)));
    }
  }
  st->grid = dim3(static_cast<unsigned>(g[0]), static_cast<unsigned>(g[1]), static_cast<unsigned>(g[2]));
  st->block = dim3(static_cast<unsigned>(g[3]), static_cast<unsigned>(g[4]), static_cast<unsigned>(g[5]));
  st->shared_bytes = static_cast<unsigned>(g[6]);
  st->user_n = st->host_out.empty() ? 0 : 1;
  for (int d = 0; d < st->host_out[0].ndim; d++) st->user_n *= st->host_out[0].shape[d];
  st->user_kernel = via == 0 ? compileKernel(text[0], text[1], why) : loadKernelFile(text[0], text[1], why);
  return st->user_kernel != nullptr;
}

bool planStep(lab_cuda_program *p, size_t index, const TapeStep &s, std::vector<char *> &aux, Step *st,
              std::string *error) {
  std::string why;
  std::vector<DView> in, out;
  for (const TapeView &v : s.inputs) in.push_back(resolve(p, v));
  for (const TapeView &v : s.outputs) out.push_back(resolve(p, v));
  st->kind = s.kind;
  st->kernel = s.kernel;
  st->op = s.op;
  bool ok = true;
  switch (s.kind) {
    case K_ELEMENTWISE: {
      const size_t n = s.attrs.size();
      if (n < 1 || n != 1 + 3 * static_cast<size_t>(s.attrs[0])) return fail(error, where(index, s) + "bad attrs");
      for (size_t i = 1; i < n; i += 3)
        st->ew.code.push_back(EwInstr{static_cast<int32_t>(s.attrs[i]), static_cast<int32_t>(s.attrs[i + 1]), s.attrs[i + 2]});
      ok = !out.empty() && planElementwise(in, out, &st->ew, &why);
      break;
    }
    case K_GEMM: ok = out.size() == 1 && planGemm(s, in, out[0], &st->gemm, &why); break;
    case K_REDUCE: ok = in.size() == 1 && out.size() == 1 && planReduce(s, in[0], out[0], &st->reduce, &why); break;
    case K_ROWS: ok = out.size() == 1 && planRows(s, in, out[0], &st->rows, &why); break;
    case K_TAKE:
    case K_SCATTER: {
      const bool take = s.kind == K_TAKE;
      if (in.size() != (take ? 2u : 3u) || out.size() != 1 || s.attrs.size() != (take ? 1u : 2u))
        return fail(error, where(index, s) + (take ? "takes [x, indices] -> [y]" : "takes [x, v, indices] -> [z]"));
      GatherArgs &g = st->gather;
      g = GatherArgs{};
      g.x = take ? in[0] : out[0];
      g.idx = take ? in[1] : in[2];
      g.v = take ? out[0] : in[1];
      g.axis = static_cast<int32_t>(s.attrs[0]);
      g.set = take ? 0 : static_cast<int32_t>(s.attrs[1]);
      if (g.axis < 0) g.axis += g.x.ndim;
      if (g.idx.dtype != LAB_INT32) ok = fail(&why, "indices must be int32");
      else if (g.axis < 0 || g.axis >= g.x.ndim) ok = fail(&why, "axis is out of range");
      else if (g.v.ndim != g.x.ndim - 1 + g.idx.ndim) ok = fail(&why, "values must have take's shape");
      else if (!take && !sameView(s.inputs[0], s.outputs[0]))
        ok = fail(&why, "the output view must be x's view (the backend copies x into z first)");
      break;
    }
    case K_RANDOM: {
      if (s.attrs.size() != 7 || out.size() != 1 || in.size() > 1) return fail(error, where(index, s) + "bad attrs");
      RandomArgs &r = st->random;
      r = RandomArgs{};
      r.y = out[0];
      r.dist = static_cast<int32_t>(s.attrs[0]);
      const double seed = s.attrs[1];
      r.key0 = static_cast<uint32_t>(fmod(seed, 4294967296.0));
      r.key1 = static_cast<uint32_t>(floor(seed / 4294967296.0));
      r.stream = static_cast<int32_t>(static_cast<uint32_t>(s.attrs[2]));
      r.size = viewSize(out[0]);
      r.start = reinterpret_cast<long long *>(aux.back());
      aux.pop_back();
      r.advance = s.attrs[4] != 0;
      r.a = s.attrs[5];
      r.b = s.attrs[6];
      r.offset = in.empty() ? nullptr : reinterpret_cast<const int32_t *>(in[0].data);
      const long long start = static_cast<long long>(s.attrs[3]);
      if (cudaMemcpy(r.start, &start, sizeof start, cudaMemcpyHostToDevice) != cudaSuccess)
        ok = fail(&why, "cannot initialise the draw position");
      break;
    }
    case K_HOST: {
      if (s.attrs.size() != 1) return fail(error, where(index, s) + "attrs must be [callback]");
      st->callback = static_cast<int32_t>(s.attrs[0]);
      p->has_host_steps = true;
      ok = stage(s, in, out, aux, st, &why);
      break;
    }
    case K_USER: ok = !out.empty() && stage(s, in, out, aux, st, &why) && planUser(s, st, &why); break;
    default: return fail(error, where(index, s) + "unknown step kind " + std::to_string(s.kind));
  }
  if (!ok) return fail(error, where(index, s) + (why.empty() ? "wrong number of inputs or outputs" : why));
  return true;
}

// Bytes of auxiliary device memory step s needs: a draw position, or host staging.
std::vector<size_t> auxNeeds(const TapeStep &s, const std::vector<Buffer> &buffers) {
  std::vector<size_t> needs;
  if (s.kind == K_RANDOM) needs.push_back(sizeof(long long));
  if (s.kind == K_HOST || s.kind == K_USER) {
    for (const auto *list : {&s.inputs, &s.outputs})
      for (const TapeView &v : *list) {
        int64_t n = 1;
        for (int d = 0; d < v.ndim; d++) n *= v.shape[d];
        needs.push_back(static_cast<size_t>(n * dtypeBytes(buffers[v.buffer].dtype)));
      }
  }
  return needs;
}

size_t align256(size_t n) { return (n + 255) & ~static_cast<size_t>(255); }

void appendMeta(std::vector<char> &blob, EwLaunch &l) {
  auto put = [&blob](const void *data, size_t bytes) {
    const size_t at = align256(blob.size());
    blob.resize(at + bytes);
    memcpy(blob.data() + at, data, bytes);
    return at;
  };
  l.plan_off = put(&l.plan, sizeof l.plan);
  l.ops_off = put(l.ops.data(), l.ops.size() * sizeof(EwOperand));
  l.code_off = put(l.code.data(), l.code.size() * sizeof(EwInstr));
}

}  // namespace

bool buildProgram(lab_cuda_program *p, const double *tape, int64_t len, std::string *error) {
  Reader r{tape, len, 0, error};
  if (r.next("magic") != kTapeMagic || r.integer("version", 0, 1000) != kTapeVersion)
    return fail(error, "not a CUDA program tape of version " + std::to_string(kTapeVersion) +
                           " (the engine and native/build/cuda/liblabcuda.so are out of step: run `npm run build:native`)");
  const int32_t nb = static_cast<int32_t>(r.integer("buffer count", 0, 1 << 24));
  const int32_t ns = static_cast<int32_t>(r.integer("step count", 0, 1 << 24));
  const int32_t ni = static_cast<int32_t>(r.integer("input count", 0, nb));
  const int32_t no = static_cast<int32_t>(r.integer("output count", 0, nb));
  for (int32_t b = 0; b < nb && r.ok; b++) {
    Buffer buf{};
    buf.dtype = static_cast<lab_dtype>(r.integer("buffer dtype", 0, 3));
    buf.size = r.integer("buffer size", 0, INT64_MAX / 16);
    buf.role = static_cast<int32_t>(r.integer("buffer role", 0, 4));
    p->buffers.push_back(buf);
  }
  for (int32_t k = 0; k < ni && r.ok; k++) p->inputs.push_back(static_cast<int32_t>(r.integer("input buffer", 0, nb - 1)));
  for (int32_t k = 0; k < no && r.ok; k++) p->outputs.push_back(static_cast<int32_t>(r.integer("output buffer", 0, nb - 1)));
  std::vector<TapeStep> tsteps;
  for (int32_t i = 0; i < ns && r.ok; i++) {
    TapeStep s;
    s.kind = static_cast<int32_t>(r.integer("step kind", 0, K_COUNT - 1));
    const int64_t n_in = r.integer("step input count", 0, 64), n_out = r.integer("step output count", 0, 64);
    s.kernel = r.text("kernel name");
    s.op = r.text("op name");
    for (int64_t k = 0; k < n_in + n_out && r.ok; k++) {
      TapeView v{};
      readView(r, nb, &v);
      (k < n_in ? s.inputs : s.outputs).push_back(v);
    }
    const int64_t n_attrs = r.integer("attr count", 0, 1 << 20);
    for (int64_t k = 0; k < n_attrs && r.ok; k++) s.attrs.push_back(r.next("attr"));
    if (!r.ok) return fail(error, "steps[" + std::to_string(i) + "]: " + *error);
    for (const auto *list : {&s.inputs, &s.outputs})
      for (const TapeView &v : *list)
        if (!viewInBounds(v, p->buffers[v.buffer].size))
          return fail(error, where(tsteps.size(), s) + "a view " + shapeStr(v.shape, v.ndim) + " at offset " +
                                 std::to_string(v.offset) + " reaches outside buffer " + std::to_string(v.buffer) +
                                 " of " + std::to_string(p->buffers[v.buffer].size) + " elements");
    for (const TapeView &v : s.outputs)
      if (p->buffers[v.buffer].role == 0 || p->buffers[v.buffer].role == 4)
        return fail(error, where(tsteps.size(), s) + "writes buffer " + std::to_string(v.buffer) + ", an input or constant");
    tsteps.push_back(std::move(s));
  }
  if (!r.ok) return false;
  if (r.pos != len) return fail(error, "the program tape has " + std::to_string(len - r.pos) + " values left over");

  // One arena: the buffers, the error flag, then every step's auxiliary memory.
  std::vector<size_t> offsets;
  size_t total = 0;
  for (const Buffer &b : p->buffers) {
    offsets.push_back(total);
    total = align256(total + static_cast<size_t>(b.size) * dtypeBytes(b.dtype));
  }
  const size_t err_off = total;
  total = align256(total + sizeof(DeviceError));
  std::vector<std::vector<size_t>> aux_offsets;
  for (const TapeStep &s : tsteps) {
    aux_offsets.emplace_back();
    for (size_t bytes : auxNeeds(s, p->buffers)) {
      aux_offsets.back().push_back(total);
      total = align256(total + bytes);
    }
  }
  cudaError_t st = cudaMalloc(&p->arena, total > 0 ? total : 256);
  if (st == cudaSuccess) st = cudaMemset(p->arena, 0, total > 0 ? total : 256);
  if (st != cudaSuccess)
    return fail(error, std::string("cannot allocate the program's ") + std::to_string(total) +
                           " bytes of device memory: " + cudaGetErrorString(st));
  for (size_t b = 0; b < p->buffers.size(); b++) p->buffers[b].data = p->arena + offsets[b];
  p->err = reinterpret_cast<DeviceError *>(p->arena + err_off);

  std::vector<char> blob;
  p->steps.resize(tsteps.size());
  for (size_t i = 0; i < tsteps.size(); i++) {
    std::vector<char *> aux;  // consumed from the back
    for (auto it = aux_offsets[i].rbegin(); it != aux_offsets[i].rend(); ++it) aux.push_back(p->arena + *it);
    if (!planStep(p, i, tsteps[i], aux, &p->steps[i], error)) return false;
    Step &s = p->steps[i];
    if (s.kind == K_ELEMENTWISE) appendMeta(blob, s.ew);
    for (EwLaunch &l : s.packs) appendMeta(blob, l);
    for (EwLaunch &l : s.unpacks) appendMeta(blob, l);
  }
  if (!blob.empty()) {
    st = cudaMalloc(&p->meta, blob.size());
    if (st == cudaSuccess) st = cudaMemcpy(p->meta, blob.data(), blob.size(), cudaMemcpyHostToDevice);
    if (st != cudaSuccess) return fail(error, std::string("cannot upload the program's metadata: ") + cudaGetErrorString(st));
  }
  int device = 0, major = 0, minor = 0;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
  cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
  for (Step &s : p->steps) {
    if (s.kind != K_ELEMENTWISE) continue;
    s.ew.compiled = compileElementwise(s.ew, major, minor);
    if (s.ew.compiled) p->nvrtc_kernels++;
  }
  // The arena memset and the uploads above ran on the legacy stream, which the program's
  // non-blocking stream does not wait for: finish them before the first run.
  st = cudaDeviceSynchronize();
  if (st != cudaSuccess) return fail(error, std::string("preparing the program on the GPU failed: ") + cudaGetErrorString(st));
  return true;
}

}  // namespace labcuda
