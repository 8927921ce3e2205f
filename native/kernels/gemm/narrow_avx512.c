/*
 * Float32 products with a narrow Z (at most 28 columns) on AVX-512, with contiguous rows or
 * columns of op(A): the 20-wide LSTM layers' input gradients dz·Wᵀ (1280 × 80 · 80 × 20 in
 * quadratics meta-training, 15,910 × 80 · 80 × 20 in MNIST's) and a 20-wide layer's weight
 * gradient xᵀ·dy (mnist_step's 784 × 128 · 128 × 20). The blocked driver spends a 32-column tile
 * on such a Z, 20 of its lanes used, and copies the tile out; its transposed form gathers op(A)'s
 * columns for every panel.
 *
 * Here the vectors run down Z's columns instead: each multiply-add takes 16 rows of one column
 * of op(A) and one element of op(B) broadcast from memory. A column-major op(A) already holds
 * those vectors (read in place); a row-major one has 32 of its rows transposed in registers (16 ×
 * 16 blocks, whole ones half by the loads) into k vectors, twice. For J columns at a time (J ≤ 14, n split in at most two
 * passes): 2 × J accumulators, 2 + J loads for 2 × J multiply-adds, no lane wasted. The
 * accumulators, 16 rows × J columns each, go back to Z's rows through the same transpose and
 * masked stores. Measured against the driver: narrow_avx512.h.
 *
 * Every element is still one fused multiply-add chain over p = 0 … k − 1 from 0, scaled by alpha,
 * then added to Z when accumulating: what the driver's micro-kernel computes for k ≤ its KC, so
 * results keep their bits whichever of the two runs a product (or a block of its rows).
 */
#include "narrow_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stddef.h>

#include "../runtime.h"

#define AVX512 __attribute__((target("avx512f")))
/* columns one pass holds: 2 × 14 accumulators, with the two A vectors, in 32 registers */
#define NARROW_J_MAX 14

/* Transposes the 16 × 16 block r (row i in r[i]) in place: r[j] becomes column j. */
static inline AVX512 __attribute__((always_inline)) void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
    const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  /* r[4q + s] now holds in its 128-bit lane L rows 4q … 4q + 3 of column 4L + s: column 4L + s
   * is lane L of r[s], r[4 + s], r[8 + s] and r[12 + s], gathered by the last step. */
  for (int s = 0; s < 4; s++) {
    const __m512 ab0 = _mm512_shuffle_f32x4(r[s], r[4 + s], 0x88), ab1 = _mm512_shuffle_f32x4(r[s], r[4 + s], 0xdd);
    const __m512 cd0 = _mm512_shuffle_f32x4(r[8 + s], r[12 + s], 0x88),
                 cd1 = _mm512_shuffle_f32x4(r[8 + s], r[12 + s], 0xdd);
    t[s] = _mm512_shuffle_f32x4(ab0, cd0, 0x88);
    t[8 + s] = _mm512_shuffle_f32x4(ab0, cd0, 0xdd);
    t[4 + s] = _mm512_shuffle_f32x4(ab1, cd1, 0x88);
    t[12 + s] = _mm512_shuffle_f32x4(ab1, cd1, 0xdd);
  }
  for (int i = 0; i < 16; i++) r[i] = t[i];
}

/* 16 whole rows of A's 16 columns from a (rows rs_a apart) as the column vectors at[0 … 15]: the
 * first step of transpose16 done by the loads, which put the same four columns of rows r, r + 4,
 * r + 8 and r + 12 in one vector (three of them by inserts, which the second ALU port may take),
 * then each 128-bit lane transposed as a 4 × 4 block. Half transpose16's shuffles, all of which
 * only the port of the second multiply-adder runs: 16.3 against 28-30 ns a block (the LSTM's
 * 1,280 × 80 dz). */
