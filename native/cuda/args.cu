// Argument blocks of the kernel families (kernels.cuh) from resolved views and tape attrs: the
// checks a step must pass and the shapes and strides its kernel walks. Called by plan.cu once
// per step at program creation.
#include <math.h>

#include <string>
#include <vector>

#include "program.cuh"

namespace labcuda {

bool fail(std::string *error, const std::string &message) {
  *error = message;
  return false;
}

std::string shapeStr(const int64_t *shape, int ndim) {
  std::string s = "(";
  for (int i = 0; i < ndim; i++) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (ndim == 1 ? ",)" : ")");
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
  // float64 if any operand is, float32 if any is; integer composites compute in int32 when every
  // op stays in the integers and every constant is an int32 value (as the CPU kernel), else float64.
  bool integer = true;
  for (const EwInstr &in : l->code) {
    integer = integer && ewIntegerOp(in.op, in.arg);
    if (in.op == EW_CONST) integer = integer && in.value >= -2147483648.0 && in.value <= 2147483647.0 && in.value == floor(in.value);
  }
  p.compute = f64 ? LAB_FLOAT64 : f32 ? LAB_FLOAT32 : integer ? LAB_INT32 : LAB_FLOAT64;
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
static void matrixOf(const DView &v, bool trans, int64_t *rows, int64_t *cols, int64_t *rs, int64_t *cs, int64_t *bs) {
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
  g->splits = 1;
  g->k_per = g->K;
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

static bool rowView(const DView &v, const DView &main, int axis, RowView *rv, std::string *why) {
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

}  // namespace labcuda
