/*
 * Row blocks: consecutive steps run block of rows by block (all of them on rows 0..R, then on
 * R..2R, ...) instead of each over every row, so what one writes is still in L2 when the next
 * reads it. The groups: a gemm and the gemm that accumulates into its output in place (a pair,
 * gemm.h), and after them the elementwise step that reads that output, when its views all run
 * along the same rows — the L2L LSTM's gates x·Wx + b, += h·Wh and its cell's composite, over
 * 15,910 × 80 in MNIST meta-training, where the 5 MB of gates went out to memory and back
 * twice. Every step computes the values it would over all rows (the pair's rules in gemm.h; an
 * elementwise element does not depend on its neighbours), so the results keep their bits.
 */
#ifndef LAB_ROW_BLOCKS_H
#define LAB_ROW_BLOCKS_H

#include "executor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Views a group's steps can have together: a pair's 4 + 4 and an elementwise step's operands. */
#define LAB_ROW_GROUP_MAX_VIEWS (8 + 32)

/* The group starting at step i: how many steps it has (0: none, the step runs alone; else 2 or
 * 3) and in *rows the rows of a block. `views` receives the steps' views bound for this run. */
int32_t lab_row_group_find(const lab_program *p, int32_t i, lab_tensor *views, int64_t *rows);

/* Runs a group found at step i. On an error returns non-zero and in *failed_step the step. */
int lab_row_group_run(const lab_program *p, int32_t i, int32_t steps, const lab_tensor *views, int64_t rows,
                      int32_t *failed_step, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* LAB_ROW_BLOCKS_H */
