/*
 * Conveniences for users' C ops (engine/custom/c), included before every op's source. Only the
 * ABI in lab_kernel.h is the contract; these are inline helpers on top of it.
 */
#ifndef LAB_USER_OP_H
#define LAB_USER_OP_H

#include <stdarg.h>
#include <stdio.h>

#include "lab_kernel.h"

/* Declares a kernel with the lab_kernel_fn signature: LAB_KERNEL(axpb) { ... }.
 * Inside: inputs, n_inputs, outputs, n_outputs, attrs (the op's cParams as doubles), err, err_len. */
#define LAB_KERNEL(name)                                                                        \
  int name(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs, int32_t n_outputs, \
           const void *attrs, char *err, size_t err_len)

/* The op's cParams (float64s, in the order the op gives them). */
#define LAB_PARAMS ((const double *)attrs)

/* Writes a printf-style message into err and returns 1: `return lab_error(err, err_len, ...)`. */
static inline int lab_error(char *err, size_t err_len, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(err, err_len, format, args);
  va_end(args);
  return 1;
}

/* Element offset (in elements) of row-major element number `i` of a strided view. */
static inline int64_t lab_offset(const lab_tensor *t, int64_t i) {
  int64_t at = 0;
  for (int32_t d = t->ndim - 1; d >= 0; d--) {
    const int64_t n = t->shape[d];
    at += (i % n) * t->strides[d];
    i /= n;
  }
  return at;
}

/* Does the view cover its elements densely in row-major order? */
static inline int lab_is_contiguous(const lab_tensor *t) {
  int64_t expected = 1;
  for (int32_t d = t->ndim - 1; d >= 0; d--) {
    if (t->shape[d] != 1 && t->strides[d] != expected) return 0;
    expected *= t->shape[d];
  }
  return 1;
}

#endif /* LAB_USER_OP_H */
