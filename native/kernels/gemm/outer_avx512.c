/*
 * Float32 rank-1 products Z = beta·C + alpha·a·bᵀ (k = 1) whose rows are short and contiguous:
 * the L2L output layer's input gradient dy·wᵀ (15,910 × 1 · 1 × 20) added to the LSTM's dh. small.inc
 * runs such a product a row at a time, a vector and a scalar tail for a row of 20 (6.3 µs for one
 * row-block chain's 768 rows). Here Z's rows are one run of elements, 16 at a time across row
 * ends. Where a's rows are adjacent, whole groups of rows that fill whole vectors (4 rows of 20:
 * 5 vectors) take each vector's alpha·a_i by one permute of the group's a and its b_j from a
 * table; the rest (and every row, for other a) is walked vector by vector, each lane taking a_i of
 * the row it lies in (two rows at most, n ≥ 16) and b's elements from a copy of b repeated past
 * its end (the 768 rows in place: 5.7 µs that way alone, 4.4 with the groups; MNIST's 19 such
 * products a meta-iteration 2.03 → 1.56 ms). Every element is computed as small.inc's compiled
 * code computes it — alpha·a_i rounded, its product with b_j rounded, then beta·c_ij added to that
 * in one fused multiply-add (without C: a_i·b_j + 0 in one) — so a product, or any block of its
 * rows, keeps its bits on either path.
 */
#include "outer_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "../common.h"

#define AVX512 __attribute__((target("avx512f")))
/* The most vectors a group of rows may span for the table path (its lane tables: 2 KiB of stack). */
#define OUTER_GROUP_VECTORS_MAX 16

/* One vector of Z from element e on (`take` lanes, across at most two rows): ai is alpha·a_i of
 * each lane's row and bv b_j of its column. small.inc's s = beta·c; s += a_i·b, contracted by GCC
 * into fma(beta, c, a_i·b); without C, a_i·b + 0 in one. */
static inline AVX512 void outer_store(float *z, const float *c, int64_t e, __mmask16 live, __m512 ai, __m512 bv,
                                      __m512 scale) {
  const __m512 zv = c ? _mm512_fmadd_ps(scale, _mm512_maskz_loadu_ps(live, c + e), _mm512_mul_ps(ai, bv))
                      : _mm512_fmadd_ps(ai, bv, _mm512_setzero_ps());
  _mm512_mask_storeu_ps(z + e, live, zv);
}

/* Elements from `from` (a row's first) to the end, 16 at a time across row ends. */
static AVX512 void outer_run(int64_t from, int64_t m, int64_t n, const float *a, int64_t rs_a, const float *b,
                             const float *c, float *z, float alpha, __m512 scale) {
  float repeated[LAB_OUTER_AVX512_N_MAX + 16];
  for (int64_t j = 0; j < n + 16; j++) repeated[j] = b[j % n];
  const int64_t total = m * n;
  int64_t row = from / n, col = 0;
  for (int64_t e = from; e < total; e += 16) {
    const int take = total - e < 16 ? (int)(total - e) : 16;
    const int in_row = n - col < take ? (int)(n - col) : take; /* lanes in `row`, the rest in row + 1 */
    const __mmask16 live = (__mmask16)((1u << take) - 1);
    __m512 ai = _mm512_set1_ps(alpha * a[row * rs_a]);
    if (in_row < take) {
      const __mmask16 next = (__mmask16)(live & ~((1u << in_row) - 1));
      ai = _mm512_mask_mov_ps(ai, next, _mm512_set1_ps(alpha * a[(row + 1) * rs_a]));
    }
    outer_store(z, c, e, live, ai, _mm512_loadu_ps(repeated + col), scale);
    col += 16;
    if (col >= n) col -= n, row++;
  }
}

AVX512 void lab_outer_avx512_f32(int64_t m, int64_t n, const float *a, int64_t rs_a, const float *b, const float *c,
                                 float *z, float alpha, float beta) {
  const __m512 scale = _mm512_set1_ps(beta);
  /* Groups of g rows are whole vectors (g·n a multiple of 16; 4 rows of 20 are 5): each lane's row
   * within the group and column are the same in every group, so a vector's alpha·a_i come from the
   * group's g values by one permute, its b_j from a table. The walk across row ends finishes the
   * last rows (and takes all of them where a's rows are apart or a group spans too many vectors). */
  const int64_t g = 16 / lab_gcd(n, 16), vectors = g * n / 16, groups = rs_a == 1 && vectors <= OUTER_GROUP_VECTORS_MAX ? m / g : 0;
  if (groups > 0) {
    __m512i lane_row[OUTER_GROUP_VECTORS_MAX];
    __m512 lane_b[OUTER_GROUP_VECTORS_MAX];
    for (int64_t v = 0; v < vectors; v++) {
      int32_t rows[16];
      float bs[16];
      for (int l = 0; l < 16; l++) {
        rows[l] = (int32_t)((16 * v + l) / n);
        bs[l] = b[(16 * v + l) % n];
      }
      lane_row[v] = _mm512_loadu_si512(rows);
      lane_b[v] = _mm512_loadu_ps(bs);
    }
    const __m512 alphas = _mm512_set1_ps(alpha);
    const __mmask16 group_lanes = (__mmask16)((1u << g) - 1);
    for (int64_t i = 0; i < groups * g; i += g) {
      const __m512 scaled = _mm512_mul_ps(alphas, _mm512_maskz_loadu_ps(group_lanes, a + i));
      for (int64_t v = 0; v < vectors; v++) {
        outer_store(z, c, i * n + 16 * v, (__mmask16)0xffff, _mm512_permutexvar_ps(lane_row[v], scaled), lane_b[v],
                    scale);
      }
    }
  }
  outer_run(groups * g * n, m, n, a, rs_a, b, c, z, alpha, scale);
}
#endif
