#include "row_blocks.h"

#include "../kernels/common.h"
#include "../kernels/elementwise.h"
#include "../kernels/gemm/gemm.h"
#include "../kernels/reduce.h"
#include "../kernels/shape.h"

/* A block's rows are about this many bytes of what the chain's steps write (MNIST's forward
 * time step writes ~2.4 KiB a row: 204 rows; its backward ~1.1 KiB: 468, rounded to 768, a
 * multiple of the weight gradients' k-pieces; 256 KiB to 4 MiB measured within noise of each
 * other), a multiple of CHAIN_ROW_UNIT rows, which every gemm micro-kernel's MR divides. */
#define CHAIN_BLOCK_BYTES (512 << 10)
#define CHAIN_ROW_UNIT 12
/* Chains whose largest operand is smaller stay apart: it stays in L2 between whole steps (the
 * quadratics' 400 KiB gates gained nothing). */
#define CHAIN_MIN_BYTES (1 << 20)
#define CHAIN_MAX_SUMS 2048 /* float64 accumulators of a chain's reduces */

/* KIND_GEMM_OVER_K: a gemm whose k runs along the chain's rows (a weight gradient xᵀ·dy), its
 * Z summed over the blocks like a reduce's accumulators; the other gemms are KIND_GEMM. */
typedef enum step_kind {
  KIND_OTHER,
  KIND_GEMM,
  KIND_GEMM_OVER_K,
  KIND_ELEMENTWISE,
  KIND_CONCATENATE,
  KIND_REDUCE
} step_kind;

static int64_t gcd(int64_t a, int64_t b) { return b == 0 ? a : gcd(b, a % b); }

/* The kind of a step with views t in a chain along m rows. */
static step_kind kind_of(const lab_step *s, const lab_tensor *t, int64_t m) {
  if (s->fn == lab_gemm_kernel) {
    const lab_gemm_attrs *attrs = s->attrs;
    const int64_t z_rows = t[s->n_inputs].shape[0], k = t[0].shape[attrs->trans_a ? 0 : 1];
    return z_rows != m && k == m && t[0].ndim == 2 ? KIND_GEMM_OVER_K : KIND_GEMM;
  }
  if (s->fn == lab_elementwise_kernel) return KIND_ELEMENTWISE;
  if (s->fn == lab_reduce_kernel) return KIND_REDUCE;
  if (s->fn == lab_shape_kernel && ((const lab_shape_attrs *)s->attrs)->kind == LAB_CONCATENATE) {
    return KIND_CONCATENATE;
  }
  return KIND_OTHER;
}

/* The axis operand k of a step is cut along into blocks of rows, or -1 when it is used whole. An
 * operand with stride 0 along that axis (a bias row broadcast down Z) is cut too, but reads the
 * same row in every block: the chain's rules treat it as read whole (row_window). */
static int cut_axis(const lab_step *s, step_kind kind, int32_t k, const lab_tensor *t) {
  switch (kind) {
    case KIND_GEMM:
      if (k == 0) return ((const lab_gemm_attrs *)s->attrs)->trans_a ? 1 : 0; /* op(A)'s rows */
      return k == 1 ? -1 : 0;                                                  /* B; C or Z */
    case KIND_GEMM_OVER_K: {
      const lab_gemm_attrs *attrs = s->attrs;
      if (k == 0) return attrs->trans_a ? 0 : 1; /* op(A)'s columns */
      if (k == 1) return attrs->trans_b ? 1 : 0; /* op(B)'s rows */
      return -1;                                 /* C (read by the first block) and Z */
    }
    case KIND_REDUCE: return k == 0 ? 0 : -1; /* the output is written after the last block */
    case KIND_ELEMENTWISE: return t->ndim == 0 ? -1 : 0;
    default: return 0;
  }
}

/* Bytes [*lo, *hi) of a view's first row along axis `cut` (its other axes' extent) and *pitch,
 * the bytes from one row to the next; 0 when rows do not advance (pitch ≤ 0) or it is empty. */
