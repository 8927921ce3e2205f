/*
 * Float32 rank-1 products Z = beta·C + alpha·a·bᵀ (k = 1) whose rows are short and contiguous:
 * the L2L output layer's input gradient dy·wᵀ (15,910 × 1 · 1 × 20) added to the LSTM's dh. small.inc
 * runs such a product a row at a time, a vector and a scalar tail for a row of 20 (6.3 µs for one
 * row-block chain's 768 rows). Here Z's rows are one run of elements, 16 at a time across row
 * ends: a vector's lanes take a_i of the row each lies in (two rows at most, n ≥ 16) and b's
 * elements from a copy of b repeated past its end, so that the lanes from column `col` on read it
 * contiguously. Every element is computed as small.inc's compiled code computes it — alpha·a_i
 * rounded, its product with b_j rounded, then beta·c_ij added to that in one fused multiply-add
 * (without C: a_i·b_j + 0 in one) — so a product, or any block of its rows, keeps its bits on
 * either path.
 */
#include "outer_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

AVX512 void lab_outer_avx512_f32(int64_t m, int64_t n, const float *a, int64_t rs_a, const float *b, const float *c,
                                 float *z, float alpha, float beta) {
  float repeated[LAB_OUTER_AVX512_N_MAX + 16];
  for (int64_t j = 0; j < n + 16; j++) repeated[j] = b[j % n];
  const __m512 scale = _mm512_set1_ps(beta);
  const int64_t total = m * n;
  int64_t row = 0, col = 0;
  for (int64_t e = 0; e < total; e += 16) {
    const int take = total - e < 16 ? (int)(total - e) : 16;
    const int in_row = n - col < take ? (int)(n - col) : take; /* lanes in `row`, the rest in row + 1 */
    const __mmask16 live = (__mmask16)((1u << take) - 1);
    __m512 ai = _mm512_set1_ps(alpha * a[row * rs_a]);
    if (in_row < take) {
      const __mmask16 next = (__mmask16)(live & ~((1u << in_row) - 1));
      ai = _mm512_mask_mov_ps(ai, next, _mm512_set1_ps(alpha * a[(row + 1) * rs_a]));
    }
    const __m512 bv = _mm512_loadu_ps(repeated + col);
    /* small.inc's s = beta·c; s += a_i·b, contracted by GCC into fma(beta, c, a_i·b) */
    const __m512 zv = c ? _mm512_fmadd_ps(scale, _mm512_maskz_loadu_ps(live, c + e), _mm512_mul_ps(ai, bv))
                        : _mm512_fmadd_ps(ai, bv, _mm512_setzero_ps());
    _mm512_mask_storeu_ps(z + e, live, zv);
    col += 16;
    if (col >= n) col -= n, row++;
  }
}
#endif
