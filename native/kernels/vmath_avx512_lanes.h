/*
 * vmath.h's float32 exp, log, sigmoid and tanh on one AVX-512 vector of 16 lanes, as static inline
 * functions: vmath_avx512.c maps them over arrays, and the elementwise composites compiled at
 * run time (elementwise_jit.c) include this header so that their lanes compute the same bits as
 * the tile interpreter's array loops. Needs an AVX-512 CPU; the caller checks.
 */
#ifndef LAB_VMATH_AVX512_LANES_H
#define LAB_VMATH_AVX512_LANES_H

#include <immintrin.h>

#include "vmath.h"

#define LAB_AVX512 __attribute__((target("avx512f")))

static LAB_AVX512 inline __m512 splat(float v) { return _mm512_set1_ps(v); }

/* e^xc for xc already clamped to [LAB_EXP_MIN, LAB_EXP_MAX] (or NaN, which the polynomial and
 * VSCALEFPS keep). */
static LAB_AVX512 inline __m512 exp16_clamped(__m512 xc) {
  const __m512 magic = splat(LAB_ROUND_MAGIC); /* rounds to the nearest integer, as lab_round_f32 */
  const __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(xc, splat(LAB_EXP_LOG2E), magic), magic);
  __m512 r = _mm512_fnmadd_ps(n, splat(LAB_EXP_LN2_HI), xc);
  r = _mm512_fnmadd_ps(n, splat(LAB_EXP_LN2_LO), r);
  __m512 p = splat(LAB_EXP_P0);
  p = _mm512_fmadd_ps(p, r, splat(LAB_EXP_P1));
  p = _mm512_fmadd_ps(p, r, splat(LAB_EXP_P2));
  p = _mm512_fmadd_ps(p, r, splat(LAB_EXP_P3));
  p = _mm512_fmadd_ps(p, r, splat(LAB_EXP_P4));
  p = _mm512_fmadd_ps(p, r, splat(LAB_EXP_P5));
  const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), splat(1.0f));
  return _mm512_scalef_ps(y, n);
}

/* max/min return their second operand when either is NaN: with x second, a NaN passes the clamp
 * (no compare and blend to put it back: exp 4 % and sigmoid 3 % less time, the same bits). A
 * caller whose argument has a known sign clamps only the side it can reach (sigmoid16,
 * tanh_large16): the other bound leaves such an x, and a NaN, as they are. */
static LAB_AVX512 inline __m512 exp16(__m512 x) {
  return exp16_clamped(_mm512_min_ps(splat(LAB_EXP_MAX), _mm512_max_ps(splat(LAB_EXP_MIN), x)));
}

/* lab_logf on 16 lanes: the same operations in the same order, each rounded on its own (the
 * interpreter's loops are built without contraction), selects for its branches. */
static LAB_AVX512 inline __m512 log16(__m512 x) {
  const __mmask16 tiny = _mm512_cmp_ps_mask(x, splat(LAB_LOG_MIN_NORMAL), _CMP_LT_OQ);
  const __m512 xs = _mm512_mask_mul_ps(x, tiny, x, splat(LAB_LOG_DENORMAL_SCALE));
  const __m512i bits = _mm512_castps_si512(xs);
  const __m512i e0 = _mm512_sub_epi32(_mm512_and_si512(_mm512_srli_epi32(bits, 23), _mm512_set1_epi32(0xff)),
                                      _mm512_set1_epi32(126));
  const __m512 m0 = _mm512_castsi512_ps(
      _mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi32(0x007fffff)), _mm512_set1_epi32(0x3f000000)));
  const __mmask16 small = _mm512_cmp_ps_mask(m0, splat(LAB_LOG_SQRT_HALF), _CMP_LT_OQ);
  const __m512i e = _mm512_mask_sub_epi32(e0, small, e0, _mm512_set1_epi32(1));
  const __m512 m = _mm512_sub_ps(_mm512_mask_add_ps(m0, small, m0, m0), splat(1.0f));
  const __m512 z = _mm512_mul_ps(m, m);
  __m512 p = splat(LAB_LOG_P0);
  p = _mm512_add_ps(_mm512_mul_ps(p, m), splat(LAB_LOG_P1));
  p = _mm512_add_ps(_mm512_mul_ps(p, m), splat(LAB_LOG_P2));
  p = _mm512_add_ps(_mm512_mul_ps(p, m), splat(LAB_LOG_P3));
  p = _mm512_add_ps(_mm512_mul_ps(p, m), splat(LAB_LOG_P4));
  p = _mm512_add_ps(_mm512_mul_ps(p, m), splat(LAB_LOG_P5));
  p = _mm512_add_ps(_mm512_mul_ps(p, m), splat(LAB_LOG_P6));
  p = _mm512_add_ps(_mm512_mul_ps(p, m), splat(LAB_LOG_P7));
  p = _mm512_add_ps(_mm512_mul_ps(p, m), splat(LAB_LOG_P8));
  const __m512 fe = _mm512_sub_ps(_mm512_cvtepi32_ps(e), _mm512_maskz_mov_ps(tiny, splat(23.0f)));
  __m512 y = _mm512_add_ps(_mm512_sub_ps(_mm512_mul_ps(_mm512_mul_ps(p, m), z), _mm512_mul_ps(splat(0.5f), z)), m);
  y = _mm512_add_ps(_mm512_add_ps(y, _mm512_mul_ps(fe, splat(LAB_EXP_LN2_LO))), _mm512_mul_ps(fe, splat(LAB_EXP_LN2_HI)));
  /* 0 → -inf; negative or NaN → NaN; +inf → +inf */
  y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_OQ), splat(-INFINITY));
  y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NGE_UQ), splat(NAN));
  return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, splat(INFINITY), _CMP_EQ_OQ), x);
}