static int row_window(const lab_tensor *t, int cut, intptr_t *lo, intptr_t *hi, intptr_t *pitch) {
  const intptr_t size = (intptr_t)lab_dtype_size(t->dtype);
  *pitch = (intptr_t)t->strides[cut] * size;
  *lo = (intptr_t)t->data;
  *hi = *lo + size;
  for (int d = 0; d < t->ndim; d++) {
    if (t->shape[d] == 0) return 0;
    if (d == cut) continue;
    const intptr_t span = (intptr_t)(t->shape[d] - 1) * (intptr_t)t->strides[d] * size;
    if (span < 0) *lo += span;
    else *hi += span;
  }
  return *pitch > 0;
}

/* Whether two overlapping views meet only within the same rows: row r of one overlaps no row of
 * the other but its row r (the same pitch, both rows inside one pitch of bytes). */
static int same_rows(const lab_tensor *x, int cut_x, const lab_tensor *y, int cut_y) {
  intptr_t lo[2], hi[2], pitch[2];
  if (cut_x < 0 || cut_y < 0 || !row_window(x, cut_x, &lo[0], &hi[0], &pitch[0]) ||
      !row_window(y, cut_y, &lo[1], &hi[1], &pitch[1]) || pitch[0] != pitch[1]) {
    return 0;
  }
  const intptr_t from = lo[0] < lo[1] ? lo[0] : lo[1], to = hi[0] > hi[1] ? hi[0] : hi[1];
  return to - from <= pitch[0];
}

static int same_tensor(const lab_tensor *x, const lab_tensor *y) {
  if (x->data != y->data || x->ndim != y->ndim) return 0;
  for (int32_t d = 0; d < x->ndim; d++) {
    if (x->shape[d] != y->shape[d] || x->strides[d] != y->strides[d]) return 0;
  }
  return 1;
}

/* One operand of a chain: its view and how the chain uses it. */
typedef struct operand {
  const lab_tensor *t;
  int cut;     /* the axis it is cut along, or -1 (whole) */
  int written; /* 1: block by block; 2: a sum over the blocks (a reduce's output, a gemm over k's Z) */
} operand;

/* Whether operands x and y can be in one chain (at least one of them written). */
static int compatible(const operand *x, const operand *y) {
  if (!x->written && !y->written) return 1;
  if (lab_views_disjoint(x->t, y->t)) return 1;
  if (x->written == 2 || y->written == 2) return 0;
  return same_rows(x->t, x->cut, y->t, y->cut);
}

/* A step's own rules beyond the chain's: each kind's operands apart where the whole step needs
 * them apart, and whether it can run by blocks at all. */
static int step_fits(const lab_step *s, step_kind kind, const lab_tensor *t) {
  const int32_t n = s->n_inputs + s->n_outputs;
  switch (kind) {
    case KIND_GEMM:
    case KIND_GEMM_OVER_K: {
      if (s->n_outputs != 1 || t[0].ndim != 2 || t[1].ndim != 2 || t[s->n_inputs].ndim != 2) return 0;
      const lab_tensor *z = &t[s->n_inputs];
      if (!lab_views_disjoint(&t[0], z) || !lab_views_disjoint(&t[1], z)) return 0;
      return s->n_inputs == 2 || (t[2].ndim == 2 && (same_tensor(&t[2], z) || lab_views_disjoint(&t[2], z)));
    }
    case KIND_REDUCE: return s->n_inputs == 1 && s->n_outputs == 1 && lab_reduce_by_rows(&t[0], &t[1], s->attrs);
    case KIND_CONCATENATE: {
      const int axis = ((const lab_shape_attrs *)s->attrs)->axis;
      const int32_t ndim = t[s->n_inputs].ndim;
      if (s->n_outputs != 1 || n > LAB_EW_MAX_OPERANDS || ndim < 2 || axis == 0 || axis == -ndim) return 0;
      for (int32_t k = 0; k < s->n_inputs; k++) {
        if (!lab_views_disjoint(&t[k], &t[s->n_inputs])) return 0;
      }
      return 1;
    }
    case KIND_ELEMENTWISE:
      if (n > LAB_EW_MAX_OPERANDS) return 0;
      for (int32_t o = s->n_inputs; o < n; o++) {
        int in_place = 0, overlaps = 0;
        for (int32_t k = 0; k < s->n_inputs; k++) {
          in_place |= same_tensor(&t[o], &t[k]);
          overlaps |= !lab_views_disjoint(&t[o], &t[k]);
        }
        if (overlaps && !in_place) return 0;
      }
      return 1;
    default: return 0;
  }
}

