/*
 * Reductions walk the input once in its own memory order (so reducing axis 0 of a row-major
 * matrix streams rows instead of striding down columns) and combine each element into a
 * float64 accumulator per output element. Runs along a reduced inner axis are summed with
 * eight independent partial sums (blocked summation: vectorisable and accurate). logsumexp and
 * var take a second pass (max, then the shifted sum; mean, then squared deviations).
 */
#include "reduce.h"

#include <stdlib.h>

#include "common.h"

#define TILE 256

static const char *const op_names[] = {"sum", "mean", "prod", "max", "min", "argmax", "logsumexp", "var"};

int lab_reduce_op_from_name(const char *name) {
  for (int i = 0; i < (int)(sizeof op_names / sizeof *op_names); i++) {
    if (strcmp(name, op_names[i]) == 0) return i;
  }
  return -1;
}

typedef enum pass_kind { PASS_SUM, PASS_PROD, PASS_MAX, PASS_MIN, PASS_ARGMAX, PASS_EXP_SHIFTED, PASS_SQ_DEV } pass_kind;

static double sum_run(const double *x, int64_t n) {
  double s[8] = {0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; j++) s[j] += x[i + j];
  }
  double total = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
  for (; i < n; i++) total += x[i];
  return total;
}

/* sum_run over float32 data, each element widened to float64 first. */
static double sum_run_f32(const float *x, int64_t n) {
  double s[8] = {0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; j++) s[j] += (double)x[i + j];
  }
  double total = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
  for (; i < n; i++) total += (double)x[i];
  return total;
}

/* add_rows_f32 for exactly G columns: their sums stay in registers over all the rows. */
#define ADD_ROWS_COLUMNS(G)                                                                        \
  static inline __attribute__((always_inline)) void add_rows_##G(double *restrict a, const float *restrict x, \
                                                                 int64_t rows, int64_t ld) {       \
    double s[G];                                                                                   \
    for (int i = 0; i < G; i++) s[i] = a[i];                                                       \
    for (int64_t r = 0; r < rows; r++) {                                                           \
      const float *restrict row = x + r * ld;                                                      \
      for (int i = 0; i < G; i++) s[i] += row[i];                                                  \
    }                                                                                              \
    for (int i = 0; i < G; i++) a[i] = s[i];                                                       \
  }
ADD_ROWS_COLUMNS(8)
ADD_ROWS_COLUMNS(16)
ADD_ROWS_COLUMNS(24)
ADD_ROWS_COLUMNS(32)
ADD_ROWS_COLUMNS(40)
ADD_ROWS_COLUMNS(48)
ADD_ROWS_COLUMNS(56)
ADD_ROWS_COLUMNS(64)
ADD_ROWS_COLUMNS(72)
ADD_ROWS_COLUMNS(80)
ADD_ROWS_COLUMNS(88)
ADD_ROWS_COLUMNS(96)
ADD_ROWS_COLUMNS(104)
ADD_ROWS_COLUMNS(112)
ADD_ROWS_COLUMNS(120)
ADD_ROWS_COLUMNS(128)
#undef ADD_ROWS_COLUMNS

/* a[i] += row r of x (rows `ld` apart, contiguous) for every row in order: the bias-gradient
 * sum over axis 0, vectorised per ISA, the same additions in the same order as the strided loop.
 * A whole matrix in one call (the L2L bias gradients sum 1,280 or 15,910 rows of 80) saves a
 * call and an iterator step per row. For 8 to 128 columns in steps of 8 the sums stay in registers
 * across the rows; loaded, added to and stored back for every row, each sum waited on its own
 * store (the 80-wide bias gradient of one 768-row chain block: 5.4-6.9 µs, 4.1 µs in registers,
 * where the float-to-double conversions are the bound). */
LAB_ISA_CLONES static void add_rows_f32(
    double *restrict a, const float *restrict x, int64_t rows, int64_t ld, int64_t n) {
  switch (n) {
#define ADD_ROWS_CASE(G) \
  case G: add_rows_##G(a, x, rows, ld); return;
    ADD_ROWS_CASE(8) ADD_ROWS_CASE(16) ADD_ROWS_CASE(24) ADD_ROWS_CASE(32) ADD_ROWS_CASE(40) ADD_ROWS_CASE(48)
    ADD_ROWS_CASE(56) ADD_ROWS_CASE(64) ADD_ROWS_CASE(72) ADD_ROWS_CASE(80) ADD_ROWS_CASE(88) ADD_ROWS_CASE(96)
    ADD_ROWS_CASE(104) ADD_ROWS_CASE(112) ADD_ROWS_CASE(120) ADD_ROWS_CASE(128)
#undef ADD_ROWS_CASE
    default: break;
  }
  for (int64_t r = 0; r < rows; r++) {
    const float *restrict row = x + r * ld;
    for (int64_t i = 0; i < n; i++) a[i] += row[i];
  }
}

