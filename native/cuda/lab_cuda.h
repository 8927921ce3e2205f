/*
 * The C ABI of liblabcuda.so, the CUDA program executor. The Node addon loads the library with
 * dlopen (native/src/cuda_loader.cc) and resolves these symbols with dlsym, so the addon builds,
 * loads and runs where neither the library nor a CUDA driver exists.
 *
 * A program arrives as a *tape*: a flat array of doubles that engine/backends/cuda/tape.ts
 * writes (format: native/cuda/README.md). Every buffer lives on the device in one arena; a run
 * copies the inputs in, runs every step on one stream (replaying a captured CUDA graph on
 * repeated runs when no step needs the host) and copies the outputs out.
 */
#ifndef LAB_CUDA_H
#define LAB_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include "../include/lab_kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LAB_CUDA_ABI_VERSION 3

/* A contiguous row-major host array handed to a host step (a JavaScript segment). */
typedef struct lab_cuda_host_tensor {
  lab_dtype dtype;
  int32_t ndim;
  int64_t shape[LAB_MAX_NDIM];
  void *data;
} lab_cuda_host_tensor;

/* Runs host step `callback` on host copies of its inputs; fills `outputs` (allocated, contiguous).
 * Returns 0, or non-zero with a message in err. */
typedef int (*lab_cuda_host_fn)(void *ctx, int32_t callback, const lab_cuda_host_tensor *inputs,
                                int32_t n_inputs, lab_cuda_host_tensor *outputs, int32_t n_outputs,
                                char *err, size_t err_len);

typedef struct lab_cuda_program lab_cuda_program;

int lab_cuda_abi_version(void);

/* Number of usable devices (>= 1), or 0 with the reason in msg (no driver, no device, …).
 * On success msg holds the first device's name and compute capability. */
int lab_cuda_probe(char *msg, size_t msg_len);

/* Parses and validates a tape, allocates the arena and uploads constant metadata.
 * NULL with a message naming the step on failure. */
lab_cuda_program *lab_cuda_program_create(const double *tape, int64_t tape_len, char *err, size_t err_len);

/* Counts of run() inputs/outputs, and their buffer ids (arrays sized by those counts). */
void lab_cuda_program_io(const lab_cuda_program *p, int32_t *n_inputs, int32_t *n_outputs, int32_t *inputs,
                         int32_t *outputs);

/* dtype and element count of buffer b; -1 when b is out of range. */
int lab_cuda_program_buffer(const lab_cuda_program *p, int32_t b, lab_dtype *dtype, int64_t *size);

/* Runs once. inputs[k]/outputs[k]: host memory of run() input/output k (exact sizes).
 * use_graph: capture the steps into a CUDA graph on the first eligible run and replay it after.
 * Returns 0, or non-zero with a message naming the failed step's op. */
int lab_cuda_program_run(lab_cuda_program *p, const void *const *inputs, void *const *outputs,
                         lab_cuda_host_fn host_fn, void *host_ctx, int use_graph, char *err, size_t err_len);

/* Copies buffer b device -> host or host -> device (whole buffer). */
int lab_cuda_program_get(lab_cuda_program *p, int32_t b, void *host, char *err, size_t err_len);
int lab_cuda_program_set(lab_cuda_program *p, int32_t b, const void *host, char *err, size_t err_len);

/* What the program did: 1 when its last run replayed a CUDA graph; the number of its
 * elementwise steps that run NVRTC-compiled code (the rest use the generic interpreter); the
 * GPU's milliseconds for its last run, from the first input copy to the last output copy
 * (events on the stream: the rest of a call's wall time is the host's). Any may be NULL. */
int lab_cuda_program_stats(const lab_cuda_program *p, int32_t *graph_replayed, int32_t *nvrtc_kernels,
                           double *last_run_ms);

/* Per-step GPU timing. on != 0: later runs launch step by step (no graph replay) with an event
 * between steps and add each step's milliseconds to a total; on == 0 stops. Returns the number
 * of profiled runs; *n_steps receives the step count and step_ms (n_steps entries, may be NULL)
 * the totals. */
int lab_cuda_program_profile(lab_cuda_program *p, int on, double *step_ms, int32_t *n_steps);

void lab_cuda_program_free(lab_cuda_program *p);

/* 1 when libnvrtc was found (composites and users' kernels compile at run time), else 0 with why. */
int lab_cuda_nvrtc_available(char *why, size_t why_len);

/* The seed's AXPB op as a standalone call (copies in, runs, copies out); a cudaError_t. */
int lab_cuda_axpb_f32(float a, const float *x, float b, float *out, int64_t n);

#ifdef __cplusplus
}
#endif

#endif /* LAB_CUDA_H */
