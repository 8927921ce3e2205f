#define _DEFAULT_SOURCE /* MAP_ANONYMOUS beside the POSIX names */
#include "executor.h"

#include <stdlib.h>
#include <time.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "../kernels/common.h"
#include "../kernels/elementwise.h"
#include "../kernels/gemm/gemm.h"
#include "../kernels/reduce.h"
#include "composite_sums.h"
#include "row_blocks.h"

static int64_t align64(int64_t bytes) { return (bytes + 63) & ~(int64_t)63; }

/* 64-byte aligned (the kernels' vector loads), zeroed; freed with free(). */
static void *zeroed_aligned(size_t bytes) {
  const size_t size = (size_t)align64((int64_t)(bytes > 0 ? bytes : 64));
  void *arena = aligned_alloc(64, size);
  if (arena) memset(arena, 0, size);
  return arena;
}

/* Arenas from this size up are anonymous mappings (Linux): zero pages that the kernel hands out
 * as the first run touches them, so creating a program does not pay for faulting in (and memset)
 * its working memory up front — 43 MiB for the unrolled L2L program, ~110 ms of page faults on
 * this VM that its first run pays instead. They ask for transparent huge pages (madvise: the
 * setting this VM's kernel has, and a no-op where the kernel has none to give): the saved arrays
 * streamed through a meta-iteration then need one TLB entry per 2 MiB instead of per 4 KiB, and
 * the first run faults far fewer pages in. MNIST meta-training's steady runs 1.2-2.2 % less time
 * (two programs of each kind alternated in one process, both orders), the quadratics' ~0.7 %.
 * (Measured on 2026-12-04 with the kernels of then, huge pages had made MNIST 6 % slower; with
 * today's, on 2026-12-07, they no longer do.) */
#define LAB_MAPPED_ARENA ((size_t)1 << 20)

/* Programs with at least this much working memory have their kernels prefetch ahead what they
 * stream (lab_runtime's prefetch_ahead): beyond what this VM's caches keep (its L3 holds ~64 MiB,
 * measured by writing and reading arrays of growing size), the arrays a forward pass saved come
 * back from memory. MNIST meta-training's 309 MiB: its backward cell 12 % less time, its weight
 * gradients ~12 %. The quadratics' 26 MiB: no gain, so none there — their saved arrays come back
 * at nearly memory bandwidth too (one core reads 16 GB/s from 12 MB, 11 from 48 MB), but their
 * backward cell is bound by that bandwidth, not by the prefetcher's restarts (41 µs in a harness
 * with or without prefetching, T0 or T1, 256 to 2,048 floats ahead). */
#define LAB_PREFETCH_ARENA ((int64_t)128 << 20)

/* A zeroed arena of `bytes`; *mapped is the length to munmap, or 0 when it came from aligned_alloc. */
static void *arena_alloc(size_t bytes, size_t *mapped) {
  *mapped = 0;
#if defined(__linux__)
  if (bytes >= LAB_MAPPED_ARENA) {
    void *arena = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (arena == MAP_FAILED) return NULL;
    *mapped = bytes;
#ifdef MADV_HUGEPAGE
    (void)madvise(arena, bytes, MADV_HUGEPAGE); /* advice: the arena works with 4 KiB pages as well */
#endif
    return arena; /* page-aligned; anonymous pages read as zero */
  }
#endif
  return zeroed_aligned(bytes);
}

static void arena_free(void *arena, size_t mapped) {
#if defined(__linux__)
  if (mapped > 0) {
    munmap(arena, mapped);
    return;
  }
#endif
  (void)mapped;
  free(arena);
}

