#include "composite_sums.h"

#include "../kernels/common.h"
#include "../kernels/elementwise.h"
#include "../kernels/reduce.h"

/* Output o's first column in x when it is a column window of x's rows (the same rows, row stride
 * and unit column stride, inside x's width), else -1. */
static int64_t window_of(const lab_tensor *o, const lab_tensor *x) {
  if (o->dtype != LAB_FLOAT32 || o->ndim != 2 || o->shape[0] != x->shape[0] || o->strides[0] != x->strides[0] ||
      o->strides[1] != 1) {
    return -1;
  }
  const ptrdiff_t bytes = (const char *)o->data - (const char *)x->data;
  if (bytes < 0 || bytes % (ptrdiff_t)sizeof(float) != 0) return -1;
  const int64_t column = (int64_t)(bytes / (ptrdiff_t)sizeof(float));
  return column + o->shape[1] <= x->shape[1] ? column : -1;
}

int lab_composite_sums_pair(const lab_step *s1, const lab_tensor *t1, const lab_step *s2, const lab_tensor *t2,
                            int64_t *column) {
  if (s1->fn != lab_elementwise_kernel || s2->fn != lab_reduce_kernel || s2->n_inputs != 1 || s2->n_outputs != 1 ||
      s1->n_outputs > LAB_EW_MAX_OPERANDS || !lab_reduce_by_rows(&t2[0], &t2[1], s2->attrs)) {
    return 0;
  }
  const lab_tensor *x = &t2[0], *out = t1 + s1->n_inputs;
  if (x->shape[1] > LAB_COMPOSITE_SUMS_MAX) return 0;
  const lab_byte_range x_range = lab_view_range(x);
  int64_t covered = 0;
  for (int32_t o = 0; o < s1->n_outputs; o++) {
    column[o] = window_of(&out[o], x);
    if (column[o] < 0 && !lab_ranges_apart(lab_view_range(&out[o]), x_range)) return 0;
    if (column[o] < 0) continue;
    for (int32_t e = 0; e < o; e++) { /* two windows over the same columns: no exact cover */
      if (column[e] >= 0 && column[e] < column[o] + out[o].shape[1] && column[o] < column[e] + out[e].shape[1]) return 0;
    }
    covered += out[o].shape[1];
  }
  return covered == x->shape[1];
}

int lab_composite_sums_run(const lab_step *s1, lab_tensor *t1, const int64_t *column, double *acc, int *summed,
                           char *err, size_t err_len) {
  double *sums[LAB_EW_MAX_OPERANDS] = {NULL};
  for (int32_t o = 0; o < s1->n_outputs; o++) sums[o] = column[o] >= 0 ? acc + column[o] : NULL;
  return lab_elementwise_column_sums(t1, s1->n_inputs, t1 + s1->n_inputs, s1->n_outputs, s1->attrs, sums, summed,
                                     err, err_len);
}
