/*
 * softmax and log_softmax over one axis, and their gradients. Each row along the axis is
 * gathered into float64 scratch, processed with the max-shift (so exp never overflows), and
 * written back with conversion; the other axes are walked by the strided iterator, so any
 * axis and any view layout works.
 */
#include "softmax.h"

#include "common.h"
#include "vmath.h"

static const char *const kind_names[] = {"softmax", "log_softmax", "softmax_grad", "log_softmax_grad"};

static double row_max(const double *x, int64_t n) {
  double m = -INFINITY;
  for (int64_t i = 0; i < n; i++) m = (x[i] != x[i] || x[i] > m) ? x[i] : m;
  return m;
}

/* y = softmax(x) (log = 0) or log_softmax(x) (log = 1), in place on one row; `tmp` holds n
 * values. All -inf gives NaN, as NumPy's formula does. */
static void softmax_row(double *x, double *tmp, int64_t n, int log_output, int single) {
  const double m = row_max(x, n);
  if (log_output) {
    memcpy(tmp, x, (size_t)n * sizeof *x);
    const double lse = m + log(lab_exp_shifted(tmp, n, m, single));
    for (int64_t i = 0; i < n; i++) x[i] -= lse;
  } else {
    const double inv = 1.0 / lab_exp_shifted(x, n, m, single);
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
  }
}

int lab_softmax_kernel(const lab_tensor *in, int32_t n_in, lab_tensor *out, int32_t n_out,
                       const void *attrs_ptr, char *err, size_t err_len) {
  const lab_softmax_attrs *attrs = attrs_ptr;
  const char *name = kind_names[attrs->kind];
  const int grad = attrs->kind == LAB_SOFTMAX_GRAD || attrs->kind == LAB_LOG_SOFTMAX_GRAD;
  char s0[96], s1[96];
  if (n_in != (grad ? 2 : 1) || n_out != 1) {
    return lab_fail(err, err_len, "%s takes %s and one output", name, grad ? "inputs [dy, y]" : "one input");
  }
  lab_tensor *y = &out[0];
  for (int k = 0; k < n_in; k++) {
    if (!lab_same_shape(&in[k], y)) {
      return lab_fail(err, err_len, "%s: input %d has shape %s but the output has %s", name, k,
                      lab_shape_str(&in[k], s0, sizeof s0), lab_shape_str(y, s1, sizeof s1));
    }
  }
  const int axis = attrs->axis < 0 ? attrs->axis + y->ndim : attrs->axis;
  if (axis < 0 || axis >= y->ndim) {
    return lab_fail(err, err_len, "%s: axis %d is out of range for a %d-d tensor %s", name, attrs->axis, y->ndim, lab_shape_str(y, s0, sizeof s0));
  }
  const int64_t n = y->shape[axis];
  double *row = lab_scratch(attrs->rt, 0, (size_t)(2 * n + 1) * sizeof(double));
  if (!row) return lab_fail(err, err_len, "%s: out of memory for a row of %lld", name, (long long)n);
  double *row2 = row + n;
  /* Walk every position of the other axes: the axis itself is collapsed to size 1. */
  int64_t outer_shape[LAB_MAX_NDIM];
  for (int d = 0; d < y->ndim; d++) outer_shape[d] = d == axis ? 1 : y->shape[d];
  const int64_t *strides[3] = {y->strides, in[0].strides, grad ? in[1].strides : in[0].strides};
  lab_iter it;
  lab_iter_init(&it, y->ndim, outer_shape, 3, strides);
  for (int64_t r = 0; r < it.outer; r++, lab_iter_next(&it)) {
    for (int64_t i = 0; i < it.inner; i++) {
      const int64_t oy = it.offs[0] + i * it.inner_stride[0];
      const int64_t o0 = it.offs[1] + i * it.inner_stride[1];
      lab_load_run_f64(row, &in[0], o0, in[0].strides[axis], n);
      if (!grad) {
        softmax_row(row, row2, n, attrs->kind == LAB_LOG_SOFTMAX, y->dtype == LAB_FLOAT32);
      } else {
        const int64_t o1 = it.offs[2] + i * it.inner_stride[2];
        lab_load_run_f64(row2, &in[1], o1, in[1].strides[axis], n);
        double s = 0;
        if (attrs->kind == LAB_SOFTMAX_GRAD) {
          /* dx = y * (dy - sum(dy * y)) */
          for (int64_t j = 0; j < n; j++) s += row[j] * row2[j];
          for (int64_t j = 0; j < n; j++) row[j] = row2[j] * (row[j] - s);
        } else {
          /* dx = dy - exp(y) * sum(dy) */
          for (int64_t j = 0; j < n; j++) s += row[j];
          for (int64_t j = 0; j < n; j++) row[j] -= exp(row2[j]) * s;
        }
      }
      lab_store_run_f64(row, y, oy, y->strides[axis], n);
    }
  }
  return 0;
}
