/*
 * Cross-entropy losses. softmax_cross_entropy fuses log_softmax with the label pick
 * (loss = logsumexp(row) - row[label]), which is both faster and stabler than composing them;
 * its gradient is dloss * (softmax(row) - onehot(label)). Labels are bounds-checked: a bad
 * label is a data bug the researcher must hear about, with the row and the value.
 */
#include "common.h"
#include "vmath.h"
#include "softmax.h"

static const char *const kind_names[] = {"softmax_cross_entropy", "softmax_cross_entropy_grad",
                                         "categorical_crossentropy", "binary_crossentropy"};

static int check_matrix(const char *name, const char *what, const lab_tensor *t, char *err, size_t err_len) {
  char s[96];
  if (t->ndim != 2) return lab_fail(err, err_len, "%s: %s must be 2-d (N, C), got %s", name, what, lab_shape_str(t, s, sizeof s));
  return 0;
}

static int check_vector(const char *name, const char *what, const lab_tensor *t, int64_t rows, char *err, size_t err_len) {
  char s[96];
  if (t->ndim != 1 || t->shape[0] != rows) {
    return lab_fail(err, err_len, "%s: %s must have shape (%lld,), got %s", name, what, (long long)rows, lab_shape_str(t, s, sizeof s));
  }
  return 0;
}

/* A label outside [0, cols): a data bug the researcher must hear about, with the row and value. */
static int bad_label(const char *name, int32_t label, int64_t row, int64_t cols, char *err, size_t err_len) {
  return lab_fail(err, err_len, "%s: label %d in row %lld is out of range: there are %lld classes (labels must be in [0, %lld))",
                  name, label, (long long)row, (long long)cols, (long long)cols);
}

/* Rows of e^(x − max) per block of the float32 fast path: 8 KiB of scratch. */
#define XENT_BLOCK 2048

#if defined(__x86_64__) && defined(__linux__)
#define XENT_CLONES LAB_ISA_CLONES
#else
#define XENT_CLONES
#endif

/* e[i] = e^(e[i]) over a block: one loop across rows, so it vectorises however few classes a
 * row has (a 10-class row left the per-row loop of the general path scalar). */
XENT_CLONES static void exp_block(float *e, int64_t n) {
  for (int64_t i = 0; i < n; i++) e[i] = lab_expf(e[i]);
}

/*
 * float32 logits with unit column stride (and, for the gradient, a unit-stride output): the
 * general path's arithmetic exactly — float max, e^(x − max) by lab_expf, float64 row sums, log
 * and scaling, in the same order, so the results are the same bits — with the exponentials of
 * a block of rows in one vectorised loop and no per-row conversion through float64 scratch.
 * Labels are checked (the same message) before a block's rows are written.
 */
static int softmax_xent_f32_rows(const lab_loss_attrs *attrs, const lab_tensor *x, const lab_tensor *labels,
                                 const lab_tensor *dloss, lab_tensor *out, char *err, size_t err_len) {
  const char *name = kind_names[attrs->kind];
  const int64_t rows = x->shape[0], cols = x->shape[1];
  const int64_t block = cols > 0 && cols < XENT_BLOCK ? XENT_BLOCK / cols : 1;
  float *e = lab_scratch(attrs->rt, 0, (size_t)(block * cols + block) * sizeof(float));
  if (!e) return lab_fail(err, err_len, "%s: out of memory for %lld rows of %lld", name, (long long)block, (long long)cols);
  float *maxes = e + block * cols;
  const float *xd = x->data;
  const int32_t *ld = labels->data;
  for (int64_t r0 = 0; r0 < rows; r0 += block) {
    const int64_t nb = rows - r0 < block ? rows - r0 : block;
    for (int64_t r = 0; r < nb; r++) {
      const int32_t label = ld[(r0 + r) * labels->strides[0]];
      if (label < 0 || label >= cols) return bad_label(name, label, r0 + r, cols, err, err_len);
      const float *row = xd + (r0 + r) * x->strides[0];
      float m = -INFINITY;
      for (int64_t j = 0; j < cols; j++) m = (row[j] != row[j] || row[j] > m) ? row[j] : m;
      maxes[r] = m;
      for (int64_t j = 0; j < cols; j++) e[r * cols + j] = row[j] - m;
    }
    exp_block(e, nb * cols);
    for (int64_t r = 0; r < nb; r++) {
      const int64_t at = r0 + r;
      const float *er = e + r * cols;
      const int32_t label = ld[at * labels->strides[0]];
      double sum = 0;
      for (int64_t j = 0; j < cols; j++) sum += er[j];
      if (!dloss) {
        const double loss = (double)maxes[r] + log(sum) - (double)xd[at * x->strides[0] + label];
        ((float *)out->data)[at * out->strides[0]] = (float)loss;
        continue;
      }
      const double d = lab_load(dloss->data, dloss->dtype, at * dloss->strides[0]), scale = d / sum;
      float *o = (float *)out->data + at * out->strides[0];
      for (int64_t j = 0; j < cols; j++) o[j] = (float)((double)er[j] * scale);
      o[label] = (float)((double)er[label] * scale - d);
    }
  }
  return 0;
}

