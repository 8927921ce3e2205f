/*
 * An elementwise composite and, right after it, a float32 sum over the rows of what it wrote —
 * the LSTM backward cell writing the gate gradients dz as four column windows of its rows, then
 * the bias gradient Σ_rows dz — run as one: the composite adds each row it stores to the sum's
 * float64 accumulators while the row is in L1 (elementwise.h's lab_elementwise_column_sums), and
 * the sum never reads dz back. The rows are added in order, as reduce.c adds them, so the sum
 * keeps its bits. The executor pairs the two steps anywhere, a row-block chain within each block.
 */
#ifndef LAB_COMPOSITE_SUMS_H
#define LAB_COMPOSITE_SUMS_H

#include "executor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Accumulators a pair may need: the sum's columns. */
#define LAB_COMPOSITE_SUMS_MAX 2048

/* Whether composite s1 (views t1) and reduce s2 (views t2, bound to the same rows) pair: s2 a
 * float32 sum over the rows of an m × n matrix x (reduce.c's lab_reduce_by_rows, at most
 * LAB_COMPOSITE_SUMS_MAX columns), x made exactly of column windows of s1's outputs over the same
 * rows, every other output apart from x. column[o] is output o's first column in x, or -1. */
int lab_composite_sums_pair(const lab_step *s1, const lab_tensor *t1, const lab_step *s2, const lab_tensor *t2,
                            int64_t *column);

/* Runs composite s1 (views t1), adding the rows of each output o with column[o] ≥ 0 to
 * acc + column[o] where the composite can (*summed: whether it did). The kernel's status. */
int lab_composite_sums_run(const lab_step *s1, lab_tensor *t1, const int64_t *column, double *acc, int *summed,
                           char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* LAB_COMPOSITE_SUMS_H */
