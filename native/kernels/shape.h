/* Copies between views: copy/cast, fill, concatenate, take (integer-array indexing) and the
 * subtensor updates (basic slices and integer-array scatter). */
#ifndef LAB_SHAPE_H
#define LAB_SHAPE_H

#include "../include/lab_kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lab_shape_kind {
  LAB_COPY,                   /* [x] -> y, same size; converts dtype; a different shape reshapes */
  LAB_FILL,                   /* [] -> y = value */
  LAB_CONCATENATE,            /* [x0, x1, ...] -> y along axis */
  LAB_TAKE,                   /* [x, indices int32] -> x.shape[:axis] + indices.shape + x.shape[axis+1:] */
  LAB_INC_SUBTENSOR,          /* [x, y] -> z = x; z[begin::step] += y */
  LAB_SET_SUBTENSOR,          /* [x, y] -> z = x; z[begin::step] = y */
  LAB_ADVANCED_INC_SUBTENSOR, /* [x, y, indices] -> z = x; z[.., indices, ..] += y (repeats add up) */
  LAB_ADVANCED_SET_SUBTENSOR  /* [x, y, indices] -> z = x; z[.., indices, ..] = y (last write wins) */
} lab_shape_kind;

typedef struct lab_shape_attrs {
  lab_shape_kind kind;
  int axis;                     /* concatenate, take, advanced_*: negative counts from the end */
  double value;                 /* fill */
  int slice_ndim;               /* basic subtensor: entries in begin/step (== x.ndim) */
  int64_t begin[LAB_MAX_NDIM];
  int64_t step[LAB_MAX_NDIM];   /* may be negative */
} lab_shape_attrs;

/* dst = src over two views of the same shape, converting the dtype (NumPy casting rules). The
 * executor uses it to hand views to and from JavaScript steps. */
void lab_copy_view(const lab_tensor *src, lab_tensor *dst);

int lab_shape_kernel(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs,
                     int32_t n_outputs, const void *attrs, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* LAB_SHAPE_H */