static int softmax_xent(const lab_loss_attrs *attrs, const lab_tensor *in, int32_t n_in, lab_tensor *out, char *err, size_t err_len) {
  const int grad = attrs->kind == LAB_SOFTMAX_CROSS_ENTROPY_GRAD;
  const char *name = kind_names[attrs->kind];
  if (n_in != (grad ? 3 : 2)) {
    return lab_fail(err, err_len, "%s takes inputs %s", name, grad ? "[dloss, logits, labels]" : "[logits, labels]");
  }
  const lab_tensor *x = &in[grad], *labels = &in[grad + 1], *dloss = grad ? &in[0] : NULL;
  if (check_matrix(name, "logits", x, err, err_len)) return 1;
  const int64_t rows = x->shape[0], cols = x->shape[1];
  char s0[96], s1[96];
  if (check_vector(name, "labels", labels, rows, err, err_len)) return 1;
  if (grad && check_vector(name, "dloss", dloss, rows, err, err_len)) return 1;
  if (!grad && check_vector(name, "the output", &out[0], rows, err, err_len)) return 1;
  if (grad && !lab_same_shape(&out[0], x)) {
    return lab_fail(err, err_len, "%s: the output %s must have the logits' shape %s", name,
                    lab_shape_str(&out[0], s0, sizeof s0), lab_shape_str(x, s1, sizeof s1));
  }
  if (labels->dtype != LAB_INT32) return lab_fail(err, err_len, "%s: labels must be int32, got %s", name, lab_dtype_name(labels->dtype));
  if (x->dtype == LAB_FLOAT32 && out[0].dtype == LAB_FLOAT32 && (x->strides[1] == 1 || cols <= 1) &&
      (!grad || out[0].strides[1] == 1 || cols <= 1)) {
    return softmax_xent_f32_rows(attrs, x, labels, dloss, &out[0], err, err_len);
  }
  double *row = lab_scratch(attrs->rt, 0, (size_t)(cols + 1) * sizeof(double));
  if (!row) return lab_fail(err, err_len, "%s: out of memory for a row of %lld", name, (long long)cols);
  for (int64_t r = 0; r < rows; r++) {
    const int32_t label = ((const int32_t *)labels->data)[r * labels->strides[0]];
    if (label < 0 || label >= cols) return bad_label(name, label, r, cols, err, err_len);
    lab_load_run_f64(row, x, r * x->strides[0], x->strides[1], cols);
    double m = -INFINITY, sum = 0;
    for (int64_t j = 0; j < cols; j++) m = (row[j] != row[j] || row[j] > m) ? row[j] : m;
    const double picked = row[label];
    sum = lab_exp_shifted(row, cols, m, x->dtype == LAB_FLOAT32); /* row = e^(x - max) */
    if (!grad) {
      const double loss = m + log(sum) - picked;
      lab_store_run_f64(&loss, &out[0], r * out[0].strides[0], 1, 1);
      continue;
    }
    /* dloss * (softmax - onehot) */
    const double d = lab_load(dloss->data, dloss->dtype, r * dloss->strides[0]), scale = d / sum;
    for (int64_t j = 0; j < cols; j++) row[j] *= scale;
    row[label] -= d;
    lab_store_run_f64(row, &out[0], r * out[0].strides[0], out[0].strides[1], cols);
  }
  return 0;
}