static inline AVX512 __attribute__((always_inline)) void transpose_block_by_loads(const float *a, int64_t rs_a,
                                                                                  float *at) {
  /* v[q][r], lane L: row 4L + r, columns 4q … 4q + 3; rows r … r + 12 by four pointers, the
   * columns by constant offsets from them (16 row addresses spilled general registers) */
  __m512 v[4][4];
  for (int r = 0; r < 4; r++) {
    const float *row0 = a + r * rs_a, *row4 = row0 + 4 * rs_a, *row8 = row0 + 8 * rs_a, *row12 = row0 + 12 * rs_a;
    for (int q = 0; q < 4; q++) {
      __m512 x = _mm512_castps128_ps512(_mm_loadu_ps(row0 + 4 * q));
      x = _mm512_insertf32x4(x, _mm_loadu_ps(row4 + 4 * q), 1);
      x = _mm512_insertf32x4(x, _mm_loadu_ps(row8 + 4 * q), 2);
      v[q][r] = _mm512_insertf32x4(x, _mm_loadu_ps(row12 + 4 * q), 3);
    }
  }
  /* each lane's 4 × 4 block transposed: column 4q + s, rows 4L … 4L + 3 in lane L */
  for (int q = 0; q < 4; q++) {
    const __m512d t0 = _mm512_castps_pd(_mm512_unpacklo_ps(v[q][0], v[q][1])),
                  t1 = _mm512_castps_pd(_mm512_unpackhi_ps(v[q][0], v[q][1]));
    const __m512d t2 = _mm512_castps_pd(_mm512_unpacklo_ps(v[q][2], v[q][3])),
                  t3 = _mm512_castps_pd(_mm512_unpackhi_ps(v[q][2], v[q][3]));
    float *col = at + 4 * q * 16;
    _mm512_store_ps(col, _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2)));
    _mm512_store_ps(col + 16, _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2)));
    _mm512_store_ps(col + 32, _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3)));
    _mm512_store_ps(col + 48, _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3)));
  }
}

/* `rows` (≤ 16) rows of A, contiguous each, as k column vectors at[p] (lanes past `rows` zero). */
static AVX512 void transpose_rows(const float *a, int64_t rs_a, int64_t rows, int64_t k, float *at) {
  for (int64_t p0 = 0; p0 < k; p0 += 16) {
    const int64_t kk = k - p0 < 16 ? k - p0 : 16;
    if (rows == 16 && kk == 16) {
      transpose_block_by_loads(a + p0, rs_a, at + p0 * 16);
      continue;
    }
    const __mmask16 live = (__mmask16)((1u << kk) - 1);
    __m512 r[16];
    for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_maskz_loadu_ps(live, a + i * rs_a + p0) : _mm512_setzero_ps();
    transpose16(r);
    for (int64_t p = 0; p < kk; p++) _mm512_store_ps(at + (p0 + p) * 16, r[p]);
  }
}

/* acc[j] (j < cols: column j of 16 rows) into Z's rows, times alpha, added to Z when accumulating. */
static AVX512 void store_columns(const __m512 *acc, int cols, int64_t rows, float *z, int64_t rs_z, float alpha,
                                 int accumulate) {
  const __mmask16 live = (__mmask16)((1u << cols) - 1);
  const __m512 scale = _mm512_set1_ps(alpha);
  __m512 r[16];
  for (int j = 0; j < 16; j++) r[j] = j < cols ? _mm512_mul_ps(scale, acc[j]) : _mm512_setzero_ps();
  transpose16(r);
  for (int64_t i = 0; i < rows; i++) {
    float *row = z + i * rs_z;
    const __m512 v = accumulate ? _mm512_add_ps(_mm512_maskz_loadu_ps(live, row), r[i]) : r[i];
    _mm512_mask_storeu_ps(row, live, v);
  }
}

/* J columns of op(B) (element (p, j) at bp[p * ldb + j * cs_b], read in place: a transposed W's
 * columns are 80 floats apart, all of W in L1, and each broadcast is its own load anyway; packing
 * op(B) at every call cost ~5 % of a 768-row call) against the two column sets at0, at1 (vector
 * p at at0 + p * lda); with `look`, taking `la`'s lines as it goes (lookahead.h). */