/* *a += the sum of a contiguous float32 run, TILE elements per sum_run_f32: the additions and
 * their order of the tiled path in reduce_pass. */
static void add_run_sum_f32(double *a, const float *x, int64_t n) {
  for (int64_t start = 0; start < n; start += TILE) *a += sum_run_f32(x + start, n - start < TILE ? n - start : TILE);
}

/* Moves the iterator past a matrix of `rows` rows (its second-innermost axis) to the next one. */
static void next_matrix(lab_iter *it, int64_t rows) {
  for (int64_t k = 0; k < rows; k++) lab_iter_next(it);
}

/* NaN-propagating max/min (NumPy's maximum.reduce). */
static inline double nan_max(double a, double b) { return (a != a || a >= b) ? a : b; }
static inline double nan_min(double a, double b) { return (a != a || a <= b) ? a : b; }

/*
 * One pass over x. Operand 0 of the iterator is x, 1 the output's linear index (0 stride on
 * reduced axes), 2 the linear index within the reduced subspace (argmax's answer).
 * `center` holds per-output max (logsumexp) or mean (var).
 */
static void reduce_pass(pass_kind kind, const lab_tensor *x, const int64_t *out_lin,
                        const int64_t *red_lin, double *acc, int64_t *arg, const double *center) {
  const int64_t *strides[3] = {x->strides, out_lin, red_lin};
  lab_iter it;
  lab_iter_init(&it, x->ndim, x->shape, 3, strides);
  double buf[TILE];
  if (kind == PASS_SUM && x->dtype == LAB_FLOAT32 && it.ndim >= 2 && it.inner_stride[0] == 1 &&
      it.inner_stride[1] == 1 && it.strides[1][it.ndim - 2] == 0) {
    /* Matrices summed over their rows into one row of outputs each (the bias gradients; the
     * quadratics' Wᵀr, 128 matrices of 10 × 10): one call per matrix, not per row. */
    const int64_t rows = it.shape[it.ndim - 2], ld = it.strides[0][it.ndim - 2];
    for (int64_t r = 0; r < it.outer; r += rows) {
      add_rows_f32(acc + it.offs[1], (const float *)x->data + it.offs[0], rows, ld, it.inner);
      if (r + rows < it.outer) next_matrix(&it, rows);
    }
    return;
  }
  if (kind == PASS_SUM && x->dtype == LAB_FLOAT32 && it.ndim >= 2 && it.inner_stride[0] == 1 &&
      it.inner_stride[1] == 0) {
    /* Rows each summed into its output (the quadratics' row sums, 1,280 rows of 10): a matrix's
     * rows in one loop, without an iterator step per row. */
    const int64_t rows = it.shape[it.ndim - 2], ld = it.strides[0][it.ndim - 2], os = it.strides[1][it.ndim - 2];
    for (int64_t r = 0; r < it.outer; r += rows) {
      const float *xs = (const float *)x->data + it.offs[0];
      for (int64_t k = 0; k < rows; k++) add_run_sum_f32(acc + it.offs[1] + k * os, xs + k * ld, it.inner);
      if (r + rows < it.outer) next_matrix(&it, rows);
    }
    return;
  }
  for (int64_t r = 0; r < it.outer; r++, lab_iter_next(&it)) {
    if (kind == PASS_SUM && x->dtype == LAB_FLOAT32 && it.inner_stride[1] == 1) {
      /* The bias-gradient case (sum over rows of float32): accumulate straight from memory. */
      const float *xs = (const float *)x->data + it.offs[0];
      double *a = acc + it.offs[1];
      if (it.inner_stride[0] == 1) add_rows_f32(a, xs, 1, 0, it.inner);
      else for (int64_t i = 0; i < it.inner; i++) a[i] += xs[i * it.inner_stride[0]];
      continue;
    }
    if (kind == PASS_SUM && x->dtype == LAB_FLOAT32 && it.inner_stride[1] == 0 && it.inner_stride[0] == 1) {
      /* One contiguous float32 run summed into one output, straight from memory. */
      add_run_sum_f32(acc + it.offs[1], (const float *)x->data + it.offs[0], it.inner);
      continue;
    }
    for (int64_t start = 0; start < it.inner; start += TILE) {
      const int64_t n = it.inner - start < TILE ? it.inner - start : TILE;
      lab_load_run_f64(buf, x, it.offs[0] + start * it.inner_stride[0], it.inner_stride[0], n);
      const int64_t o = it.offs[1] + start * it.inner_stride[1], os = it.inner_stride[1];
      const int64_t ri = it.offs[2] + start * it.inner_stride[2], rs = it.inner_stride[2];
      if (kind == PASS_EXP_SHIFTED || kind == PASS_SQ_DEV) {
        for (int64_t i = 0; i < n; i++) {
          const double c = center[o + i * os];
          /* An infinite max means the result is that infinity: the shifted sum does not matter. */
          buf[i] = kind == PASS_SQ_DEV ? (buf[i] - c) * (buf[i] - c) : isinf(c) ? 0.0 : exp(buf[i] - c);
        }
      }
      if (os == 0 && kind != PASS_ARGMAX) {
        double *a = &acc[o];
        switch (kind) {
          case PASS_PROD: for (int64_t i = 0; i < n; i++) *a *= buf[i]; break;
          case PASS_MAX: for (int64_t i = 0; i < n; i++) *a = nan_max(*a, buf[i]); break;
          case PASS_MIN: for (int64_t i = 0; i < n; i++) *a = nan_min(*a, buf[i]); break;
          default: *a += sum_run(buf, n); break;
        }
        continue;
      }
      /* One loop per kind (not a switch per element), so the kept-axis case vectorises. */
      double *a = acc + o;
      switch (kind) {
        case PASS_PROD: for (int64_t i = 0; i < n; i++) a[i * os] *= buf[i]; break;
        case PASS_MAX: for (int64_t i = 0; i < n; i++) a[i * os] = nan_max(a[i * os], buf[i]); break;
        case PASS_MIN: for (int64_t i = 0; i < n; i++) a[i * os] = nan_min(a[i * os], buf[i]); break;
        case PASS_ARGMAX:
          for (int64_t i = 0; i < n; i++) {
            /* First maximum wins; the first NaN beats everything, as in NumPy. */
            const double v = buf[i];
            if (a[i * os] == a[i * os] && (v != v || v > a[i * os])) a[i * os] = v, arg[o + i * os] = ri + i * rs;
          }
          break;
        default: for (int64_t i = 0; i < n; i++) a[i * os] += buf[i]; break;
      }
    }
  }
}

