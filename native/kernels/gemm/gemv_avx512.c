/*
 * Float32 matrix-vector products on AVX-512, two shapes the blocked driver serves badly:
 * - rows of k ≤ 32 contiguous elements (the L2L output layer's h·w, 15,910 × 20 · 20; the
 *   quadratics' 128 batched 10 × 10 W_b·θ_b): one dot product a row, the row loaded as one or two
 *   vectors (the second masked) and summed by _mm512_reduce_add_ps's additions, four rows' trees in
 *   one vector (a row alone spent four shuffles on its 15 additions: the output layer's product
 *   5.0 → 3.5 µs, the quadratics' 6.7 → 5.5). Sixteen rows a vector with
 *   their elements gathered down the columns, as this file did first, costs ~16 cycles a 16-element
 *   gather on this lab's Xeon (its microcode's gather mitigation), five times the contiguous loads:
 *   the output layer's product 27-28 % less time without it.
 * - a column-major matrix of at most 32 rows (the quadratics' W_bᵀ·r_b; the L2L output layer's
 *   weight gradient hᵀ·dy, 20 × 15,910 · 15,910 × 1, which small.inc's column loop ran at 4.5
 *   GFLOP/s, its 20 sums loaded and stored back for every p): sixteen rows a vector, one lane per
 *   row, each column one or two contiguous loads, summed left to right in order of p as small.inc
 *   does.
 * small.inc's unpacked dot products (eight partial sums and a tree for every row, mostly scalar
 * work for a row of 10 or 20) left both at 3-6 GFLOP/s. The row sums round differently from
 * small.inc's and the blocked driver's in the last bits.
 */
#include "gemv_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

/* Row i's sixteen products with x: the row loaded as one or two vectors (the second masked). */
static inline AVX512 __attribute__((always_inline)) __m512 row_products(const float *row, __mmask16 first,
                                                                        __mmask16 second, __m512 w0, __m512 w1) {
  const __m512 acc = _mm512_mul_ps(_mm512_maskz_loadu_ps(first, row), w0);
  return second ? _mm512_fmadd_ps(_mm512_maskz_loadu_ps(second, row + 16), w1, acc) : acc;
}

/* The sums of four rows' products, in lanes 0, 4, 8 and 12: _mm512_reduce_add_ps's additions for
 * each (its upper 256 bits plus its lower, of those the upper 128 plus the lower, then lanes 0 + 2
 * and 1 + 3, then those two), four rows to a vector, so a row costs a quarter of its shuffles. */
static inline AVX512 __attribute__((always_inline)) __m512 four_row_sums(__m512 p0, __m512 p1, __m512 p2, __m512 p3) {
  /* 256-bit halves: row r's eight sums in half r % 2 of s01 (rows 0, 1) and s23 */
  const __m512 s01 = _mm512_add_ps(_mm512_shuffle_f32x4(p0, p1, 0xee), _mm512_shuffle_f32x4(p0, p1, 0x44));
  const __m512 s23 = _mm512_add_ps(_mm512_shuffle_f32x4(p2, p3, 0xee), _mm512_shuffle_f32x4(p2, p3, 0x44));
  /* 128-bit lanes: row r's four sums in lane r */
  const __m512 s = _mm512_add_ps(_mm512_shuffle_f32x4(s01, s23, 0xdd), _mm512_shuffle_f32x4(s01, s23, 0x88));
  const __m512 pairs = _mm512_add_ps(s, _mm512_permute_ps(s, 0x4e));
  return _mm512_add_ps(pairs, _mm512_permute_ps(pairs, 0xb1));
}

