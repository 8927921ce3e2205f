/*
 * Two float32 products summed into one Z on AVX-512: the L2L LSTM's gates z = x·W + b + h·U,
 * which the graph computes as two gemm steps — x·W + b into z, then z += h·U in place. Run apart,
 * the second reads back every z the first wrote: 15,910 × 80 floats a layer and time step in
 * MNIST meta-training, through the first's tile copy too when it adds a bias row. Here each
 * tile of 4 rows × 80 columns (5 vectors; 6 rows for a Z of 16 or 32 columns) sums the first
 * product (and the bias) in 20 accumulators, leaves it in Z's rows while they are in L1, sums the
 * second in 20 more and adds it: Z goes out to memory (or the next cache level) once.
 *
 * The bits are those of the two steps: every element of each product is one fused multiply-add
 * chain over p in order from 0, as the blocked driver's micro-kernels sum it (k within one KC
 * panel and short of the dot-product tail); C is added to the first's sum as the driver adds a
 * bias row when it stores a tile, and the second's sum to that as the driver adds to Z in place.
 * gemm.c pairs two steps only where those are the paths they take (lab_gemm_pair_kernel). A first
 * product on small.inc's small-k rows (the LSTM's first layer, x of 2 columns) is summed with
 * their rounding instead: its first term, C added, the rest of the chain (lab_sum2_first).
 */
#include "sum2_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stddef.h>

#include "../runtime.h"

#define AVX512 __attribute__((target("avx512f")))
/* A tile's rows and vectors of columns: R × NV accumulators, NV B vectors and a broadcast in
 * registers. Four rows of five vectors take each step's B vectors for 20 multiply-adds with 9 loads;
 * the 6 × 32 tiles (with 6 × 16 for the LSTM's 80-wide Z) that this replaced took 14 for 15
 * (1,280 × 80 over k = 20 + 20, in cache: 141 → 174 GFLOP/s; 15,910 rows 137 → 178). A Z of 16
 * or 32 columns keeps 6-row tiles, which the narrower one holds with registers to spare. */
#define SUM2_NV_MAX 5
#define SUM2_MR_WIDE 4
#define SUM2_MR_NARROW 6

/* acc[r][v] = the product's rows i0 + r, columns j0 + 16v … + 15: one multiply-add chain over p
 * from 0 per element — or, with c_row (C's columns from j0), small.inc's small-k rows: the first
 * term rounded, C added to it, the chain on from there. */
static inline AVX512 __attribute__((always_inline)) void sum2_chain(const int R, const int NV,
                                                                    const lab_sum2_product *pr, int64_t i0,
                                                                    int64_t j0, const float *c_row,
                                                                    __m512 acc[][SUM2_NV_MAX],
                                                                    lab_lookahead_cursor *ahead, const int look) {
  const float *a = pr->a + i0 * pr->rs_a, *b = pr->b + j0;
  int64_t p = 0;
  if (c_row) {
    for (int v = 0; v < NV; v++) {
      const __m512 b0 = _mm512_loadu_ps(b + 16 * v), c = _mm512_loadu_ps(c_row + 16 * v);
      for (int r = 0; r < R; r++) acc[r][v] = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(a[r * pr->rs_a]), b0), c);
    }
    p = 1;
  } else {
    for (int r = 0; r < R; r++) {
      for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
    }
  }
  for (; p < pr->k; p++) {
    if (look) lab_lookahead_line(ahead, p);
    __m512 bv[SUM2_NV_MAX];
    for (int v = 0; v < NV; v++) bv[v] = _mm512_loadu_ps(b + p * pr->rs_b + 16 * v);
    for (int r = 0; r < R; r++) {
      const __m512 ar = _mm512_set1_ps(a[r * pr->rs_a + p]);
      for (int v = 0; v < NV; v++) acc[r][v] = _mm512_fmadd_ps(ar, bv[v], acc[r][v]);
    }
  }
}

/* One tile: R rows from i0, NV vectors of columns from j0. The first product's values (and C)
 * wait in Z's rows, in L1, while the second's accumulate: both sets in registers spilled a B
 * vector every step. With `look`, its loops take the lookahead's lines. */
static inline AVX512 __attribute__((always_inline)) void sum2_tile_run(const int R, const int NV,
                                                                       const lab_sum2_first *f,
                                                                       const lab_sum2_product *s, int64_t i0,
                                                                       int64_t j0, float *z, int64_t rs_z,
                                                                       lab_lookahead *la, const int look) {
  __m512 acc[SUM2_MR_NARROW][SUM2_NV_MAX];
  const float *c = f->c ? f->c + j0 : NULL;
  lab_lookahead_cursor ahead = lab_lookahead_take(la);
  sum2_chain(R, NV, &f->product, i0, j0, f->c_in_chain ? c : NULL, acc, &ahead, look);
  for (int r = 0; r < R; r++) {
    for (int v = 0; v < NV; v++) {
      const __m512 first = c && !f->c_in_chain ? _mm512_add_ps(_mm512_loadu_ps(c + 16 * v), acc[r][v]) : acc[r][v];
      _mm512_storeu_ps(z + (i0 + r) * rs_z + j0 + 16 * v, first);
    }
  }
  sum2_chain(R, NV, s, i0, j0, NULL, acc, &ahead, look);
  if (look) lab_lookahead_give(la, &ahead);
  for (int r = 0; r < R; r++) {
    for (int v = 0; v < NV; v++) {
      float *row = z + (i0 + r) * rs_z + j0 + 16 * v;
      _mm512_storeu_ps(row, _mm512_add_ps(_mm512_loadu_ps(row), acc[r][v]));
    }
  }
}

