/*
 * The register program of one elementwise composite, as lab_ew_compile leaves it: shared by the
 * tile interpreter (elementwise.c) and the code generator that compiles hot programs to C at run
 * time (elementwise_jit.c). Internal to the kernels; the rest of the engine sees lab_ew_attrs as
 * an opaque pointer.
 */
#ifndef LAB_ELEMENTWISE_PROGRAM_H
#define LAB_ELEMENTWISE_PROGRAM_H

#include <stdatomic.h>

#include "elementwise.h"

#define LAB_EW_MAX_REGS 64

typedef struct lab_ew_instr {
  int op;
  int cast_dtype;
  int dst, a, b, c; /* registers; -1 when the op has fewer arguments */
} lab_ew_instr;

/* Instructions beyond the engine's ops: pairs fused by fuse_pairs, then the chains of fuse_chains,
 * op2(op1(a, b), c) or op2(c, op1(a, b)) for op1, op2 in add, sub, mul: EW_FUSED_CHAIN +
 * EW_CHAIN_CODE(op1, op2, right), the op indices chain_op_index gives. */
enum { EW_FUSED_X_ONE_MINUS_X = LAB_EW_OP_COUNT + 1, EW_FUSED_ONE_MINUS_SQR, EW_FUSED_CHAIN };
#define EW_CHAIN_CODE(op1, op2, right) ((((op1) * 3 + (op2)) << 1) | (right))

/* A float32 program compiled to C: computes every instruction over n elements of the registers'
 * tiles in one pass, 16 lanes at a time, and stores the outputs' registers (each temporary one
 * once); reads inputs' registers. The same bits as the interpreter's instruction loops. */
typedef void (*lab_ew_tile_fn)(int64_t n, float *const *regs);

/* The same program over `rows` rows of `width` ≥ 16 elements read and written in place: operand k
 * (outputs first, then inputs, as the kernel's iterator numbers them) starts at base[k] with rows
 * stride[k] elements apart (0 for a row broadcast) and unit stride within a row. Every output is
 * stored; no output may overlap an input except as the very same view. With `sums` (else NULL),
 * each output o with sums[o] non-NULL also adds every one of its rows, in order, to the float64
 * column sums sums[o][0 .. width) (lab_ew_add_row), each row once it and the next two are stored.
 * With `prefetch` non-zero it also prefetches each contiguous input LAB_EW_PREFETCH_AHEAD elements
 * ahead of the loads (lab_runtime's prefetch_ahead). */
typedef void (*lab_ew_rows_fn)(int64_t rows, int64_t width, float *const *base, const int64_t *stride,
                               double *const *sums, int prefetch);

/* Where a program stands with the run-time compiler (elementwise_jit.c). */
typedef enum lab_ew_jit_phase { LAB_EW_JIT_COLD, LAB_EW_JIT_QUEUED, LAB_EW_JIT_DONE } lab_ew_jit_phase;

/* Registers 0..n_inputs-1 are the step's inputs; the rest are constants and temporaries. A
 * constant owns a tile in `const_tiles`, filled once at compile time. Temporaries, and the tiles
 * of inputs that must be converted or gathered, live in the program's scratch (runtime slot 0),
 * shared by every composite of the program: a run of an unrolled graph passes hundreds of
 * composites, and private tiles for each (7 MiB for the L2L meta-iteration) were page faults at
 * creation and cache misses at every step. */
struct lab_ew_attrs {
  int n_inputs, n_outputs;
  lab_dtype compute;
  int n_instr;
  lab_ew_instr *instr;
  int n_regs;
  int out_reg[LAB_EW_MAX_OPERANDS];
  int input_used[LAB_EW_MAX_OPERANDS];
  int reg_const[LAB_EW_MAX_REGS]; /* register r >= n_inputs is a constant */
  int reg_tile[LAB_EW_MAX_REGS];  /* its tile: in const_tiles, or in the scratch */
  int n_temp_tiles;               /* scratch tiles: temporaries, then one per input */
  void *const_tiles;
  lab_runtime *rt;
  /* The run-time compiler's state: the compiled tile function once there is one, the elements
   * interpreted until then, and references (the step's, and a queued compile's). */
  _Atomic(lab_ew_tile_fn) compiled;
  _Atomic(lab_ew_rows_fn) compiled_rows; /* published before `compiled` */
  /* Which operands' rows are contiguous (bit k: operand k, outputs first) and the rows' width
   * (bits 32 up), as the first call that could walk rows in place saw them (-1: none yet): a
   * step's views are fixed, so its compiled rows function is generated for that layout, with no
   * test of a stride left in its loop and the width a constant. */
  _Atomic int64_t rows_layout;
  int64_t compiled_layout; /* the layout compiled_rows was generated for (published with it) */
  _Atomic int64_t interpreted;
  _Atomic int jit_phase;
  _Atomic int refs;
};

/* The compiled function of a program about to run `elements` more elements, or NULL: counts them
 * toward the hot threshold and queues the program for compiling once it is hot
 * (elementwise_jit.c; the queue holds a reference, which lab_ew_free drops). */
lab_ew_tile_fn lab_ew_jit_function(lab_ew_attrs *p, int64_t elements);

/* Counts a kernel call run by lab_ew_rows_fn (the stats' row_walks; prefetched_row_walks too where
 * it prefetches). */
void lab_ew_jit_count_row_walk(int prefetch);

#endif /* LAB_ELEMENTWISE_PROGRAM_H */