static inline AVX512 __attribute__((always_inline)) void columns_pass(const int J, int64_t k, const float *at0,
                                                                      const float *at1, int64_t lda, const float *bp,
                                                                      int64_t ldb, int64_t cs_b, __m512 *acc0, __m512 *acc1,
                                                                      lab_lookahead *la, const int look) {
  lab_lookahead_cursor ahead = lab_lookahead_take(la);
  for (int j = 0; j < J; j++) acc0[j] = acc1[j] = _mm512_setzero_ps();
  for (int64_t p = 0; p < k; p++) {
    if (look) lab_lookahead_line(&ahead, p);
    const __m512 a0 = _mm512_loadu_ps(at0 + p * lda), a1 = _mm512_loadu_ps(at1 + p * lda);
    const float *bk = bp + p * ldb;
    for (int j = 0; j < J; j++) {
      const __m512 bj = _mm512_set1_ps(bk[j * cs_b]);
      acc0[j] = _mm512_fmadd_ps(a0, bj, acc0[j]);
      acc1[j] = _mm512_fmadd_ps(a1, bj, acc1[j]);
    }
  }
  if (look) lab_lookahead_give(la, &ahead);
}

/* One pass for a run-time column count: each count its own instance, so the loops unroll and
 * the accumulators stay in registers. */
static AVX512 void columns_pass_n(int cols, int64_t k, const float *at0, const float *at1, int64_t lda,
                                  const float *bp, int64_t ldb, int64_t cs_b, __m512 *acc0, __m512 *acc1,
                                  lab_lookahead *la) {
  const int look = lab_lookahead_pending(la); /* the prefetch steps only in loops that have lines */
  switch (cols + 16 * look) {
#define NARROW_CASE(J)                                                                   \
  case J: columns_pass(J, k, at0, at1, lda, bp, ldb, cs_b, acc0, acc1, la, 0); break; \
  case J + 16: columns_pass(J, k, at0, at1, lda, bp, ldb, cs_b, acc0, acc1, la, 1); break;
    NARROW_CASE(1) NARROW_CASE(2) NARROW_CASE(3) NARROW_CASE(4) NARROW_CASE(5) NARROW_CASE(6) NARROW_CASE(7)
    NARROW_CASE(8) NARROW_CASE(9) NARROW_CASE(10) NARROW_CASE(11) NARROW_CASE(12) NARROW_CASE(13) NARROW_CASE(14)
#undef NARROW_CASE
    default: break;
  }
}

/* `rows` (≤ 16) elements of each of A's k columns (column p at a + p * cs_a, contiguous), as the
 * k vectors at[p] (lanes past `rows` zero). */
static AVX512 void copy_columns(const float *a, int64_t cs_a, int64_t rows, int64_t k, float *at) {
  const __mmask16 live = (__mmask16)((1u << rows) - 1);
  for (int64_t p = 0; p < k; p++) _mm512_store_ps(at + p * 16, _mm512_maskz_loadu_ps(live, a + p * cs_a));
}

/* `rows` (≤ 16) rows of op(A) from its row 0 as k column vectors in `at` (16 apart). */
static AVX512 void gather_columns(const float *a, int64_t rs_a, int64_t cs_a, int64_t rows, int64_t k, float *at) {
  if (rs_a == 1) copy_columns(a, cs_a, rows, k, at);
  else transpose_rows(a, rs_a, rows, k, at);
}

/* One product's op(B) (element (p, j) at bp[p * rs_b + j * cs_b]) and its Z. */
typedef struct narrow_out {
  const float *bp;
  int64_t rs_b, cs_b;
  int64_t n;
  float *z;
  int64_t rs_z;
  float alpha;
  int accumulate;
} narrow_out;

/* Rows [0, m) of each product in outs, 32 at a time; op(A) has contiguous rows (cs_a = 1) or
 * columns (rs_a = 1). Products that share op(A) take each block's column vectors from one
 * transpose: the LSTM's dz₂·Wh₂ᵀ and dz₂·Wx₂ᵀ. */
