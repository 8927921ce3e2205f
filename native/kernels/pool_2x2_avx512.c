/*
 * 2×2 max pooling at stride 2 and its gradient, float32, rows of unit stride (the usual
 * contiguous planes), 16 windows per AVX-512 instruction. A conv net's rows are short — LeNet's
 * are 14 and 7 windows, under one vector — so the typed loops of pool_loops.inc, which GCC
 * vectorises only over whole vectors, ran them scalar at ~10 cycles a window; here a row's tail
 * is a masked load and store, and each window pair (a, b) is split from the interleaved row with
 * one permute. Same maxima, NaN and tie rules, and bit for bit the same results, as
 * pool_loops.inc's max_pool_2x2_ and max_pool_2x2_grad_ (the tests compare the two); pool.c
 * calls these only where lab_isa_supported(LAB_ISA_AVX512).
 */
#include "pool_2x2_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

/* Lanes 0 … 15 of a row pair's 2·k elements: element 2j in `even` lane j, 2j + 1 in `odd`. */
AVX512 static inline void split_pairs(const float *row, int64_t k, __m512 *even, __m512 *odd) {
  const int64_t n = 2 * k; /* 1 ≤ k ≤ 16 */
  const __mmask16 lo = n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
  const __mmask16 hi = n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : 0;
  const __m512 first = _mm512_maskz_loadu_ps(lo, row), second = _mm512_maskz_loadu_ps(hi, row + 16);
  const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  *even = _mm512_permutex2var_ps(first, evens, second);
  *odd = _mm512_permutex2var_ps(first, odds, second);
}

/* The inverse of split_pairs: writes the 2·k elements (even lane j → 2j, odd lane j → 2j + 1). */
AVX512 static inline void join_pairs(float *row, int64_t k, __m512 even, __m512 odd) {
  const int64_t n = 2 * k;
  const __mmask16 lo = n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
  const __mmask16 hi = n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : 0;
  const __m512i low = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i high = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  _mm512_mask_storeu_ps(row, lo, _mm512_permutex2var_ps(even, low, odd));
  _mm512_mask_storeu_ps(row + 16, hi, _mm512_permutex2var_ps(even, high, odd));
}

#define ROW(t, n, c, a) ((float *)(t)->data + (n) * (t)->strides[0] + (c) * (t)->strides[1] + (a) * (t)->strides[2])

AVX512 void lab_max_pool_2x2_avx512_f32(const lab_pool_geom *g, const lab_tensor *x, lab_tensor *y) {
  for (int64_t n = 0; n < g->n; n++)
    for (int64_t c = 0; c < g->c; c++)
      for (int64_t i = 0; i < g->oh; i++) {
        const float *r0 = ROW(x, n, c, 2 * i), *r1 = r0 + x->strides[2];
        float *yr = ROW(y, n, c, i);
        for (int64_t j = 0; j < g->ow; j += 16) {
          const int64_t k = g->ow - j < 16 ? g->ow - j : 16;
          __m512 a, b, p, q;
          split_pairs(r0 + 2 * j, k, &a, &b);
          split_pairs(r1 + 2 * j, k, &p, &q);
          /* max_ps(u, v) is u > v ? u : v, as pool_loops.inc writes it (signed zeros included). */
          const __m512 m = _mm512_max_ps(_mm512_max_ps(q, p), _mm512_max_ps(b, a));
          const __mmask16 nan = _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(p, q, _CMP_UNORD_Q);
          _mm512_mask_storeu_ps(yr + j, (__mmask16)((1u << k) - 1), _mm512_mask_mov_ps(m, nan, _mm512_set1_ps(__builtin_nanf(""))));
        }
      }
}

/* dy / count, as pool_loops.inc's tie_share_: powers of two exact in float, three through double. */
AVX512 static inline __m512 tie_share(__m512 dy, __m512i count) {
  const __mmask16 two = _mm512_cmpeq_epi32_mask(count, _mm512_set1_epi32(2));
  const __mmask16 three = _mm512_cmpeq_epi32_mask(count, _mm512_set1_epi32(3));
  const __mmask16 four = _mm512_cmpeq_epi32_mask(count, _mm512_set1_epi32(4));
  __m512 share = _mm512_mask_mul_ps(dy, two, dy, _mm512_set1_ps(0.5f));
  share = _mm512_mask_mul_ps(share, four, dy, _mm512_set1_ps(0.25f));
  if (!three) return share; /* three-way ties are rare: skip the division */
  const __m512d third = _mm512_set1_pd(3.0);
  const __m256 lo = _mm512_cvtpd_ps(_mm512_div_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(dy)), third));
  const __m256 hi = _mm512_cvtpd_ps(_mm512_div_pd(
      _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(dy), 1))), third));
  const __m512 thirds = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1));
  return _mm512_mask_mov_ps(share, three, thirds);
}

AVX512 void lab_max_pool_2x2_grad_avx512_f32(const lab_pool_geom *g, const lab_tensor *x, const lab_tensor *y, const lab_tensor *dy,
                                             lab_tensor *dx) {
  const __m512i one = _mm512_set1_epi32(1);
  for (int64_t n = 0; n < g->n; n++)
    for (int64_t c = 0; c < g->c; c++)
      for (int64_t i = 0; i < g->oh; i++) {
        const float *r0 = ROW(x, n, c, 2 * i), *r1 = r0 + x->strides[2];
        float *d0 = ROW(dx, n, c, 2 * i), *d1 = d0 + dx->strides[2];
        const float *yr = ROW(y, n, c, i), *gr = ROW(dy, n, c, i);
        for (int64_t j = 0; j < g->ow; j += 16) {
          const int64_t k = g->ow - j < 16 ? g->ow - j : 16;
          const __mmask16 lanes = (__mmask16)((1u << k) - 1);
          __m512 a, b, p, q;
          split_pairs(r0 + 2 * j, k, &a, &b);
          split_pairs(r1 + 2 * j, k, &p, &q);
          const __m512 m = _mm512_maskz_loadu_ps(lanes, yr + j);
          /* ordered equality, as C's ==: a NaN maximum has no ties and passes no gradient */
          const __mmask16 ha = _mm512_cmp_ps_mask(a, m, _CMP_EQ_OQ), hb = _mm512_cmp_ps_mask(b, m, _CMP_EQ_OQ);
          const __mmask16 hp = _mm512_cmp_ps_mask(p, m, _CMP_EQ_OQ), hq = _mm512_cmp_ps_mask(q, m, _CMP_EQ_OQ);
          const __m512i count = _mm512_add_epi32(_mm512_add_epi32(_mm512_maskz_mov_epi32(ha, one), _mm512_maskz_mov_epi32(hb, one)),
                                                 _mm512_add_epi32(_mm512_maskz_mov_epi32(hp, one), _mm512_maskz_mov_epi32(hq, one)));
          const __m512 share = tie_share(_mm512_maskz_loadu_ps(lanes, gr + j), count);
          join_pairs(d0 + 2 * j, k, _mm512_maskz_mov_ps(ha, share), _mm512_maskz_mov_ps(hb, share));
          join_pairs(d1 + 2 * j, k, _mm512_maskz_mov_ps(hp, share), _mm512_maskz_mov_ps(hq, share));
        }
      }
}

#undef ROW
#endif