lab_program *lab_program_new(const lab_buffer *buffers, int32_t n_buffers, int32_t n_steps,
                             char *err, size_t err_len) {
  lab_program *p = calloc(1, sizeof *p);
  if (!p) goto oom;
  p->rt.threads = 1;
  p->n_buffers = n_buffers;
  p->n_steps = n_steps;
  p->buffers = calloc((size_t)n_buffers + 1, sizeof *p->buffers);
  p->base = calloc((size_t)n_buffers + 1, sizeof *p->base);
  p->steps = calloc((size_t)n_steps + 1, sizeof *p->steps);
  p->chain_steps = calloc((size_t)n_steps + 1, sizeof *p->chain_steps);
  p->chain_rows = calloc((size_t)n_steps + 1, sizeof *p->chain_rows);
  p->chain_views = malloc(sizeof *p->chain_views * LAB_ROW_CHAIN_MAX_VIEWS);
  p->chain_local_first = calloc((size_t)n_steps + 1, sizeof *p->chain_local_first);
  p->chain_local_count = calloc((size_t)n_steps + 1, sizeof *p->chain_local_count);
  p->paired = calloc((size_t)n_steps + 1, sizeof *p->paired);
  p->lookahead_listed = calloc((size_t)n_steps + 1, sizeof *p->lookahead_listed);
  p->lookahead_taken = calloc((size_t)n_steps + 1, sizeof *p->lookahead_taken);
  p->chain_written = calloc((size_t)n_buffers + 1, sizeof *p->chain_written);
  if (!p->buffers || !p->base || !p->steps || !p->chain_steps || !p->chain_rows || !p->chain_views ||
      !p->chain_local_first || !p->chain_local_count || !p->paired || !p->lookahead_listed || !p->lookahead_taken ||
      !p->chain_written) {
    goto oom;
  }
  int64_t arena_bytes = 0;
  for (int32_t b = 0; b < n_buffers; b++) {
    p->buffers[b] = buffers[b];
    if (buffers[b].size < 0) {
      lab_fail(err, err_len, "buffer %d has negative size %lld", b, (long long)buffers[b].size);
      lab_program_free(p);
      return NULL;
    }
    const int bound = buffers[b].role == LAB_ROLE_INPUT || buffers[b].role == LAB_ROLE_OUTPUT;
    p->buffers[b].arena_offset = bound ? -1 : arena_bytes;
    if (!bound) arena_bytes += align64(buffers[b].size * (int64_t)lab_dtype_size(buffers[b].dtype));
  }
  p->arena = arena_alloc((size_t)arena_bytes, &p->arena_mapped);
  p->rt.prefetch_ahead = arena_bytes >= LAB_PREFETCH_ARENA;
  if (!p->arena) goto oom;
  for (int32_t b = 0; b < n_buffers; b++) {
    if (p->buffers[b].arena_offset >= 0) p->base[b] = (char *)p->arena + p->buffers[b].arena_offset;
  }
  return p;
oom:
  lab_fail(err, err_len, "out of memory while creating a program of %d buffers", n_buffers);
  lab_program_free(p);
  return NULL;
}

/* Smallest and largest element offsets a view reaches (strides may be negative or zero). */
static int view_in_bounds(const lab_view *v, int64_t size) {
  int64_t lo = v->offset, hi = v->offset;
  for (int32_t d = 0; d < v->ndim; d++) {
    if (v->shape[d] == 0) return 1; /* an empty view touches nothing */
    const int64_t span = (v->shape[d] - 1) * v->strides[d];
    if (span < 0) lo += span;
    else hi += span;
  }
  return lo >= 0 && hi < size;
}

int lab_program_set_step(lab_program *p, int32_t index, lab_kernel_fn fn, void *attrs,
                         void (*free_attrs)(void *), const lab_view *views, int32_t n_inputs,
                         int32_t n_outputs, char *err, size_t err_len) {
  lab_step *s = &p->steps[index];
  s->fn = fn;
  s->attrs = attrs;
  s->free_attrs = free_attrs;
  const int32_t n = n_inputs + n_outputs;
  s->views = malloc(sizeof *s->views * (size_t)(n > 0 ? n : 1));
  if (!s->views) return lab_fail(err, err_len, "out of memory for the views of step %d", index);
  s->n_inputs = n_inputs;
  s->n_outputs = n_outputs;
  for (int32_t i = 0; i < n; i++) {
    const lab_view *v = &views[i];
    const char *kind = i < n_inputs ? "input" : "output";
    const int32_t at = i < n_inputs ? i : i - n_inputs;
    if (v->buffer < 0 || v->buffer >= p->n_buffers) {
      return lab_fail(err, err_len, "%s %d refers to buffer %d, but the program has %d buffers", kind, at, v->buffer, p->n_buffers);
    }
    if (v->ndim < 0 || v->ndim > LAB_MAX_NDIM) {
      return lab_fail(err, err_len, "%s %d has %d dimensions; at most %d are supported", kind, at, v->ndim, LAB_MAX_NDIM);
    }
    for (int32_t d = 0; d < v->ndim; d++) {
      if (v->shape[d] < 0) return lab_fail(err, err_len, "%s %d has a negative dimension %lld", kind, at, (long long)v->shape[d]);
    }
    if (!view_in_bounds(v, p->buffers[v->buffer].size)) {
      return lab_fail(err, err_len, "%s %d (offset %lld) reaches outside buffer %d of %lld elements", kind, at,
                      (long long)v->offset, v->buffer, (long long)p->buffers[v->buffer].size);
    }
    if (i >= n_inputs && (p->buffers[v->buffer].role == LAB_ROLE_INPUT || p->buffers[v->buffer].role == LAB_ROLE_CONSTANT)) {
      return lab_fail(err, err_len, "output %d writes to buffer %d, which is an %s: those are read-only", at, v->buffer,
                      p->buffers[v->buffer].role == LAB_ROLE_INPUT ? "input" : "constant");
    }
    s->views[i] = *v;
  }
  if (n > p->max_views) { /* room for two steps' views: a pair of products runs as one (run_gemm_pair) */
    lab_tensor *t = realloc(p->tensors, sizeof *t * (size_t)(2 * n));
    if (!t) return lab_fail(err, err_len, "out of memory for the views of step %d", index);
    p->tensors = t;
    p->max_views = n;
  }
  return 0;
}