/* The rows the chain starting at step i works along (its first step's), or 0. */
static int64_t chain_rows_of(const lab_step *s, step_kind kind, const lab_tensor *t) {
  const lab_tensor *lead = kind == KIND_REDUCE ? &t[0] : &t[s->n_inputs];
  if (kind == KIND_OTHER || kind == KIND_REDUCE || s->n_outputs < 1 || lead->ndim < 1) return 0;
  return lead->shape[0];
}

/* Bytes from a view's lowest to its highest element. */
static int64_t view_bytes(const lab_tensor *t) {
  intptr_t lo, hi, pitch;
  if (t->ndim == 0) return (int64_t)lab_dtype_size(t->dtype);
  if (!row_window(t, 0, &lo, &hi, &pitch)) return 0;
  return (int64_t)(hi - lo) + (int64_t)pitch * (t->shape[0] - 1);
}

/* A later block's gemm over k: accumulating into Z in place. */
static lab_gemm_attrs accumulating(const lab_step *s) {
  lab_gemm_attrs attrs = *(const lab_gemm_attrs *)s->attrs;
  attrs.beta = 1;
  return attrs;
}

/* Whether a gemm takes its whole product's path on every block: a block of `rows` rows and the
 * last, of `last`; a gemm over k as a later block (accumulating) too, and in pieces of the driver
 * that every block holds whole. */
static int gemm_path_kept(const lab_step *s, step_kind kind, const lab_tensor *t, int64_t rows, int64_t last) {
  const int whole = lab_gemm_route(t, s->n_inputs, &t[s->n_inputs], s->attrs);
  if (whole < 0) return 0;
  if (kind == KIND_GEMM_OVER_K) {
    const int64_t piece = lab_gemm_k_piece(t, s->n_inputs, &t[s->n_inputs], s->attrs);
    if (piece == 0 || rows % piece != 0 || last < piece) return 0;
  }
  const int64_t sizes[2] = {rows, last};
  for (int b = 0; b < 2; b++) {
    lab_tensor part[4];
    for (int32_t k = 0; k <= s->n_inputs; k++) {
      part[k] = t[k];
      const int cut = cut_axis(s, kind, k, &t[k]);
      if (cut >= 0) part[k].shape[cut] = sizes[b];
    }
    if (lab_gemm_route(part, s->n_inputs, &part[s->n_inputs], s->attrs) != whole) return 0;
    if (kind == KIND_GEMM_OVER_K) {
      const lab_gemm_attrs attrs = accumulating(s);
      part[2] = t[s->n_inputs];
      part[3] = t[s->n_inputs];
      if (lab_gemm_route(part, 3, &part[3], &attrs) != whole) return 0;
    }
  }
  return 1;
}

