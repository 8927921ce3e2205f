/*
 * Float32 weight gradients xᵀ·dy on AVX-512 where dy is 80 columns wide (the LSTM's four 20-wide
 * gates) and x a few columns (its 20 units): MNIST meta-training's hᵀ·dz, 20 × 80 over each
 * 768-row chain block, three a time step. The blocked driver covers a 20 × 80 Z with its 12 × 32
 * micro-kernel, an 8-row edge and 16-column half panels, three of its four tile kinds narrower
 * than the kernel; here every tile is 4 rows × 5 vectors, Z's 80 columns whole: 20 accumulators, 5
 * loads of dy's row and 4 broadcasts of x's for 20 multiply-adds, no edge. A 768-row block in
 * cache: 13.4-13.6 µs against the driver's 13.8-14.4, then 11.2 by sub-pieces (WGRAD_SUB_K). In a
 * program past the caches (prefetch), the first tile of each sub-piece prefetches x's saved rows ahead as the driver's micro-kernel does
 * (LAB_GEMM_PREFETCH_K), and the other tiles find them in L1: without that this path was 0.5-1 %
 * slower on MNIST meta-training than the driver, with it 0.2-0.9 % faster (the quadratics ~0.5 %;
 * one process, the two paths switched between batches, both orders); the next piece's rows
 * prefetched during this one's tiles (wgrad_rows) gave MNIST 1.2-1.4 % more.
 *
 * The bits are the driver's: it reads both operands in place here too (a column-major op(A) and
 * rows of B), and sums every element as a fused multiply-add chain over each k-piece of kc from
 * 0, times alpha, added to Z after the first piece (the first too when accumulating).
 */
#include "wgrad_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <stdint.h>

#include "../runtime.h"
#include "gemm.h"

#define AVX512 __attribute__((target("avx512f")))
#define WGRAD_ROWS 4
#define WGRAD_VECTORS 5 /* 80 columns */

/* Rows of k a sub-piece: each k-piece runs its tiles over 64 rows of dy at a time (20 KiB, with x's
 * 5 KiB), so that the first tile brings them into L1 and the other tiles find them there, not in
 * L2 (dy's 80 KiB piece of 256 rows does not fit L1): in cache, a 768-row block 13.2-13.6 → 11.2
 * µs and 1,280 rows 20.7-22.4 → 18.5-19.7 (32 and 48 rows the same, 96 no better); the quadratics'
 * meta-iteration 1.2-1.7 % less time, MNIST's 0.3-0.8 % (one process, switched between batches,
 * both orders). A tile's accumulators wait in memory between sub-pieces and carry on the same chain
 * of multiply-adds: the same bits. */

#define WGRAD_SUB_K 64

/* One 4 × 80 tile's accumulators from rows i0 of op(A) and columns j0 of B, over `len` steps of k:
 * from zero (start) or from `saved`, left in `saved`. With prefetch_a it prefetches A ahead along k
 * as it goes (the first tile of a sub-piece, which reads A from memory), and it prefetches
 * `next_lines` lines from `next`, one every 4 steps of k (its share of the next piece's A); with
 * `look`, `la`'s lines too (lookahead.h). */
