/*
 * Per-program runtime state the built-in kernels may use: the intra-op thread count, the
 * instruction set GEMM dispatches to, and scratch memory (GEMM's packed panels, reduction
 * accumulators) that is allocated once and reused by every call. It belongs to one program, so
 * the addon needs no process globals. Kernels that need it get a pointer through their attrs.
 */
#ifndef LAB_KERNELS_RUNTIME_H
#define LAB_KERNELS_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "lookahead.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lab_isa { LAB_ISA_AUTO = 0, LAB_ISA_AVX512, LAB_ISA_AVX2, LAB_ISA_PORTABLE } lab_isa;

#define LAB_MAX_THREADS 64
/* The threads a walk of `units` whole units can use out of `threads`: at most LAB_MAX_THREADS and
 * one a unit, at least one. */
static inline int lab_threads_for(int threads, int64_t units) {
  if (threads > LAB_MAX_THREADS) threads = LAB_MAX_THREADS;
  if (threads > units) threads = (int)units;
  return threads < 1 ? 1 : threads;
}
/* GEMM takes slots 0 .. 2·threads − 1 (two per thread); the convolution kernel calls GEMM, so
 * its own buffers (columns, packed weights, packed gradients, accumulators, a padded image)
 * live above those. */
#define LAB_SCRATCH_CONV (2 * LAB_MAX_THREADS)
#define LAB_SCRATCH_SLOTS (2 * LAB_MAX_THREADS + 5)

typedef struct lab_runtime {
  int threads; /* intra-op threads for GEMM; 1 = run on the caller's thread only */
  lab_isa isa; /* LAB_ISA_AUTO picks the best the CPU supports */
  /* Kernels prefetch ahead what they stream from memory — compiled composites' row walks their
   * contiguous inputs, GEMM an A it reads in place — in programs whose working memory is larger
   * than the caches keep (executor.c, LAB_PREFETCH_ARENA): the arrays a forward pass saved come
   * back from memory there. */
  int prefetch_ahead;
  /* What a row-block chain's next composite will read or write from memory, for the products
   * before it to prefetch (lookahead.h); empty outside chains. */
  lab_lookahead lookahead;
  void *scratch[LAB_SCRATCH_SLOTS];
  size_t scratch_bytes[LAB_SCRATCH_SLOTS];
} lab_runtime;

/* 64-byte aligned scratch of at least `bytes` in slot `slot`, grown on demand; NULL when out of
 * memory. Two threads never share a slot. */
void *lab_scratch(lab_runtime *rt, int slot, size_t bytes);

void lab_runtime_free(lab_runtime *rt);

/* Thread t's part [*begin, *end) of [0, extent) cut into `threads` runs of whole `unit`s, as even
 * as they can be (the first ones a unit longer), the last ending at extent. */
void lab_thread_range(int64_t extent, int64_t unit, int threads, int t, int64_t *begin, int64_t *end);

/* Runs run(task) for n tasks laid out `size` bytes apart: tasks 1 … n − 1 on threads of their
 * own, task 0 — and any whose thread could not be started — on the caller's; returns when all
 * have finished. The kernels' intra-op threads (GEMM, large elementwise walks). */
void lab_run_tasks(void *(*run)(void *), void *tasks, size_t size, int n);

/* 1 when this CPU (and OS) can run code for `isa`. */
int lab_isa_supported(lab_isa isa);

/* The ISA GEMM really uses for the requested one (AUTO -> best supported). */
lab_isa lab_isa_resolve(lab_isa requested);

const char *lab_isa_name(lab_isa isa);

#ifdef __cplusplus
}
#endif

#endif /* LAB_KERNELS_RUNTIME_H */