/* Scatters the accumulators (contiguous in output order) into the output view. */
static void store_accumulators(const double *acc, lab_tensor *y) {
  lab_iter it;
  lab_iter_init_in_order(&it, y);
  for (int64_t r = 0; r < it.outer; r++, lab_iter_next(&it)) {
    lab_store_run_f64(acc + it.offs[1], y, it.offs[0], it.inner_stride[0], it.inner);
  }
}

int lab_reduce_kernel(const lab_tensor *in, int32_t n_in, lab_tensor *out, int32_t n_out,
                      const void *attrs_ptr, char *err, size_t err_len) {
  const lab_reduce_attrs *attrs = attrs_ptr;
  const char *name = op_names[attrs->op];
  char s0[96], s1[96];
  if (n_in != 1 || n_out != 1) return lab_fail(err, err_len, "reduce %s takes one input and one output", name);
  const lab_tensor *x = &in[0];
  lab_tensor *y = &out[0];
  int ok = x->ndim == y->ndim && (attrs->axes_mask >> x->ndim) == 0;
  int64_t out_lin[LAB_MAX_NDIM], red_lin[LAB_MAX_NDIM], out_count = 1, red_count = 1;
  for (int d = x->ndim - 1; d >= 0 && ok; d--) {
    const int reduced = (attrs->axes_mask >> d) & 1;
    ok = reduced ? y->shape[d] == 1 : y->shape[d] == x->shape[d];
    out_lin[d] = reduced ? 0 : out_count;
    red_lin[d] = reduced ? red_count : 0;
    if (reduced) red_count *= x->shape[d];
    else out_count *= x->shape[d];
  }
  if (!ok) {
    return lab_fail(err, err_len, "reduce %s: output %s does not match input %s with the reduced axes kept as size 1 (axes mask 0x%x)",
                    name, lab_shape_str(y, s0, sizeof s0), lab_shape_str(x, s1, sizeof s1), attrs->axes_mask);
  }
  if (out_count == 0) return 0;
  const lab_reduce_op op = attrs->op;
  if (red_count == 0 && (op == LAB_REDUCE_MAX || op == LAB_REDUCE_MIN || op == LAB_REDUCE_ARGMAX)) {
    return lab_fail(err, err_len, "reduce %s over an empty axis of input %s has no identity; guard the size before reducing",
                    name, lab_shape_str(x, s0, sizeof s0));
  }
  const int two_pass = op == LAB_REDUCE_LOGSUMEXP || op == LAB_REDUCE_VAR;
  double *acc = lab_scratch(attrs->rt, 0, (size_t)out_count * sizeof(double));
  double *center = two_pass ? lab_scratch(attrs->rt, 1, (size_t)out_count * sizeof(double)) : NULL;
  int64_t *arg = op == LAB_REDUCE_ARGMAX ? lab_scratch(attrs->rt, 2, (size_t)out_count * sizeof(int64_t)) : NULL;
  if (!acc || (two_pass && !center) || (op == LAB_REDUCE_ARGMAX && !arg)) {
    return lab_fail(err, err_len, "reduce %s: out of memory for %lld accumulators", name, (long long)out_count);
  }
  const double init = op == LAB_REDUCE_PROD ? 1.0 : op == LAB_REDUCE_MIN ? INFINITY
                    : (op == LAB_REDUCE_MAX || op == LAB_REDUCE_ARGMAX || op == LAB_REDUCE_LOGSUMEXP) ? -INFINITY : 0.0;
  for (int64_t i = 0; i < out_count; i++) acc[i] = init;
  if (arg) memset(arg, 0, (size_t)out_count * sizeof(int64_t));

  switch (op) {
    case LAB_REDUCE_SUM:
    case LAB_REDUCE_MEAN: reduce_pass(PASS_SUM, x, out_lin, red_lin, acc, NULL, NULL); break;
    case LAB_REDUCE_PROD: reduce_pass(PASS_PROD, x, out_lin, red_lin, acc, NULL, NULL); break;
    case LAB_REDUCE_MAX: reduce_pass(PASS_MAX, x, out_lin, red_lin, acc, NULL, NULL); break;
    case LAB_REDUCE_MIN: reduce_pass(PASS_MIN, x, out_lin, red_lin, acc, NULL, NULL); break;
    case LAB_REDUCE_ARGMAX: reduce_pass(PASS_ARGMAX, x, out_lin, red_lin, acc, arg, NULL); break;
    case LAB_REDUCE_LOGSUMEXP:
      reduce_pass(PASS_MAX, x, out_lin, red_lin, acc, NULL, NULL);
      memcpy(center, acc, (size_t)out_count * sizeof(double));
      for (int64_t i = 0; i < out_count; i++) acc[i] = 0;
      reduce_pass(PASS_EXP_SHIFTED, x, out_lin, red_lin, acc, NULL, center);
      for (int64_t i = 0; i < out_count; i++) acc[i] = isinf(center[i]) || isnan(center[i]) ? center[i] : center[i] + log(acc[i]);
      break;
    case LAB_REDUCE_VAR:
      reduce_pass(PASS_SUM, x, out_lin, red_lin, acc, NULL, NULL);
      for (int64_t i = 0; i < out_count; i++) center[i] = acc[i] / (double)red_count, acc[i] = 0;
      reduce_pass(PASS_SQ_DEV, x, out_lin, red_lin, acc, NULL, center);
      break;
  }
  if (op == LAB_REDUCE_MEAN || op == LAB_REDUCE_VAR) {
    for (int64_t i = 0; i < out_count; i++) acc[i] /= (double)red_count; /* 0/0 = NaN for empty, as NumPy */
  }
  if (op == LAB_REDUCE_ARGMAX) {
    for (int64_t i = 0; i < out_count; i++) acc[i] = (double)arg[i];
  }
  store_accumulators(acc, y);
  return 0;
}

int lab_reduce_by_rows(const lab_tensor *x, const lab_tensor *y, const void *attrs_ptr) {
  const lab_reduce_attrs *attrs = attrs_ptr;
  /* what reduce_pass sums with one add_rows_f32 over all rows: two dimensions the iterator
   * neither drops (size 1) nor merges (the output's row stride is 0) */
  return attrs->op == LAB_REDUCE_SUM && attrs->axes_mask == 1u && x->dtype == LAB_FLOAT32 && x->ndim == 2 &&
         y->ndim == 2 && x->shape[0] >= 2 && x->shape[1] >= 2 && x->strides[1] == 1 && x->strides[0] > 0 &&
         y->shape[0] == 1 && y->shape[1] == x->shape[1];
}

void lab_reduce_rows_add(double *acc, const lab_tensor *x) {
  add_rows_f32(acc, (const float *)x->data, x->shape[0], x->strides[0], x->shape[1]);
}

void lab_reduce_rows_store(const double *acc, lab_tensor *y) { store_accumulators(acc, y); }