static inline AVX512 __attribute__((always_inline)) void wgrad_tile(int64_t len, const float *a, int64_t cs_a,
                                                                    const float *b, int64_t rs_b, __m512 *saved,
                                                                    int start, const int prefetch_a,
                                                                    const char *next, int64_t next_lines,
                                                                    lab_lookahead *la, const int look) {
  lab_lookahead_cursor ahead = lab_lookahead_take(la);
  __m512 acc[WGRAD_ROWS][WGRAD_VECTORS];
  for (int r = 0; r < WGRAD_ROWS; r++) {
    for (int v = 0; v < WGRAD_VECTORS; v++) acc[r][v] = start ? _mm512_setzero_ps() : saved[r * WGRAD_VECTORS + v];
  }
  for (int64_t p = 0; p < len; p++) {
    /* the addresses as integers: they may lie past A's end, which a prefetch ignores */
    if (prefetch_a) {
      _mm_prefetch((const char *)((uintptr_t)a + sizeof(float) * (uintptr_t)((p + LAB_GEMM_PREFETCH_K) * cs_a)),
                   _MM_HINT_T0);
    }
    if ((p & 3) == 0 && (p >> 2) < next_lines) _mm_prefetch(next + 64 * (p >> 2), _MM_HINT_T0);
    if (look) lab_lookahead_line(&ahead, p);
    __m512 bv[WGRAD_VECTORS];
    for (int v = 0; v < WGRAD_VECTORS; v++) bv[v] = _mm512_loadu_ps(b + p * rs_b + 16 * v);
    for (int r = 0; r < WGRAD_ROWS; r++) {
      const __m512 ar = _mm512_set1_ps(a[r + p * cs_a]);
      for (int v = 0; v < WGRAD_VECTORS; v++) acc[r][v] = _mm512_fmadd_ps(ar, bv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < WGRAD_ROWS; r++) {
    for (int v = 0; v < WGRAD_VECTORS; v++) saved[r * WGRAD_VECTORS + v] = acc[r][v];
  }
  if (look) lab_lookahead_give(la, &ahead);
}

/* A tile's piece of Z from its accumulators: times alpha, added to Z (add) or stored. */
static inline AVX512 void wgrad_store(const __m512 *acc, float *z, int64_t rs_z, float alpha, int add) {
  const __m512 scale = _mm512_set1_ps(alpha);
  for (int r = 0; r < WGRAD_ROWS; r++) {
    for (int v = 0; v < WGRAD_VECTORS; v++) {
      float *out = z + r * rs_z + 16 * v;
      const __m512 scaled = _mm512_mul_ps(scale, acc[r * WGRAD_VECTORS + v]);
      _mm512_storeu_ps(out, add ? _mm512_add_ps(_mm512_loadu_ps(out), scaled) : scaled);
    }
  }
}

/* Rows [0, m) of Z, each k-piece in turn, each piece by sub-pieces. With `prefetch` (A saved long
 * before, in memory) each sub-piece's first tile prefetches A ahead, and the tiles of the first
 * column block share out the next piece's A lines among them: its rows then come in while this
 * piece's multiply-adds run, not while the next piece's first tile waits for them (MNIST's hᵀ·dz
 * from a cold h, three 256-row pieces a 768-row chain block: 0.354 → 0.335 ms a call, the
 * meta-iteration 1.2-1.4 % less time, one process, switched between batches, both orders). */
static AVX512 void wgrad_rows(int64_t m, int64_t n, int64_t k, int64_t kc, const float *a, int64_t cs_a,
                              const float *b, int64_t rs_b, float *z, int64_t rs_z, float alpha, int accumulate,
                              int prefetch, lab_lookahead *la) {
  const int64_t tiles = m / WGRAD_ROWS;
  __m512 acc[LAB_WGRAD_AVX512_M_MAX / WGRAD_ROWS][WGRAD_ROWS * WGRAD_VECTORS];
  for (int64_t pc = 0; pc < k; pc += kc) {
    const int64_t piece = k - pc < kc ? k - pc : kc;
    const int64_t next_piece = k - pc - piece < kc ? k - pc - piece : kc;
    const int64_t next_lines = prefetch ? (next_piece * cs_a * (int64_t)sizeof(float) + 63) / 64 : 0;
    const char *next = next_lines > 0 ? (const char *)(a + (pc + piece) * cs_a) : (const char *)a;
    const int64_t calls = tiles * ((piece + WGRAD_SUB_K - 1) / WGRAD_SUB_K); /* tile runs sharing next_lines */
    for (int64_t j0 = 0; j0 < n; j0 += 16 * WGRAD_VECTORS) {
      for (int64_t s = 0; s < piece; s += WGRAD_SUB_K) {
        const int64_t len = piece - s < WGRAD_SUB_K ? piece - s : WGRAD_SUB_K;
        for (int64_t t = 0; t < tiles; t++) {
          const int64_t call = s / WGRAD_SUB_K * tiles + t;
          const int64_t from = j0 == 0 ? next_lines * call / calls : 0,
                        to = j0 == 0 ? next_lines * (call + 1) / calls : 0;
          const float *ap = a + t * WGRAD_ROWS + (pc + s) * cs_a, *bp = b + (pc + s) * rs_b + j0;
          const char *np = next + 64 * from;
          const int first = prefetch && t == 0 && j0 == 0, look = lab_lookahead_pending(la);
          /* each variant its own loop: A's prefetch and the lookahead's steps only where they run */
          if (first && look) wgrad_tile(len, ap, cs_a, bp, rs_b, acc[t], s == 0, 1, np, to - from, la, 1);
          else if (look) wgrad_tile(len, ap, cs_a, bp, rs_b, acc[t], s == 0, 0, np, to - from, la, 1);
          else if (first) wgrad_tile(len, ap, cs_a, bp, rs_b, acc[t], s == 0, 1, np, to - from, la, 0);
          else wgrad_tile(len, ap, cs_a, bp, rs_b, acc[t], s == 0, 0, np, to - from, la, 0);
        }
      }
      for (int64_t t = 0; t < tiles; t++) {
        wgrad_store(acc[t], z + t * WGRAD_ROWS * rs_z + j0, rs_z, alpha, accumulate || pc > 0);
      }
    }
  }
}

typedef struct wgrad_task {
  int64_t m, n, k, kc;
  const float *a;
  int64_t cs_a;
  const float *b;
  int64_t rs_b;
  float *z;
  int64_t rs_z;
  float alpha;
  int accumulate, prefetch;
} wgrad_task;

static void *wgrad_task_run(void *arg) {
  const wgrad_task *t = arg;
  wgrad_rows(t->m, t->n, t->k, t->kc, t->a, t->cs_a, t->b, t->rs_b, t->z, t->rs_z, t->alpha, t->accumulate,
             t->prefetch, NULL);
  return NULL;
}

void lab_gemm_wgrad_avx512_f32(int64_t m, int64_t n, int64_t k, int64_t kc, const float *a, int64_t cs_a,
                               const float *b, int64_t rs_b, float *z, int64_t rs_z, float alpha, int accumulate,
                               int prefetch, int threads, lab_lookahead *la) {
  threads = lab_threads_for(threads, m / WGRAD_ROWS);
  if (threads == 1) {
    wgrad_rows(m, n, k, kc, a, cs_a, b, rs_b, z, rs_z, alpha, accumulate, prefetch, la);
    return;
  }
  /* threads take whole 4-row tiles: each element summed as on one */
  wgrad_task tasks[LAB_MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    int64_t begin, end;
    lab_thread_range(m, WGRAD_ROWS, threads, t, &begin, &end);
    tasks[t] = (wgrad_task){end - begin, n, k, kc, a + begin, cs_a, b, rs_b,
                            z + begin * rs_z, rs_z, alpha, accumulate, prefetch};
  }
  lab_run_tasks(wgrad_task_run, tasks, sizeof tasks[0], threads);
}
#endif
