/*
 * The steps a row-block chain (row_blocks.h) takes, as it sees them: each step's kind, the axis
 * along which each of its operands is cut into blocks of rows, and the step's own rules for
 * running block by block. Internal to the executor's row blocks.
 */
#ifndef LAB_ROW_BLOCK_STEPS_H
#define LAB_ROW_BLOCK_STEPS_H

#include "executor.h"

/* KIND_GEMM_OVER_K: a gemm whose k runs along the chain's rows (a weight gradient xᵀ·dy), its
 * Z summed over the blocks like a reduce's accumulators — on the driver's path, in Z itself, k-piece
 * by k-piece; on the small-m path (op(A) of at most 4 rows: the first layer's 2-input weight
 * gradient, or a gemv summing op(A) by its columns: a 1-output layer's), in accumulators kept
 * apart and stored into Z after the last block. The other gemms are KIND_GEMM. KIND_FILL: one value
 * written over the rows of a view (the zero gradient of an unused gate, into its window of dz). */
typedef enum step_kind {
  KIND_OTHER,
  KIND_GEMM,
  KIND_GEMM_OVER_K,
  KIND_ELEMENTWISE,
  KIND_CONCATENATE,
  KIND_REDUCE,
  KIND_FILL
} step_kind;

/* The kind of a step with views t in a chain along m rows. */
step_kind lab_chain_kind_of(const lab_step *s, const lab_tensor *t, int64_t m);

/* The axis operand k of a step is cut along into blocks of rows, or -1 when it is used whole. An
 * operand with stride 0 along that axis (a bias row broadcast down Z) is cut too, but reads the
 * same row in every block: the chain's rules treat it as read whole (lab_chain_row_window). */
int lab_chain_cut_axis(const lab_step *s, step_kind kind, int32_t k, const lab_tensor *t);

/* Bytes [*lo, *hi) of a view's first row along axis `cut` (its other axes' extent) and *pitch,
 * the bytes from one row to the next; 0 when rows do not advance (pitch ≤ 0) or it is empty. */
int lab_chain_row_window(const lab_tensor *t, int cut, intptr_t *lo, intptr_t *hi, intptr_t *pitch);

/* Whether two views are the same elements in the same order. */
int lab_chain_same_view(const lab_tensor *x, const lab_tensor *y);

/* A step's own rules beyond the chain's: each kind's operands apart where the whole step needs
 * them apart, and whether it can run by blocks at all. */
int lab_chain_step_fits(const lab_step *s, step_kind kind, const lab_tensor *t);

/* The rows the chain starting at step i works along (its first step's), or 0. */
int64_t lab_chain_rows_of(const lab_step *s, step_kind kind, const lab_tensor *t);

/* Bytes from a view's lowest to its highest element. */
int64_t lab_chain_view_bytes(const lab_tensor *t);

#endif /* LAB_ROW_BLOCK_STEPS_H */