void *lab_program_buffer(lab_program *p, int32_t buffer) { return p->base[buffer]; }

double lab_seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void lab_program_bind_step(const lab_program *p, const lab_step *s, lab_tensor *tensors) {
  const int32_t n = s->n_inputs + s->n_outputs;
  for (int32_t k = 0; k < n; k++) {
    const lab_view *v = &s->views[k];
    const lab_buffer *buf = &p->buffers[v->buffer];
    lab_tensor *t = &tensors[k];
    t->dtype = buf->dtype;
    t->ndim = v->ndim;
    memcpy(t->shape, v->shape, sizeof(int64_t) * (size_t)v->ndim);
    memcpy(t->strides, v->strides, sizeof(int64_t) * (size_t)v->ndim);
    t->data = (char *)p->base[v->buffer] + v->offset * (int64_t)lab_dtype_size(buf->dtype);
  }
}

static int same_view(const lab_view *x, const lab_view *y) {
  if (x->buffer != y->buffer || x->offset != y->offset || x->ndim != y->ndim) return 0;
  for (int32_t d = 0; d < x->ndim; d++) {
    if (x->shape[d] != y->shape[d] || x->strides[d] != y->strides[d]) return 0;
  }
  return 1;
}

/* Steps i and i + 1, products of the same A or into the same Z and neither in a row-block chain,
 * computed together by the gemm kernel where it pairs them (lab_gemm_pair_kernel): 0 when it did,
 * else -1 (nothing run). */
static int run_gemm_pair(lab_program *p, int32_t i, char *err, size_t err_len) {
  if (i + 1 >= p->n_steps || lab_row_chain_length(p, i + 1) > 0) return -1;
  const lab_step *s1 = &p->steps[i], *s2 = &p->steps[i + 1];
  if (s1->fn != lab_gemm_kernel || s2->fn != lab_gemm_kernel) return -1;
  const lab_view *z1 = &s1->views[s1->n_inputs];
  /* into the same Z, the first not adding to it: a run of in-place weight-gradient sums never pairs */
  const int same_z = same_view(z1, &s2->views[s2->n_inputs]) && !(s1->n_inputs == 3 && same_view(&s1->views[2], z1));
  if (!same_view(&s1->views[0], &s2->views[0]) && !same_z) return -1;
  lab_tensor *t1 = p->tensors, *t2 = p->tensors + s1->n_inputs + s1->n_outputs;
  lab_program_bind_step(p, s1, t1);
  lab_program_bind_step(p, s2, t2);
  if (lab_gemm_pair_kernel(t1, s1->n_inputs, t1 + s1->n_inputs, s1->attrs, t2, s2->n_inputs, t2 + s2->n_inputs,
                           s2->attrs, err, err_len) != 0) {
    return -1;
  }
  p->paired[i] = 1;
  return 0;
}

/* Steps i and i + 1, a composite and the sum over the rows of what it wrote, neither in a row-block
 * chain, run as one (composite_sums.h): 0 when they were (both run, *status the first failure's and
 * *at its step), else -1 (nothing run). */
