/* How a row-block chain (row_blocks.h) sees each kind of step: which kind it is, the axis each
 * operand is cut along, and the step's own rules for running by blocks. */
#include "row_block_steps.h"

#include "../kernels/common.h"
#include "../kernels/elementwise.h"
#include "../kernels/gemm/gemm.h"
#include "../kernels/reduce.h"
#include "../kernels/shape.h"

/* The kind of a step with views t in a chain along m rows. */
step_kind lab_chain_kind_of(const lab_step *s, const lab_tensor *t, int64_t m) {
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
  if (s->fn == lab_shape_kernel && ((const lab_shape_attrs *)s->attrs)->kind == LAB_FILL) return KIND_FILL;
  return KIND_OTHER;
}

/* The axis operand k of a step is cut along into blocks of rows, or -1 when it is used whole. An
 * operand with stride 0 along that axis (a bias row broadcast down Z) is cut too, but reads the
 * same row in every block: the chain's rules treat it as read whole (lab_chain_row_window). */
int lab_chain_cut_axis(const lab_step *s, step_kind kind, int32_t k, const lab_tensor *t) {
  switch (kind) {
    case KIND_GEMM:
      if (k == 0) return ((const lab_gemm_attrs *)s->attrs)->trans_a ? 1 : 0; /* op(A)'s rows */
      return k == 1 ? -1 : 0;                                                  /* B; C or Z */
    case KIND_GEMM_OVER_K: {
      const lab_gemm_attrs *attrs = s->attrs;
      if (k == 0) return attrs->trans_a ? 0 : 1; /* op(A)'s columns */
      if (k == 1) return attrs->trans_b ? 1 : 0; /* op(B)'s rows */
      return -1; /* C (read by the first block, by the store on the small-m path) and Z */
    }
    case KIND_REDUCE: return k == 0 ? 0 : -1; /* the output is written after the last block */
    case KIND_ELEMENTWISE: return t->ndim == 0 ? -1 : 0;
    default: return 0;
  }
}

/* Bytes [*lo, *hi) of a view's first row along axis `cut` (its other axes' extent) and *pitch,
 * the bytes from one row to the next; 0 when rows do not advance (pitch ≤ 0) or it is empty. */
int lab_chain_row_window(const lab_tensor *t, int cut, intptr_t *lo, intptr_t *hi, intptr_t *pitch) {
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


int lab_chain_same_view(const lab_tensor *x, const lab_tensor *y) {
  if (x->data != y->data || x->ndim != y->ndim) return 0;
  for (int32_t d = 0; d < x->ndim; d++) {
    if (x->shape[d] != y->shape[d] || x->strides[d] != y->strides[d]) return 0;
  }
  return 1;
}


/* A step's own rules beyond the chain's: each kind's operands apart where the whole step needs
 * them apart, and whether it can run by blocks at all. */
int lab_chain_step_fits(const lab_step *s, step_kind kind, const lab_tensor *t) {
  const int32_t n = s->n_inputs + s->n_outputs;
  switch (kind) {
    case KIND_GEMM:
    case KIND_GEMM_OVER_K: {
      if (s->n_outputs != 1 || t[0].ndim != 2 || t[1].ndim != 2 || t[s->n_inputs].ndim != 2) return 0;
      const lab_tensor *z = &t[s->n_inputs];
      if (!lab_views_disjoint(&t[0], z) || !lab_views_disjoint(&t[1], z)) return 0;
      return s->n_inputs == 2 || (t[2].ndim == 2 && (lab_chain_same_view(&t[2], z) || lab_views_disjoint(&t[2], z)));
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
          in_place |= lab_chain_same_view(&t[o], &t[k]);
          overlaps |= !lab_views_disjoint(&t[o], &t[k]);
        }
        if (overlaps && !in_place) return 0;
      }
      return 1;
    case KIND_FILL: return s->n_inputs == 0 && s->n_outputs == 1 && t[0].ndim >= 1;
    default: return 0;
  }
}

/* The rows the chain starting at step i works along (its first step's), or 0. */
int64_t lab_chain_rows_of(const lab_step *s, step_kind kind, const lab_tensor *t) {
  const lab_tensor *lead = kind == KIND_REDUCE ? &t[0] : &t[s->n_inputs];
  if (kind == KIND_OTHER || kind == KIND_REDUCE || s->n_outputs < 1 || lead->ndim < 1) return 0;
  return lead->shape[0];
}

/* Bytes from a view's lowest to its highest element. */
int64_t lab_chain_view_bytes(const lab_tensor *t) {
  intptr_t lo, hi, pitch;
  if (t->ndim == 0) return (int64_t)lab_dtype_size(t->dtype);
  if (!lab_chain_row_window(t, 0, &lo, &hi, &pitch)) return 0;
  return (int64_t)(hi - lo) + (int64_t)pitch * (t->shape[0] - 1);
}