/* 1 / (1 + e^-|x|), times e^-|x| for x < 0 (and NaN, which stays NaN), as lab_sigmoidf. -|x| is x
 * with its sign bit set (one instruction, not a mask and a subtraction; exp(-0) = exp(+0)), and the
 * product is a masked multiply rather than a multiply and a blend: 9 % less time, the same bits
 * (a NaN's sign aside). -|x| ≤ 0 needs only exp's lower clamp: one operation of about 21 fewer on
 * the ports that bound the LSTM cell, the same bits. */
static LAB_AVX512 inline __m512 sigmoid16(__m512 x) {
  const __m512i sign = _mm512_set1_epi32((int32_t)0x80000000u);
  const __m512 e = exp16_clamped(_mm512_max_ps(splat(LAB_EXP_MIN), _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x), sign))));
  const __m512 s = _mm512_div_ps(splat(1.0f), _mm512_add_ps(splat(1.0f), e));
  return _mm512_mask_mul_ps(s, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NGE_UQ), e, s);
}

/* lab_tanhf's two branches: |x| < LAB_TANH_SMALL (a = |x|), and the rest (2a ≥ 1.25 there: only
 * exp's upper clamp). */
static LAB_AVX512 inline __m512 tanh_small16(__m512 a, __m512 x) {
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 p = splat(LAB_TANH_P0);
  p = _mm512_fmadd_ps(p, z, splat(LAB_TANH_P1));
  p = _mm512_fmadd_ps(p, z, splat(LAB_TANH_P2));
  p = _mm512_fmadd_ps(p, z, splat(LAB_TANH_P3));
  p = _mm512_fmadd_ps(p, z, splat(LAB_TANH_P4));
  return _mm512_fmadd_ps(_mm512_mul_ps(a, z), p, a);
}

static LAB_AVX512 inline __m512 tanh_large16(__m512 a) {
  const __m512 e = exp16_clamped(_mm512_min_ps(splat(LAB_EXP_MAX), _mm512_add_ps(a, a)));
  return _mm512_sub_ps(splat(1.0f), _mm512_div_ps(splat(2.0f), _mm512_add_ps(e, splat(1.0f))));
}

/* As lab_tanhf, x's sign put on the result (tanh(-0) = -0): each lane takes its branch's value,
 * and a vector computes only the branches its lanes take. In the meta-training benchmarks almost
 * every vector is small only (the LSTM's tanh(g) and tanh(c) early in meta-training: 93 % of them
 * for quadratics, all for MNIST), where e^2|x| and its division are most of tanh's work; computing
 * both for every vector took quadratics 3-9 % and MNIST ~3 % more time. The same bits. */
static LAB_AVX512 inline __m512 tanh16(__m512 x) {
  const __m512 a = _mm512_abs_ps(x);
  const __mmask16 small = _mm512_cmp_ps_mask(a, splat(LAB_TANH_SMALL), _CMP_LT_OQ);
  const __m512 magnitude = small == 0 ? tanh_large16(a)
                           : small == 0xffff ? tanh_small16(a, x)
                                             : _mm512_mask_mov_ps(tanh_large16(a), small, tanh_small16(a, x));
  /* Bitwise select, sign bit from x and the rest from the magnitude (0xd8: C ? B : A). */
  const __m512i sign = _mm512_set1_epi32((int32_t)0x80000000u);
  return _mm512_castsi512_ps(
      _mm512_ternarylogic_epi32(_mm512_castps_si512(magnitude), _mm512_castps_si512(x), sign, 0xd8));
}

#endif /* LAB_VMATH_AVX512_LANES_H */
