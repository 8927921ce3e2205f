/*
 * Helpers shared by the built-in kernels: element sizes, error reporting through the ABI's err
 * buffer, element loads/stores with NumPy conversion rules, and a strided n-d iterator that
 * coalesces dimensions so contiguous data is walked as one long inner loop.
 */
#ifndef LAB_KERNELS_COMMON_H
#define LAB_KERNELS_COMMON_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../include/lab_kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline int64_t lab_gcd(int64_t a, int64_t b) { return b == 0 ? a : lab_gcd(b, a % b); }

static inline size_t lab_dtype_size(lab_dtype d) {
  return d == LAB_FLOAT64 ? 8 : d == LAB_BOOL ? 1 : 4;
}

const char *lab_dtype_name(lab_dtype d);

/* Formats a message into err (truncated to err_len) and returns 1, so `return lab_fail(...)`. */
int lab_fail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes "(2, 3, 4)" into buf; for error messages. */
const char *lab_shape_str(const lab_tensor *t, char *buf, size_t len);

/* 1 when both views have the same rank and shape. */
int lab_same_shape(const lab_tensor *a, const lab_tensor *b);

/* The bytes [lo, hi) from a view's lowest to its highest element. */
typedef struct lab_byte_range {
  intptr_t lo, hi;
} lab_byte_range;
lab_byte_range lab_view_range(const lab_tensor *t);
static inline int lab_ranges_apart(lab_byte_range x, lab_byte_range y) { return x.hi <= y.lo || y.hi <= x.lo; }

/* Whether the memory of two views (first to last element, in bytes) does not overlap. */
int lab_views_disjoint(const lab_tensor *x, const lab_tensor *y);
/* Whether two 2-d views of one dtype, the same shape and strides and unit inner stride never share
 * an element though their bounding boxes overlap: column windows of the same wide rows that do not
 * meet (an LSTM's four 20-column gate windows of 80-column rows). */
int lab_views_interleaved_disjoint(const lab_tensor *x, const lab_tensor *y);

/* NumPy float -> int32 conversion as on x86: NaN and out-of-range values become INT32_MIN. */
static inline int32_t lab_double_to_int32(double v) {
  return (v >= -2147483648.0 && v < 2147483648.0) ? (int32_t)v : INT32_MIN;
}

static inline double lab_load(const void *base, lab_dtype d, int64_t i) {
  switch (d) {
    case LAB_FLOAT32: return ((const float *)base)[i];
    case LAB_FLOAT64: return ((const double *)base)[i];
    case LAB_INT32: return ((const int32_t *)base)[i];
    default: return ((const uint8_t *)base)[i];
  }
}

static inline void lab_store(void *base, lab_dtype d, int64_t i, double v) {
  switch (d) {
    case LAB_FLOAT32: ((float *)base)[i] = (float)v; break;
    case LAB_FLOAT64: ((double *)base)[i] = v; break;
    case LAB_INT32: ((int32_t *)base)[i] = lab_double_to_int32(v); break;
    default: ((uint8_t *)base)[i] = v != 0; break; /* NaN is truthy, as in NumPy */
  }
}

/* dst[i] = element (off + i*stride) of t as a double, for i < n (one tight loop per dtype). */
void lab_load_run_f64(double *dst, const lab_tensor *t, int64_t off, int64_t stride, int64_t n);

/* Element (off + i*stride) of t = src[i], converted to t's dtype, for i < n. */
void lab_store_run_f64(const double *src, lab_tensor *t, int64_t off, int64_t stride, int64_t n);

/* A loop compiled for x86-64-v4 (AVX-512), v3 (AVX2) and the baseline, picked at load time. */
#define LAB_ISA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

/* Contiguous (row-major) strides of a shape; returns the element count. */
int64_t lab_contiguous_strides(int ndim, const int64_t *shape, int64_t *strides);

/*
 * Walks the common shape of up to LAB_ITER_MAX_OPS strided operands. Dimensions of size 1 are
 * dropped and adjacent dimensions merged wherever every operand allows it, so the caller runs
 * an inner loop of `inner` elements (operand k at offs[k], step inner_stride[k]) `outer` times,
 * calling lab_iter_next between runs.
 */
#define LAB_ITER_MAX_OPS 40

typedef struct lab_iter {
  int ndim; /* after coalescing; the last dimension is the inner loop */
  int nops;
  int64_t shape[LAB_MAX_NDIM];
  int64_t strides[LAB_ITER_MAX_OPS][LAB_MAX_NDIM];
  int64_t index[LAB_MAX_NDIM];
  int64_t offs[LAB_ITER_MAX_OPS];
  int64_t inner;
  int64_t inner_stride[LAB_ITER_MAX_OPS];
  int64_t outer;
} lab_iter;

/* strides[k] is operand k's stride array over `shape` (ndim entries). */
void lab_iter_init(lab_iter *it, int ndim, const int64_t *shape, int nops,
                   const int64_t *const *strides);

/* Walks view t: operand 0 its elements' offsets, operand 1 their row-major indices (where each
 * sits in a contiguous copy of t), for kernels that keep their results in that order. */
void lab_iter_init_in_order(lab_iter *it, const lab_tensor *t);

static inline void lab_iter_next(lab_iter *it) {
  for (int d = it->ndim - 2; d >= 0; d--) {
    if (++it->index[d] < it->shape[d]) {
      for (int k = 0; k < it->nops; k++) it->offs[k] += it->strides[k][d];
      return;
    }
    it->index[d] = 0;
    for (int k = 0; k < it->nops; k++) it->offs[k] -= it->strides[k][d] * (it->shape[d] - 1);
  }
}

/* Moves one operand's row offset to the next row given its own copy of the multi-index: lets a
 * caller walk a single operand ahead of the iterator. */
static inline void lab_iter_advance_operand(const lab_iter *it, int64_t *index, int64_t *row, int k) {
  for (int d = it->ndim - 2; d >= 0; d--) {
    if (++index[d] < it->shape[d]) {
      *row += it->strides[k][d];
      return;
    }
    index[d] = 0;
    *row -= it->strides[k][d] * (it->shape[d] - 1);
  }
}

#ifdef __cplusplus
}
#endif

#endif /* LAB_KERNELS_COMMON_H */
