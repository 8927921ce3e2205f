/*
 * Row blocks: a chain of consecutive steps that all work along the same m rows runs block of
 * rows by block (every step on rows 0..R, then every step on R..2R, ...) instead of each step
 * over all rows, so what one step writes is still in L2 when the next reads it. The L2L LSTM in
 * MNIST meta-training works on 15,910 coordinates: forward, the preprocessing, x·Wx + b, += h·Wh,
 * the cell, the next layer and the output layer; backward, the cell's gradient, its bias
 * gradient (a sum over the rows), the weight gradients that read its dz, dz·Wᵀ and the layer
 * below — steps whose 1.3–5 MB operands went out to memory and came back for each step.
 *
 * The steps a chain takes, with the rows each of its operands is cut along:
 *   gemm         Z's rows, op(A)'s rows, and C's when C is a matrix (B and a bias row whole);
 *   gemm over k  a weight gradient xᵀ·dy with k along the rows: op(A)'s columns and op(B)'s
 *                rows, Z summed over the blocks (each after the first adds to it in place; on
 *                the small-m path, in accumulators of the chain's, stored after the last block);
 *   elementwise  every operand along its first axis (0-d operands whole);
 *   concatenate  along an axis other than the first: every operand along its first axis;
 *   reduce       a float32 sum over the rows of an m × n matrix: each block's rows added to
 *                float64 accumulators, the result stored after the last block.
 * Every step computes the values it would over all rows, in the same order of additions (a gemm
 * block takes the whole product's path, a gemm over k adds the driver's k-pieces in order,
 * gemm.h; a reduce adds the rows in order, reduce.h), so the results keep their bits. A chain
 * forms only where that holds for the order of its steps too: on one thread (on more, each step
 * splits over the threads by itself); where every operand a step writes meets the others only
 * within the same rows (its row r overlaps no row of another operand but that operand's row r),
 * overlaps nothing read whole (B, a bias row, a broadcast), and, inside one elementwise step,
 * overlaps no input unless it is one of them (in place); where a reduce's output or a gemm over
 * k's Z is apart from every other operand of the chain; and where its largest operand is at
 * least 1 MiB (a smaller one stays in L2 between whole steps anyway).
 *
 * A temp that a chain writes, reads back only within the same block's rows and leaves dead (the
 * caller does not read it, and the next step to touch it overwrites all of it) is block-local:
 * while the chain runs its rows live in a block-sized slot of the program's chain scratch, so
 * they never go out to memory (MNIST's gates z = x·W + b, 5 MB a layer and time step).
 */
#ifndef LAB_ROW_BLOCKS_H
#define LAB_ROW_BLOCKS_H

#include "executor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A buffer a chain keeps block-local: from the chain's step `first_write` (its chain-relative
 * index: the first to write the buffer) on, only the current block's rows, in the program's chain
 * scratch at `offset` bytes, stand for the buffer's rows; the steps before it, and that step's
 * inputs, read what the buffer held before the chain (the memory planner's earlier tenant of it). */
typedef struct lab_chain_local {
  int32_t buffer;
  int32_t first_write;
  int64_t offset;
} lab_chain_local;

/* A chain's most steps, and most operands over all its steps: MNIST meta-training's backward pass
 * is one chain of 223 steps and ~1,150 operands. Planning and running a chain keep arrays of these
 * sizes on the stack (up to ~160 KiB; programs run on a process's main thread). */
#define LAB_ROW_CHAIN_MAX_STEPS 512
#define LAB_ROW_CHAIN_MAX_VIEWS 4096

/* Finds the program's chains for its thread count and ISA from the views bound for this run
 * (the buffers a run binds anew never overlap another buffer, so what it finds holds for every
 * run); a run calls it first, and it plans again only when the threads or the ISA changed. */
void lab_row_chains_plan(lab_program *p);

/* The number of steps in the chain starting at step i (0 when none starts there). */
int32_t lab_row_chain_length(const lab_program *p, int32_t i);

/* The buffers the chains keep block-local, each once, into out (at most cap); returns the count. */
int32_t lab_row_chain_locals(const lab_program *p, int32_t *out, int32_t cap);

/* Runs the chain starting at step i. On an error returns non-zero, and in *failed_step the step.
 * With step_seconds (a profile), adds each step's time over all blocks to step_seconds[step],
 * less what it adds to the chain's first step (the caller times the whole chain on that one). */
int lab_row_chain_run(lab_program *p, int32_t i, int32_t *failed_step, char *err, size_t err_len,
                      double *step_seconds);

#ifdef __cplusplus
}
#endif

#endif /* LAB_ROW_BLOCKS_H */