static AVX512 void gemv_rows_f32(int64_t m, int64_t k, const float *a, int64_t rs_a, const float *x, int64_t incx,
                                 const float *c, int64_t rs_c, float *z, int64_t rs_z, float alpha, float beta) {
  const __mmask16 first = (__mmask16)(k >= 16 ? 0xffffu : (1u << k) - 1);
  const __mmask16 second = (__mmask16)(k > 16 ? (1u << (k - 16)) - 1 : 0);
  __m512 w0, w1;
  if (incx == 1) {
    /* loaded in place: gathered element by element into an array, its vector load waited for the
     * stores to reach the cache (the quadratics' 128 batched 10 × 10 products, one call each) */
    w0 = _mm512_maskz_loadu_ps(first, x);
    w1 = _mm512_maskz_loadu_ps(second, x + 16);
  } else {
    float w[32] = {0};
    for (int64_t p = 0; p < k; p++) w[p] = x[p * incx];
    w0 = _mm512_loadu_ps(w);
    w1 = _mm512_loadu_ps(w + 16);
  }
  /* four rows at a time; a last group of one to three sums zeros in place of the rows it lacks */
  for (int64_t i = 0; i < m; i += 4) {
    const int rows = m - i < 4 ? (int)(m - i) : 4;
    const float *row = a + i * rs_a;
    __m512 p[4];
    for (int r = 0; r < 4; r++) p[r] = r < rows ? row_products(row + r * rs_a, first, second, w0, w1) : _mm512_setzero_ps();
    _Alignas(64) float sums[16];
    _mm512_store_ps(sums, _mm512_mul_ps(_mm512_set1_ps(alpha), four_row_sums(p[0], p[1], p[2], p[3])));
    for (int r = 0; r < rows; r++) {
      const float out = sums[4 * r];
      z[(i + r) * rs_z] = c ? beta * c[(i + r) * rs_c] + out : out;
    }
  }
}

AVX512 void lab_gemv_columns_add_avx512_f32(int64_t m, int64_t k, const float *a, int64_t cs_a, const float *x,
                                           int64_t incx, float *acc) {
  /* rows 0-15 in acc0, 16-31 in acc1 */
  const __mmask16 live0 = (__mmask16)(m >= 16 ? 0xffffu : (1u << m) - 1);
  const __mmask16 live1 = (__mmask16)(m > 16 ? (1u << (m - 16)) - 1 : 0);
  __m512 acc0 = _mm512_loadu_ps(acc), acc1 = _mm512_loadu_ps(acc + 16);
  if (live1) {
    for (int64_t p = 0; p < k; p++) {
      const __m512 xp = _mm512_set1_ps(x[p * incx]);
      acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + p * cs_a), xp, acc0);
      acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(live1, a + p * cs_a + 16), xp, acc1);
    }
  } else {
    for (int64_t p = 0; p < k; p++) {
      acc0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(live0, a + p * cs_a), _mm512_set1_ps(x[p * incx]), acc0);
    }
  }
  _mm512_storeu_ps(acc, acc0);
  _mm512_storeu_ps(acc + 16, acc1);
}

AVX512 void lab_gemv_columns_store_avx512_f32(int64_t m, const float *acc, const float *c, int64_t rs_c, float *z,
                                             int64_t rs_z, float alpha, float beta) {
  float out[LAB_GEMV_AVX512_COLUMN_M_MAX];
  _mm512_storeu_ps(out, _mm512_mul_ps(_mm512_set1_ps(alpha), _mm512_loadu_ps(acc)));
  _mm512_storeu_ps(out + 16, _mm512_mul_ps(_mm512_set1_ps(alpha), _mm512_loadu_ps(acc + 16)));
  for (int64_t i = 0; i < m; i++) z[i * rs_z] = c ? beta * c[i * rs_c] + out[i] : out[i];
}

AVX512 void lab_gemv_avx512_f32(int64_t m, int64_t k, const float *a, int64_t rs_a, int64_t cs_a, const float *x,
                                int64_t incx, const float *c, int64_t rs_c, float *z, int64_t rs_z, float alpha, float beta) {
  if (cs_a == 1 && k <= LAB_GEMV_AVX512_ROW_K_MAX) gemv_rows_f32(m, k, a, rs_a, x, incx, c, rs_c, z, rs_z, alpha, beta);
  else {
    _Alignas(64) float acc[LAB_GEMV_AVX512_COLUMN_M_MAX] = {0};
    lab_gemv_columns_add_avx512_f32(m, k, a, cs_a, x, incx, acc);
    lab_gemv_columns_store_avx512_f32(m, acc, c, rs_c, z, rs_z, alpha, beta);
  }
}
#endif