/* The chain starting at step i: its step count (0 for none) and in *rows a block's rows. */
static int32_t chain_find(const lab_program *p, int32_t i, int64_t *rows) {
  lab_tensor *views = p->chain_views;
  operand ops[LAB_ROW_CHAIN_MAX_VIEWS];
  int32_t first_view[LAB_ROW_CHAIN_MAX_STEPS + 1] = {0};
  int32_t steps = 0, n_views = 0, sums = 0;
  int64_t m = 0;
  for (int32_t j = i; j < p->n_steps && steps < LAB_ROW_CHAIN_MAX_STEPS; j++) {
    const lab_step *s = &p->steps[j];
    const int32_t n = s->n_inputs + s->n_outputs;
    if (!s->fn || n_views + n > LAB_ROW_CHAIN_MAX_VIEWS) break;
    lab_tensor *t = views + n_views;
    lab_program_bind_step(p, s, t);
    if (steps == 0) m = chain_rows_of(s, kind_of(s, t, 0), t);
    const step_kind kind = kind_of(s, t, m);
    if (kind == KIND_OTHER || m < 2 * CHAIN_ROW_UNIT || !step_fits(s, kind, t)) break;
    if (kind == KIND_REDUCE && sums + t[0].shape[1] > CHAIN_MAX_SUMS) break;
    int fits = 1;
    for (int32_t k = 0; k < n && fits; k++) {
      operand *o = &ops[n_views + k];
      o->t = &t[k];
      o->cut = cut_axis(s, kind, k, &t[k]);
      o->written = k < s->n_inputs ? 0 : kind == KIND_REDUCE || kind == KIND_GEMM_OVER_K ? 2 : 1;
      if (o->cut >= 0 && (t[k].ndim <= o->cut || t[k].shape[o->cut] != m)) fits = 0;
      intptr_t lo, hi, pitch;
      if (o->written == 1 && (o->cut < 0 || !row_window(&t[k], o->cut, &lo, &hi, &pitch))) fits = 0;
      for (int32_t q = 0; q < n_views + k && fits; q++) {
        /* a gemm over k adding to its own Z (C is Z): its blocks add in turn, as the pieces would */
        const int own_c = kind == KIND_GEMM_OVER_K && q == n_views + 2 && k == s->n_inputs && same_tensor(&t[k], &t[2]);
        fits = own_c || compatible(o, &ops[q]);
      }
    }
    if (!fits) break;
    n_views += n;
    first_view[++steps] = n_views;
    if (kind == KIND_REDUCE) sums += (int32_t)t[0].shape[1];
  }
  while (steps >= 2) {
    int64_t largest = 0, written = 0;
    for (int32_t k = 0; k < first_view[steps]; k++) {
      intptr_t lo, hi, pitch;
      if (ops[k].written == 1 && row_window(ops[k].t, ops[k].cut, &lo, &hi, &pitch)) written += hi - lo;
      const int64_t bytes = view_bytes(ops[k].t);
      if (bytes > largest) largest = bytes;
    }
    if (largest < CHAIN_MIN_BYTES || written == 0) return 0;
    /* blocks of whole rows for the micro-kernels, and of whole k-pieces for a gemm over k */
    int64_t unit = CHAIN_ROW_UNIT;
    for (int32_t j = 0; j < steps; j++) {
      const lab_step *s = &p->steps[i + j];
      const lab_tensor *t = views + first_view[j];
      if (kind_of(s, t, m) != KIND_GEMM_OVER_K) continue;
      const int64_t piece = lab_gemm_k_piece(t, s->n_inputs, &t[s->n_inputs], s->attrs);
      if (piece > 0 && unit % piece != 0) unit = unit / gcd(unit, piece) * piece;
    }
    int64_t r = CHAIN_BLOCK_BYTES / written;
    r = r < unit ? unit : r - r % unit;
    if (m < 2 * r) return 0;
    const int64_t last = m - ((m - 1) / r) * r;
    int32_t j = 0;
    for (; j < steps; j++) {
      const lab_step *s = &p->steps[i + j];
      const lab_tensor *t = views + first_view[j];
      const step_kind kind = kind_of(s, t, m);
      if ((kind == KIND_GEMM || kind == KIND_GEMM_OVER_K) && !gemm_path_kept(s, kind, t, r, last)) break;
    }
    if (j == steps) {
      *rows = r;
      return steps;
    }
    steps = j; /* the chain up to the gemm whose blocks would sum in another order */
  }
  return 0;
}

