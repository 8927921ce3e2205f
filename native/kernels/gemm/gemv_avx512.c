/*
 * Matrix-vector products over short rows (k of a few tens), or with a column-major matrix of few
 * rows, sixteen rows at a time: one lane per row, whose products are loaded down the column p by
 * p (gathered when the rows are apart, one vector when a column is contiguous) and summed in
 * order of p. The
 * unpacked path of small.inc computes a dot product per row instead — eight partial sums and a
 * tree for every row, mostly scalar work for a row of 10 or 20 — which left the L2L output
 * layer's h·w (1,280 × 20 · 20) at 6 GFLOP/s and the quadratics' 128 batched 10 × 10 products at
 * 3. Each sum here is the plain left-to-right one (fused multiply-adds): the row products' last
 * bits differ from that path's dot products; a column-major product sums as small.inc does.
 */
#include "gemv_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

AVX512 void lab_gemv_avx512_f32(int64_t m, int64_t k, const float *a, int64_t rs_a, int64_t cs_a, const float *x,
                                int64_t incx, const float *c, int64_t rs_c, float *z, int64_t rs_z, float alpha, float beta) {
  const __m512i rows = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                          _mm512_set1_epi32((int32_t)rs_a));
  for (int64_t i0 = 0; i0 < m; i0 += 16) {
    const int64_t n = m - i0 < 16 ? m - i0 : 16;
    const __mmask16 live = (__mmask16)((1u << n) - 1);
    const float *base = a + i0 * rs_a;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t p = 0; p < k; p++) {
      const __m512 column = rs_a == 1 ? _mm512_maskz_loadu_ps(live, base + p * cs_a)
                                      : _mm512_mask_i32gather_ps(_mm512_setzero_ps(), live, rows, base + p * cs_a, 4);
      acc = _mm512_fmadd_ps(column, _mm512_set1_ps(x[p * incx]), acc);
    }
    float out[16];
    _mm512_storeu_ps(out, _mm512_mul_ps(_mm512_set1_ps(alpha), acc));
    for (int64_t i = 0; i < n; i++) {
      float *zi = z + (i0 + i) * rs_z;
      *zi = c ? beta * c[(i0 + i) * rs_c] + out[i] : out[i];
    }
  }
}
#endif