static int run_composite_sums(lab_program *p, int32_t i, int *status, int32_t *at, char *err, size_t err_len) {
  if (i + 1 >= p->n_steps || lab_row_chain_length(p, i + 1) > 0) return -1;
  const lab_step *s1 = &p->steps[i], *s2 = &p->steps[i + 1];
  if (s1->fn != lab_elementwise_kernel || s2->fn != lab_reduce_kernel) return -1;
  lab_tensor *t1 = p->tensors, *t2 = p->tensors + s1->n_inputs + s1->n_outputs;
  lab_program_bind_step(p, s1, t1);
  lab_program_bind_step(p, s2, t2);
  int64_t column[LAB_EW_MAX_OPERANDS];
  if (!lab_composite_sums_pair(s1, t1, s2, t2, column)) return -1;
  double acc[LAB_COMPOSITE_SUMS_MAX];
  memset(acc, 0, sizeof acc[0] * (size_t)t2[0].shape[1]);
  int summed = 0;
  *status = lab_composite_sums_run(s1, t1, column, acc, &summed, err, err_len);
  *at = i;
  if (*status == 0 && summed) {
    lab_reduce_rows_store(acc, &t2[1]);
    p->paired[i] = 2;
  } else if (*status == 0) {
    *status = s2->fn(t2, s2->n_inputs, t2 + s2->n_inputs, s2->n_outputs, s2->attrs, err, err_len);
    *at = i + 1;
  }
  return 0;
}

int lab_program_run(lab_program *p, void *const *bound, lab_foreign_step_fn foreign, void *ctx,
                    char *err, size_t err_len, int32_t *failed_step, double *step_seconds) {
  for (int32_t b = 0; b < p->n_buffers; b++) {
    if (p->buffers[b].arena_offset < 0) p->base[b] = bound[b];
  }
  lab_row_chains_plan(p);
  lab_lookahead_clear(&p->rt.lookahead); /* none before a chain lists them (a failed one may have left its own) */
  memset(p->paired, 0, (size_t)p->n_steps);
  for (int32_t i = 0; i < p->n_steps; i++) {
    const lab_step *s = &p->steps[i];
    err[0] = '\0';
    const double start = step_seconds ? lab_seconds_now() : 0.0;
    int status;
    const int32_t first_step = i;
    int32_t at = i;
    const int32_t chained = lab_row_chain_length(p, i);
    if (chained > 0) {
      /* each step's time in the chain is summed over the blocks; the rest goes to the first step */
      status = lab_row_chain_run(p, i, &at, err, err_len, step_seconds);
      i += chained - 1;
    } else if (run_gemm_pair(p, i, err, err_len) == 0) {
      status = 0; /* both products' time counts on the first */
      i++;
    } else if (run_composite_sums(p, i, &status, &at, err, err_len) == 0) {
      i++; /* the composite's and the sum's time counts on the composite */
    } else {
      lab_program_bind_step(p, s, p->tensors);
      status = s->fn ? s->fn(p->tensors, s->n_inputs, p->tensors + s->n_inputs, s->n_outputs, s->attrs, err, err_len)
                     : foreign(ctx, i, p->tensors, s->n_inputs, p->tensors + s->n_inputs, s->n_outputs, err, err_len);
    }
    if (step_seconds) step_seconds[first_step] += lab_seconds_now() - start;
    if (status != 0) {
      if (err[0] == '\0') lab_fail(err, err_len, "the kernel failed (status %d) without a message", status);
      *failed_step = at;
      return status;
    }
  }
  return 0;
}

void lab_program_free(lab_program *p) {
  if (!p) return;
  for (int32_t i = 0; p->steps && i < p->n_steps; i++) {
    if (p->steps[i].free_attrs) p->steps[i].free_attrs(p->steps[i].attrs);
    free(p->steps[i].views);
  }
  free(p->steps);
  free(p->chain_steps);
  free(p->chain_rows);
  free(p->chain_views);
  free(p->chain_local_first);
  free(p->chain_local_count);
  free(p->paired);
  free(p->lookahead_listed);
  free(p->lookahead_taken);
  free(p->chain_written);
  free(p->chain_locals);
  free(p->chain_scratch);
  free(p->buffers);
  free(p->base);
  free(p->tensors);
  if (p->arena) arena_free(p->arena, p->arena_mapped);
  lab_runtime_free(&p->rt);
  free(p);
}
