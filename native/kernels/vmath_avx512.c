/*
 * vmath.h's float32 exp, sigmoid and tanh written with AVX-512 intrinsics, 16 lanes a step with a
 * masked tail. The same polynomials and clamps; what GCC could not find in
 * the portable code is the scaling by 2^n: VSCALEFPS multiplies by 2^n in one instruction and
 * handles overflow, underflow and denormal results itself, where the portable code builds two
 * powers of two from integer bit fields (about half of its instructions). Measured on this lab's
 * Xeon, 4,096 elements in L1: exp 0.83 → 0.37 ns an element, sigmoid 1.13 → 0.65, tanh 1.50 →
 * 0.83. Results may differ from the portable versions in the last bit (the polynomials here use
 * fused multiply-adds; the portable code, built as ISO C, rounds every product and sum); both
 * stay within the ulp bounds test/native/elementwise.test.ts checks.
 */
#include "vmath_avx512.h"

#if defined(LAB_HAVE_VMATH_AVX512)
#include <immintrin.h>

#include "vmath.h"

#define AVX512 __attribute__((target("avx512f")))

static AVX512 inline __m512 splat(float v) { return _mm512_set1_ps(v); }

static AVX512 inline __m512 exp16(__m512 x) {
  /* max/min return their second operand when either is NaN: with x second, a NaN passes the clamp
   * and the polynomial and VSCALEFPS keep it (no compare and blend to put it back: exp 4 % and
   * sigmoid 3 % less time, the same bits). */
  const __m512 xc = _mm512_min_ps(splat(LAB_EXP_MAX), _mm512_max_ps(splat(LAB_EXP_MIN), x));
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

/* 1 / (1 + e^-|x|), times e^-|x| for x < 0 (and NaN, which stays NaN), as lab_sigmoidf. -|x| is x
 * with its sign bit set (one instruction, not a mask and a subtraction; exp(-0) = exp(+0)), and the
 * product is a masked multiply rather than a multiply and a blend: 9 % less time, the same bits
 * (a NaN's sign aside). */
static AVX512 inline __m512 sigmoid16(__m512 x) {
  const __m512i sign = _mm512_set1_epi32((int32_t)0x80000000u);
  const __m512 e = exp16(_mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x), sign)));
  const __m512 s = _mm512_div_ps(splat(1.0f), _mm512_add_ps(splat(1.0f), e));
  return _mm512_mask_mul_ps(s, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NGE_UQ), e, s);
}

/* lab_tanhf's two branches: |x| < LAB_TANH_SMALL (a = |x|), and the rest. */
static AVX512 inline __m512 tanh_small16(__m512 a, __m512 x) {
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 p = splat(LAB_TANH_P0);
  p = _mm512_fmadd_ps(p, z, splat(LAB_TANH_P1));
  p = _mm512_fmadd_ps(p, z, splat(LAB_TANH_P2));
  p = _mm512_fmadd_ps(p, z, splat(LAB_TANH_P3));
  p = _mm512_fmadd_ps(p, z, splat(LAB_TANH_P4));
  return _mm512_fmadd_ps(_mm512_mul_ps(a, z), p, a);
}

static AVX512 inline __m512 tanh_large16(__m512 a) {
  const __m512 e = exp16(_mm512_add_ps(a, a));
  return _mm512_sub_ps(splat(1.0f), _mm512_div_ps(splat(2.0f), _mm512_add_ps(e, splat(1.0f))));
}

/* As lab_tanhf, x's sign put on the result (tanh(-0) = -0): each lane takes its branch's value,
 * and a vector computes only the branches its lanes take. In the meta-training benchmarks almost
 * every vector is small only (the LSTM's tanh(g) and tanh(c) early in meta-training: 93 % of them
 * for quadratics, all for MNIST), where e^2|x| and its division are most of tanh's work; computing
 * both for every vector took quadratics 3-9 % and MNIST ~3 % more time. The same bits. */
static AVX512 inline __m512 tanh16(__m512 x) {
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

/* d[i] = f(a[i]): whole vectors, then the tail under a mask (d may be a: each vector is read
 * before it is written). */
#define LAB_VMATH_MAP(name, f16)                                                      \
  AVX512 void name(float *d, const float *a, int64_t n) {                            \
    int64_t i = 0;                                                                    \
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(d + i, f16(_mm512_loadu_ps(a + i))); \
    if (i < n) {                                                                      \
      const __mmask16 tail = (__mmask16)((1u << (n - i)) - 1);                        \
      _mm512_mask_storeu_ps(d + i, tail, f16(_mm512_maskz_loadu_ps(tail, a + i)));    \
    }                                                                                 \
  }

LAB_VMATH_MAP(lab_exp_avx512_f32, exp16)
LAB_VMATH_MAP(lab_sigmoid_avx512_f32, sigmoid16)
LAB_VMATH_MAP(lab_tanh_avx512_f32, tanh16)
#endif
