/*
 * The program executor: a compiled program (buffers + a linear list of kernel calls over views
 * of them) is handed over once; each run then binds the caller's input and output memory and
 * executes every step in C. All non-bound buffers live in one 64-byte-aligned arena owned by
 * the program; shared variables are arena slots updated in place across runs.
 */
#ifndef LAB_EXECUTOR_H
#define LAB_EXECUTOR_H

#include "../include/lab_kernel.h"
#include "../kernels/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lab_role {
  LAB_ROLE_INPUT,   /* bound per run to the caller's typed array (read in place) */
  LAB_ROLE_OUTPUT,  /* bound per run to a fresh V8 typed array that steps write into */
  LAB_ROLE_SHARED,  /* arena; persists across runs; getShared/setShared */
  LAB_ROLE_TEMP,    /* arena; scratch between steps */
  LAB_ROLE_CONSTANT /* arena; initialised once */
} lab_role;

typedef struct lab_buffer {
  lab_dtype dtype;
  int64_t size;         /* elements */
  lab_role role;
  int64_t arena_offset; /* bytes; -1 for bound (input/output) buffers */
  int returned;         /* the caller reads it after each run (spec.outputs), whatever its role */
} lab_buffer;

typedef struct lab_view {
  int32_t buffer;
  int64_t offset; /* elements */
  int32_t ndim;
  int64_t shape[LAB_MAX_NDIM];
  int64_t strides[LAB_MAX_NDIM]; /* elements; 0 broadcasts; negative allowed */
} lab_view;

/* Runs a step that has no native kernel (a JavaScript segment). Returns 0 or fills err. */
typedef int (*lab_foreign_step_fn)(void *ctx, int32_t step, const lab_tensor *inputs,
                                   int32_t n_inputs, lab_tensor *outputs, int32_t n_outputs,
                                   char *err, size_t err_len);

typedef struct lab_step {
  lab_kernel_fn fn;            /* NULL: a foreign (JavaScript) step */
  void *attrs;                 /* parsed once at program creation */
  void (*free_attrs)(void *);
  int32_t n_inputs, n_outputs;
  lab_view *views;             /* inputs then outputs */
} lab_step;

typedef struct lab_program {
  int32_t n_buffers;
  lab_buffer *buffers;
  void *arena;        /* zeroed; 64-byte aligned (a page when mapped) */
  size_t arena_mapped; /* bytes to munmap, or 0 when it came from aligned_alloc */
  void **base; /* per buffer: arena slot, or the memory bound for this run */
  int32_t n_steps;
  lab_step *steps;
  lab_tensor *tensors; /* room for the two largest steps' views, resolved per run */
  int32_t max_views;
  /* per step: where the last run computed it together with the next step, anywhere or in some
   * block of a row-block chain: 1 for two products of the same A or into the same Z (gemm.h's
   * lab_gemm_pair_kernel), 2 for a composite that summed the rows of what it wrote for the sum
   * after it (composite_sums.h) */
  unsigned char *paired;
  /* per step: the lines of memory its row-block chain listed for the products before it to
   * prefetch (lookahead.h), and those they did, summed over blocks and runs */
  int64_t *lookahead_listed, *lookahead_taken;
  /* per buffer: written by the steps of the chain so far, as row_blocks.c marks them a run */
  unsigned char *chain_written;
  lab_runtime rt;
  /* row-block chains (row_blocks.h), planned for chain_threads (0: not yet) and chain_isa */
  int32_t *chain_steps; /* per step: the steps of the chain starting there, or 0 */
  int64_t *chain_rows;  /* per step: the rows of a block of that chain */
  int chain_threads;
  lab_isa chain_isa;
  lab_tensor *chain_views; /* a chain's operands, bound for a run */
  /* Buffers a chain keeps block-local (row_blocks.h): chain i's are chain_locals[chain_local_first[i]
   * .. + chain_local_count[i]], each with its slot in chain_scratch. */
  int32_t *chain_local_first, *chain_local_count;
  struct lab_chain_local *chain_locals;
  int32_t n_chain_locals;
  void *chain_scratch;
} lab_program;

/* A program with its buffers laid out in a fresh zeroed arena and n_steps empty steps.
 * NULL with a message in err on a bad buffer list or out of memory. */
lab_program *lab_program_new(const lab_buffer *buffers, int32_t n_buffers, int32_t n_steps,
                             char *err, size_t err_len);

/* Fills step `index`; takes ownership of attrs (freed with free_attrs, also on failure).
 * Checks every view against its buffer's bounds. */
int lab_program_set_step(lab_program *p, int32_t index, lab_kernel_fn fn, void *attrs,
                         void (*free_attrs)(void *), const lab_view *views, int32_t n_inputs,
                         int32_t n_outputs, char *err, size_t err_len);

/* Resolves a step's views against this run's buffers (bound by lab_program_run) into tensors. */
void lab_program_bind_step(const lab_program *p, const lab_step *s, lab_tensor *tensors);

/* The monotonic clock in seconds, for step profiles. */
double lab_seconds_now(void);

/* Arena memory of a non-bound buffer. */
void *lab_program_buffer(lab_program *p, int32_t buffer);

/* Runs every step. `bound[b]` is the memory of each input/output buffer for this run. On a
 * kernel error returns non-zero with the message in err and the step in *failed_step. When
 * step_seconds is not NULL, each step's wall time is added to step_seconds[step] (profiling). */
int lab_program_run(lab_program *p, void *const *bound, lab_foreign_step_fn foreign, void *ctx,
                    char *err, size_t err_len, int32_t *failed_step, double *step_seconds);

void lab_program_free(lab_program *p);

#ifdef __cplusplus
}
#endif

#endif /* LAB_EXECUTOR_H */
