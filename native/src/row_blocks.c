#include "row_blocks.h"

#include "../kernels/common.h"
#include "../kernels/elementwise.h"
#include "../kernels/gemm/gemm.h"

static int same_view(const lab_view *x, const lab_view *y) {
  if (x->buffer != y->buffer || x->offset != y->offset || x->ndim != y->ndim) return 0;
  for (int32_t d = 0; d < x->ndim; d++) {
    if (x->shape[d] != y->shape[d] || x->strides[d] != y->strides[d]) return 0;
  }
  return 1;
}

static int same_tensor(const lab_tensor *x, const lab_tensor *y) {
  if (x->data != y->data || x->ndim != y->ndim) return 0;
  for (int32_t d = 0; d < x->ndim; d++) {
    if (x->shape[d] != y->shape[d] || x->strides[d] != y->strides[d]) return 0;
  }
  return 1;
}

/* Whether step i is a gemm whose output step i + 1, a gemm, accumulates into in place (inputs
 * [A2, B2, Z], output Z). */
static int gemm_pair_at(const lab_program *p, int32_t i) {
  if (i + 1 >= p->n_steps) return 0;
  const lab_step *s = &p->steps[i], *next = &p->steps[i + 1];
  if (s->fn != lab_gemm_kernel || next->fn != lab_gemm_kernel || s->n_outputs != 1 || next->n_inputs != 3 ||
      next->n_outputs != 1) {
    return 0;
  }
  const lab_view *z = &s->views[s->n_inputs];
  return same_view(&next->views[2], z) && same_view(&next->views[3], z);
}

/* Whether every element of a 2-d view lies in the same row of Z as its own row (row r within
 * Z's row r), so writing a block of its rows touches only that block's rows of Z. */
static int within_rows_of(const lab_tensor *t, const lab_tensor *z) {
  const int64_t size = (int64_t)lab_dtype_size(z->dtype);
  const int64_t from = (const char *)t->data - (const char *)z->data;
  const int64_t z_row = (z->shape[1] - 1) * z->strides[1] * size + size;
  return t->dtype == z->dtype && t->strides[0] == z->strides[0] && t->strides[1] > 0 && z->strides[1] > 0 && from >= 0 &&
         from + (t->shape[1] - 1) * t->strides[1] * size + size <= z_row;
}

/*
 * Whether an elementwise step can run block by block after the pair: all its views 2-d with Z's
 * rows along the first axis, it reads Z and only within Z's rows (its row r in Z's row r), and
 * each output is one of its inputs (in place) or overlaps none of them, overlaps none of the
 * pair's operands and lies in Z's rows or apart from Z. Then its block reads only rows the pair
 * has finished, and writes nothing a later block reads.
 */
static int elementwise_follows(const lab_step *s, const lab_tensor *t, const lab_tensor *operands, int32_t n_operands,
                               const lab_tensor *z) {
  const int32_t n = s->n_inputs + s->n_outputs;
  int reads_z = 0;
  for (int32_t k = 0; k < n; k++) {
    if (t[k].ndim != 2 || t[k].shape[0] != z->shape[0]) return 0;
    if (k >= s->n_inputs || lab_views_disjoint(&t[k], z)) continue;
    if (!within_rows_of(&t[k], z)) return 0; /* it would read rows of Z a later block computes */
    reads_z = 1;
  }
  for (int32_t o = s->n_inputs; o < n && reads_z; o++) {
    int in_place = 0, overlaps = 0;
    for (int32_t k = 0; k < s->n_inputs; k++) {
      in_place |= same_tensor(&t[o], &t[k]);
      overlaps |= !lab_views_disjoint(&t[o], &t[k]);
    }
    if (overlaps && !in_place) return 0;
    for (int32_t k = 0; k < n_operands; k++) {
      if (!same_tensor(&operands[k], z) && !lab_views_disjoint(&t[o], &operands[k])) return 0;
    }
    if (!lab_views_disjoint(&t[o], z) && !within_rows_of(&t[o], z)) return 0;
  }
  return reads_z;
}

int32_t lab_row_group_find(const lab_program *p, int32_t i, lab_tensor *views, int64_t *rows) {
  if (!gemm_pair_at(p, i)) return 0;
  const lab_step *first = &p->steps[i], *second = &p->steps[i + 1];
  lab_tensor *v1 = views, *v2 = views + first->n_inputs + 1, *v3 = v2 + 4;
  lab_program_bind_step(p, first, v1);
  lab_program_bind_step(p, second, v2);
  const lab_tensor *z = &v1[first->n_inputs];
  *rows = lab_gemm_pair_rows(v1, first->n_inputs, z, first->attrs, v2, second->attrs);
  if (*rows == 0) return 0;
  const lab_step *third = i + 2 < p->n_steps ? &p->steps[i + 2] : NULL;
  if (!third || third->fn != lab_elementwise_kernel || third->n_inputs + third->n_outputs > LAB_EW_MAX_OPERANDS) return 2;
  lab_program_bind_step(p, third, v3);
  /* the pair's operands: A1, B1 (and C), A2, B2 */
  lab_tensor operands[5];
  int32_t n_operands = 0;
  for (int32_t k = 0; k < first->n_inputs; k++) operands[n_operands++] = v1[k];
  for (int32_t k = 0; k < 2; k++) operands[n_operands++] = v2[k];
  return elementwise_follows(third, v3, operands, n_operands, z) ? 3 : 2;
}

int lab_row_group_run(const lab_program *p, int32_t i, int32_t steps, const lab_tensor *views, int64_t rows,
                      int32_t *failed_step, char *err, size_t err_len) {
  const lab_step *first = &p->steps[i], *second = &p->steps[i + 1], *third = steps > 2 ? &p->steps[i + 2] : NULL;
  const lab_tensor *v1 = views, *v2 = views + first->n_inputs + 1, *v3 = v2 + 4;
  const lab_tensor *z = &v1[first->n_inputs];
  const int64_t m = z->shape[0];
  lab_tensor part[LAB_EW_MAX_OPERANDS];
  for (int64_t r0 = 0; r0 < m; r0 += rows) {
    const int64_t n = m - r0 < rows ? m - r0 : rows;
    int32_t which = 0;
    if (lab_gemm_pair_block(v1, first->n_inputs, z, first->attrs, v2, second->attrs, r0, n, &which, err, err_len)) {
      *failed_step = i + which;
      return 1;
    }
    if (!third) continue;
    const int32_t operands = third->n_inputs + third->n_outputs;
    for (int32_t k = 0; k < operands; k++) {
      part[k] = v3[k];
      part[k].data = (char *)v3[k].data + r0 * v3[k].strides[0] * (int64_t)lab_dtype_size(v3[k].dtype);
      part[k].shape[0] = n;
    }
    if (third->fn(part, third->n_inputs, part + third->n_inputs, third->n_outputs, third->attrs, err, err_len)) {
      *failed_step = i + 2;
      return 1;
    }
  }
  return 0;
}