static AVX512 void narrow_rows(int64_t m, int64_t k, const float *a, int64_t rs_a, int64_t cs_a,
                               const narrow_out *outs, int count, lab_lookahead *la) {
  _Alignas(64) float at[2][LAB_NARROW_AVX512_K_MAX * 16];
  for (int64_t i0 = 0; i0 < m; i0 += 32) {
    const int64_t rows = m - i0 < 32 ? m - i0 : 32;
    const int64_t rows0 = rows < 16 ? rows : 16, rows1 = rows - rows0;
    /* A column-major op(A) (xᵀ of a weight gradient xᵀ·dy) already holds the column vectors: read
     * in place for a whole block of 32 rows; otherwise they are gathered (a partial block) or
     * transposed (row-major op(A)) into `at`. */
    const int in_place = rs_a == 1 && rows == 32;
    const float *at0 = in_place ? a + i0 : at[0], *at1 = in_place ? a + i0 + 16 : at[1];
    const int64_t lda = in_place ? cs_a : 16;
    if (!in_place) {
      gather_columns(a + i0 * rs_a, rs_a, cs_a, rows0, k, at[0]);
      /* with one set of rows the second set is unused: its accumulators are computed from the
       * first set again rather than from memory never written */
      if (rows1 > 0) gather_columns(a + (i0 + 16) * rs_a, rs_a, cs_a, rows1, k, at[1]);
      else at1 = at[0];
    }
    for (int q = 0; q < count; q++) {
      const narrow_out *o = &outs[q];
      /* one pass when the accumulators fit, else two of (nearly) equal width */
      const int first = o->n <= NARROW_J_MAX ? (int)o->n : (int)(o->n + 1) / 2;
      float *z = o->z + i0 * o->rs_z;
      for (int64_t j0 = 0; j0 < o->n; j0 += first) {
        const int cols = (int)(o->n - j0 < first ? o->n - j0 : first);
        __m512 acc0[NARROW_J_MAX], acc1[NARROW_J_MAX];
        columns_pass_n(cols, k, at0, at1, lda, o->bp + j0 * o->cs_b, o->rs_b, o->cs_b, acc0, acc1, la);
        store_columns(acc0, cols, rows0, z + j0, o->rs_z, o->alpha, o->accumulate);
        if (rows1 > 0) store_columns(acc1, cols, rows1, z + 16 * o->rs_z + j0, o->rs_z, o->alpha, o->accumulate);
      }
    }
  }
}

typedef struct narrow_task {
  int64_t m, k;
  const float *a;
  int64_t rs_a, cs_a;
  narrow_out outs[LAB_NARROW_AVX512_PRODUCTS_MAX];
  int count;
} narrow_task;

static void *narrow_task_run(void *arg) {
  const narrow_task *t = arg;
  narrow_rows(t->m, t->k, t->a, t->rs_a, t->cs_a, t->outs, t->count, NULL);
  return NULL;
}

void lab_gemm_narrow_shared_a_avx512_f32(int64_t m, int64_t k, const float *a, int64_t rs_a, int64_t cs_a,
                                         const lab_narrow_product *products, int count, int threads,
                                         lab_lookahead *la) {
  narrow_out outs[LAB_NARROW_AVX512_PRODUCTS_MAX];
  for (int q = 0; q < count; q++) {
    const lab_narrow_product *pr = &products[q];
    outs[q] = (narrow_out){pr->b, pr->rs_b, pr->cs_b, pr->n, pr->z, pr->rs_z, pr->alpha, pr->accumulate};
  }
  threads = lab_threads_for(threads, (m + 31) / 32);
  if (threads == 1) {
    narrow_rows(m, k, a, rs_a, cs_a, outs, count, la);
    return;
  }
  narrow_task tasks[LAB_MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    int64_t begin, end;
    lab_thread_range(m, 32, threads, t, &begin, &end);
    tasks[t] = (narrow_task){end - begin, k, a + begin * rs_a, rs_a, cs_a, {{0}}, count};
    for (int q = 0; q < count; q++) {
      tasks[t].outs[q] = outs[q];
      tasks[t].outs[q].z = outs[q].z + begin * outs[q].rs_z;
    }
  }
  lab_run_tasks(narrow_task_run, tasks, sizeof tasks[0], threads);
}

void lab_gemm_narrow_avx512_f32(int64_t m, int64_t n, int64_t k, const float *a, int64_t rs_a, int64_t cs_a,
                                const float *b, int64_t rs_b, int64_t cs_b, float *z, int64_t rs_z, float alpha,
                                int accumulate, int threads, lab_lookahead *la) {
  const lab_narrow_product product = {b, rs_b, cs_b, n, z, rs_z, alpha, accumulate};
  lab_gemm_narrow_shared_a_avx512_f32(m, k, a, rs_a, cs_a, &product, 1, threads, la);
}
#endif