/* A tile, its loops taking the lookahead's lines only where it has some left. */
static inline AVX512 __attribute__((always_inline)) void sum2_tile(const int R, const int NV, const lab_sum2_first *f,
                                                                   const lab_sum2_product *s, int64_t i0, int64_t j0,
                                                                   float *z, int64_t rs_z, lab_lookahead *la) {
  if (lab_lookahead_pending(la)) sum2_tile_run(R, NV, f, s, i0, j0, z, rs_z, la, 1);
  else sum2_tile_run(R, NV, f, s, i0, j0, z, rs_z, la, 0);
}

/* A row panel of R rows from i0, all of Z's columns: 80 at a time, then the 16-48 left; a panel
 * of more than SUM2_MR_WIDE rows is one tile (Z 16 or 32 columns wide). */
static inline AVX512 __attribute__((always_inline)) void sum2_panel(const int R, int64_t n, const lab_sum2_first *f,
                                                                    const lab_sum2_product *s, int64_t i0, float *z,
                                                                    int64_t rs_z, lab_lookahead *la) {
  if (R > SUM2_MR_WIDE) {
    if (n == 32) sum2_tile(R, 2, f, s, i0, 0, z, rs_z, la);
    else sum2_tile(R, 1, f, s, i0, 0, z, rs_z, la);
    return;
  }
  int64_t j0 = 0;
  for (; j0 + 16 * SUM2_NV_MAX <= n; j0 += 16 * SUM2_NV_MAX) sum2_tile(R, SUM2_NV_MAX, f, s, i0, j0, z, rs_z, la);
  switch ((n - j0) / 16) {
    case 1: sum2_tile(R, 1, f, s, i0, j0, z, rs_z, la); break;
    case 2: sum2_tile(R, 2, f, s, i0, j0, z, rs_z, la); break;
    case 3: sum2_tile(R, 3, f, s, i0, j0, z, rs_z, la); break;
    case 4: sum2_tile(R, 4, f, s, i0, j0, z, rs_z, la); break;
    default: break;
  }
}

/* Rows in panels of MR, the last ones (fewer than MR) one instance per count so the loops unroll. */
static inline AVX512 __attribute__((always_inline)) void sum2_panels(const int MR, int64_t m, int64_t n,
                                                                     const lab_sum2_first *f, const lab_sum2_product *s,
                                                                     float *z, int64_t rs_z, lab_lookahead *la) {
  int64_t i0 = 0;
  for (; i0 + MR <= m; i0 += MR) sum2_panel(MR, n, f, s, i0, z, rs_z, la);
  switch (m - i0) {
#define SUM2_EDGE(R) \
  case R:            \
    if (R < MR) sum2_panel(R < MR ? R : 1, n, f, s, i0, z, rs_z, la); \
    break;
    SUM2_EDGE(1) SUM2_EDGE(2) SUM2_EDGE(3) SUM2_EDGE(4) SUM2_EDGE(5)
#undef SUM2_EDGE
    default: break;
  }
}

/* The panel height for a Z n columns wide. */
static int sum2_mr(int64_t n) { return n > 32 ? SUM2_MR_WIDE : SUM2_MR_NARROW; }

static AVX512 void sum2_rows(int64_t m, int64_t n, const lab_sum2_first *f, const lab_sum2_product *s, float *z,
                             int64_t rs_z, lab_lookahead *la) {
  if (sum2_mr(n) == SUM2_MR_WIDE) sum2_panels(SUM2_MR_WIDE, m, n, f, s, z, rs_z, la);
  else sum2_panels(SUM2_MR_NARROW, m, n, f, s, z, rs_z, la);
}

typedef struct sum2_task {
  int64_t m, n;
  lab_sum2_first f;
  lab_sum2_product s;
  float *z;
  int64_t rs_z;
} sum2_task;

static void *sum2_task_run(void *arg) {
  const sum2_task *t = arg;
  sum2_rows(t->m, t->n, &t->f, &t->s, t->z, t->rs_z, NULL);
  return NULL;
}

void lab_gemm_sum2_avx512_f32(int64_t m, int64_t n, const lab_sum2_first *first, const lab_sum2_product *second,
                              float *z, int64_t rs_z, int threads, lab_lookahead *la) {
  const int mr = sum2_mr(n);
  threads = lab_threads_for(threads, (m + mr - 1) / mr);
  if (threads == 1) {
    sum2_rows(m, n, first, second, z, rs_z, la);
    return;
  }
  sum2_task tasks[LAB_MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    int64_t begin, end;
    lab_thread_range(m, mr, threads, t, &begin, &end);
    lab_sum2_first f = *first;
    lab_sum2_product s = *second;
    f.product.a += begin * f.product.rs_a;
    s.a += begin * s.rs_a;
    tasks[t] = (sum2_task){end - begin, n, f, s, z + begin * rs_z, rs_z};
  }
  lab_run_tasks(sum2_task_run, tasks, sizeof tasks[0], threads);
}
#endif
