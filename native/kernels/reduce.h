/* Reductions over any set of axes; the output view keeps the reduced axes with size 1. */
#ifndef LAB_REDUCE_H
#define LAB_REDUCE_H

#include "../include/lab_kernel.h"
#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lab_reduce_op {
  LAB_REDUCE_SUM,
  LAB_REDUCE_MEAN,
  LAB_REDUCE_PROD,
  LAB_REDUCE_MAX,
  LAB_REDUCE_MIN,
  LAB_REDUCE_ARGMAX,
  LAB_REDUCE_LOGSUMEXP,
  LAB_REDUCE_VAR
} lab_reduce_op;

/* -1 for an unknown name. */
int lab_reduce_op_from_name(const char *name);

typedef struct lab_reduce_attrs {
  lab_reduce_op op;
  uint32_t axes_mask; /* bit d set: axis d is reduced */
  lab_runtime *rt;    /* accumulator scratch */
} lab_reduce_attrs;

/* inputs [x]; outputs [y] with y.ndim == x.ndim, y.shape[d] == 1 on reduced axes. */
int lab_reduce_kernel(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs,
                      int32_t n_outputs, const void *attrs, char *err, size_t err_len);

/*
 * Row blocks (native/src/row_blocks.h): a float32 sum over axis 0 of an m × n matrix, fed block
 * of rows by block. lab_reduce_by_rows says whether the kernel sums this x into this y one row
 * after another into float64 accumulators (then blocks in order make the same additions in the
 * same order, so the same bits); lab_reduce_rows_add adds a block's rows to the n accumulators
 * (zeroed before the first), and lab_reduce_rows_store writes them to y, as the kernel does.
 */
int lab_reduce_by_rows(const lab_tensor *x, const lab_tensor *y, const void *attrs);
void lab_reduce_rows_add(double *acc, const lab_tensor *x_rows);
void lab_reduce_rows_store(const double *acc, lab_tensor *y);

#ifdef __cplusplus
}
#endif

#endif /* LAB_REDUCE_H */