static int categorical(const lab_loss_attrs *attrs, const lab_tensor *in, int32_t n_in, lab_tensor *out, char *err, size_t err_len) {
  const char *name = kind_names[attrs->kind];
  char s0[96], s1[96];
  if (n_in != 2) return lab_fail(err, err_len, "%s takes inputs [probs, targets]", name);
  if (check_matrix(name, "probs", &in[0], err, err_len)) return 1;
  if (!lab_same_shape(&in[0], &in[1])) {
    return lab_fail(err, err_len, "%s: targets %s must have the probabilities' shape %s", name,
                    lab_shape_str(&in[1], s0, sizeof s0), lab_shape_str(&in[0], s1, sizeof s1));
  }
  const int64_t rows = in[0].shape[0], cols = in[0].shape[1];
  if (check_vector(name, "the output", &out[0], rows, err, err_len)) return 1;
  double *p = lab_scratch(attrs->rt, 0, (size_t)(2 * cols + 1) * sizeof(double)), *t = p + cols;
  if (!p) return lab_fail(err, err_len, "%s: out of memory for a row of %lld", name, (long long)cols);
  for (int64_t r = 0; r < rows; r++) {
    lab_load_run_f64(p, &in[0], r * in[0].strides[0], in[0].strides[1], cols);
    lab_load_run_f64(t, &in[1], r * in[1].strides[0], in[1].strides[1], cols);
    double loss = 0;
    for (int64_t j = 0; j < cols; j++) loss -= t[j] * log(p[j]);
    lab_store_run_f64(&loss, &out[0], r * out[0].strides[0], 1, 1);
  }
  return 0;
}

static int binary(const lab_loss_attrs *attrs, const lab_tensor *in, int32_t n_in, lab_tensor *out, char *err, size_t err_len) {
  const char *name = kind_names[attrs->kind];
  char s0[96], s1[96];
  if (n_in != 2) return lab_fail(err, err_len, "%s takes inputs [probs, targets]", name);
  for (int k = 0; k < 2; k++) {
    if (!lab_same_shape(&in[k], &out[0])) {
      return lab_fail(err, err_len, "%s: input %d has shape %s but the output has %s (broadcast with stride-0 views)", name, k,
                      lab_shape_str(&in[k], s0, sizeof s0), lab_shape_str(&out[0], s1, sizeof s1));
    }
  }
  const int64_t *strides[3] = {out[0].strides, in[0].strides, in[1].strides};
  lab_iter it;
  lab_iter_init(&it, out[0].ndim, out[0].shape, 3, strides);
  for (int64_t r = 0; r < it.outer; r++, lab_iter_next(&it)) {
    for (int64_t i = 0; i < it.inner; i++) {
      const double o = lab_load(in[0].data, in[0].dtype, it.offs[1] + i * it.inner_stride[1]);
      const double t = lab_load(in[1].data, in[1].dtype, it.offs[2] + i * it.inner_stride[2]);
      /* log1p(-o) keeps precision for small o, where log(1 - o) would round 1 - o first. */
      lab_store(out[0].data, out[0].dtype, it.offs[0] + i * it.inner_stride[0], -(t * log(o) + (1 - t) * log1p(-o)));
    }
  }
  return 0;
}

int lab_loss_kernel(const lab_tensor *in, int32_t n_in, lab_tensor *out, int32_t n_out,
                    const void *attrs_ptr, char *err, size_t err_len) {
  const lab_loss_attrs *attrs = attrs_ptr;
  if (n_out != 1) return lab_fail(err, err_len, "%s has one output, got %d", kind_names[attrs->kind], n_out);
  switch (attrs->kind) {
    case LAB_SOFTMAX_CROSS_ENTROPY:
    case LAB_SOFTMAX_CROSS_ENTROPY_GRAD: return softmax_xent(attrs, in, n_in, out, err, err_len);
    case LAB_CATEGORICAL_CROSSENTROPY: return categorical(attrs, in, n_in, out, err, err_len);
    case LAB_BINARY_CROSSENTROPY: return binary(attrs, in, n_in, out, err, err_len);
  }
  return lab_fail(err, err_len, "unknown loss kind %d", (int)attrs->kind);
}
