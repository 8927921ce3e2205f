/*
 * The public C ABI a kernel sees. Built-in kernels and users' C ops implement the same
 * contract, so a user's op is a first-class citizen of the native program executor.
 *
 * A tensor is a view: dtype, rank, shape and strides (in elements, not bytes, so a kernel
 * never has to divide by the element size) over memory the executor owns.
 */
#ifndef LAB_KERNEL_H
#define LAB_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever the layout below changes; part of every compiled op's cache key. */
#define LAB_KERNEL_ABI_VERSION 1

#define LAB_MAX_NDIM 8

typedef enum lab_dtype {
  LAB_FLOAT32 = 0,
  LAB_FLOAT64 = 1,
  LAB_INT32 = 2,
  LAB_BOOL = 3 /* one byte per element, 0 or 1 */
} lab_dtype;

typedef struct lab_tensor {
  lab_dtype dtype;
  int32_t ndim;
  int64_t shape[LAB_MAX_NDIM];
  int64_t strides[LAB_MAX_NDIM]; /* in elements */
  void *data;
} lab_tensor;

/*
 * A kernel: reads `inputs`, writes `outputs` (already allocated with their shapes),
 * and returns 0 on success. On failure it writes a human-readable message into
 * `err` (at most `err_len` bytes including the terminating NUL) and returns non-zero;
 * the executor turns that into a JavaScript error naming the op.
 * `attrs` points at the op's attribute block (its props, laid out by the op).
 */
typedef int (*lab_kernel_fn)(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs,
                             int32_t n_outputs, const void *attrs, char *err, size_t err_len);

static inline int64_t lab_tensor_size(const lab_tensor *t) {
  int64_t n = 1;
  for (int32_t i = 0; i < t->ndim; i++) n *= t->shape[i];
  return n;
}

#ifdef __cplusplus
}
#endif

#endif /* LAB_KERNEL_H */