void lab_row_chains_plan(lab_program *p) {
  if (p->chain_threads == p->rt.threads && p->chain_isa == p->rt.isa) return;
  p->chain_threads = p->rt.threads;
  p->chain_isa = p->rt.isa;
  memset(p->chain_steps, 0, sizeof *p->chain_steps * (size_t)p->n_steps);
  if (p->rt.threads != 1) return;
  for (int32_t i = 0; i < p->n_steps; i++) {
    int64_t rows = 0;
    const int32_t steps = chain_find(p, i, &rows);
    if (steps < 2) continue;
    p->chain_steps[i] = steps;
    p->chain_rows[i] = rows;
    i += steps - 1;
  }
}

int32_t lab_row_chain_length(const lab_program *p, int32_t i) { return p->chain_steps[i]; }

int lab_row_chain_run(lab_program *p, int32_t i, int32_t *failed_step, char *err, size_t err_len,
                      double *step_seconds) {
  const int32_t steps = p->chain_steps[i];
  const int64_t rows = p->chain_rows[i];
  lab_tensor *views = p->chain_views;
  int32_t first_view[LAB_ROW_CHAIN_MAX_STEPS + 1] = {0}, first_sum[LAB_ROW_CHAIN_MAX_STEPS] = {0};
  step_kind kinds[LAB_ROW_CHAIN_MAX_STEPS] = {KIND_OTHER};
  double sums[CHAIN_MAX_SUMS];
  int32_t n_sums = 0;
  for (int32_t j = 0; j < steps; j++) {
    const lab_step *s = &p->steps[i + j];
    lab_program_bind_step(p, s, views + first_view[j]);
    first_view[j + 1] = first_view[j] + s->n_inputs + s->n_outputs;
  }
  const int64_t m = chain_rows_of(&p->steps[i], kind_of(&p->steps[i], views, 0), views);
  for (int32_t j = 0; j < steps; j++) {
    kinds[j] = kind_of(&p->steps[i + j], views + first_view[j], m);
    first_sum[j] = n_sums;
    if (kinds[j] == KIND_REDUCE) n_sums += (int32_t)views[first_view[j]].shape[1];
  }
  memset(sums, 0, sizeof *sums * (size_t)n_sums);
  lab_tensor part[LAB_EW_MAX_OPERANDS];
  for (int64_t r0 = 0; r0 < m; r0 += rows) {
    const int64_t n = m - r0 < rows ? m - r0 : rows;
    for (int32_t j = 0; j < steps; j++) {
      const lab_step *s = &p->steps[i + j];
      const lab_tensor *t = views + first_view[j];
      for (int32_t k = 0; k < s->n_inputs + s->n_outputs; k++) {
        part[k] = t[k];
        const int cut = cut_axis(s, kinds[j], k, &t[k]);
        if (cut < 0) continue;
        part[k].data = (char *)t[k].data + r0 * t[k].strides[cut] * (int64_t)lab_dtype_size(t[k].dtype);
        part[k].shape[cut] = n;
      }
      int32_t n_inputs = s->n_inputs;
      const void *attrs = s->attrs;
      lab_gemm_attrs accumulate;
      if (kinds[j] == KIND_GEMM_OVER_K && r0 > 0) { /* Z holds the blocks before: add to it */
        accumulate = accumulating(s);
        attrs = &accumulate;
        part[2] = t[s->n_inputs];
        part[3] = t[s->n_inputs];
        n_inputs = 3;
      }
      const double start = step_seconds ? lab_seconds_now() : 0.0;
      if (kinds[j] == KIND_REDUCE) {
        lab_reduce_rows_add(sums + first_sum[j], &part[0]);
      } else if (s->fn(part, n_inputs, part + n_inputs, s->n_outputs, attrs, err, err_len)) {
        *failed_step = i + j;
        return 1;
      }
      if (step_seconds && j > 0) {
        const double spent = lab_seconds_now() - start;
        step_seconds[i + j] += spent;
        step_seconds[i] -= spent;
      }
    }
  }
  for (int32_t j = 0; j < steps; j++) {
    if (kinds[j] == KIND_REDUCE) lab_reduce_rows_store(sums + first_sum[j], views + first_view[j] + 1);
  }
  return 0;
}
