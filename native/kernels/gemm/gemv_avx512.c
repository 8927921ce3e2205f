/*
 * Float32 matrix-vector products on AVX-512, two shapes the blocked driver serves badly:
 * - rows of k ≤ 32 contiguous elements (the L2L output layer's h·w, 15,910 × 20 · 20; the
 *   quadratics' 128 batched 10 × 10 W_b·θ_b): one dot product a row, the row loaded as one or two
 *   vectors (the second masked) and summed by AVX-512's reduction tree. Sixteen rows a vector with
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

static AVX512 void gemv_rows_f32(int64_t m, int64_t k, const float *a, int64_t rs_a, const float *x, int64_t incx,
                                 const float *c, int64_t rs_c, float *z, int64_t rs_z, float alpha, float beta) {
  float w[32] = {0};
  for (int64_t p = 0; p < k; p++) w[p] = x[p * incx];
  const __mmask16 first = (__mmask16)(k >= 16 ? 0xffffu : (1u << k) - 1);
  const __mmask16 second = (__mmask16)(k > 16 ? (1u << (k - 16)) - 1 : 0);
  const __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16);
  for (int64_t i = 0; i < m; i++) {
    const float *row = a + i * rs_a;
    __m512 acc = _mm512_mul_ps(_mm512_maskz_loadu_ps(first, row), w0);
    if (second) acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(second, row + 16), w1, acc);
    const float out = alpha * _mm512_reduce_add_ps(acc);
    z[i * rs_z] = c ? beta * c[i * rs_c] + out : out;
  }
}

static AVX512 void gemv_columns_f32(int64_t m, int64_t k, const float *a, int64_t cs_a, const float *x, int64_t incx,
                                    const float *c, int64_t rs_c, float *z, int64_t rs_z, float alpha, float beta) {
  /* rows 0-15 in acc0, 16-31 in acc1 */
  const __mmask16 live0 = (__mmask16)(m >= 16 ? 0xffffu : (1u << m) - 1);
  const __mmask16 live1 = (__mmask16)(m > 16 ? (1u << (m - 16)) - 1 : 0);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
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
  float out[32];
  _mm512_storeu_ps(out, _mm512_mul_ps(_mm512_set1_ps(alpha), acc0));
  _mm512_storeu_ps(out + 16, _mm512_mul_ps(_mm512_set1_ps(alpha), acc1));
  for (int64_t i = 0; i < m; i++) z[i * rs_z] = c ? beta * c[i * rs_c] + out[i] : out[i];
}

AVX512 void lab_gemv_avx512_f32(int64_t m, int64_t k, const float *a, int64_t rs_a, int64_t cs_a, const float *x,
                                int64_t incx, const float *c, int64_t rs_c, float *z, int64_t rs_z, float alpha, float beta) {
  if (cs_a == 1 && k <= LAB_GEMV_AVX512_ROW_K_MAX) gemv_rows_f32(m, k, a, rs_a, x, incx, c, rs_c, z, rs_z, alpha, beta);
  else gemv_columns_f32(m, k, a, cs_a, x, incx, c, rs_c, z, rs_z, alpha, beta);
}
#endif
