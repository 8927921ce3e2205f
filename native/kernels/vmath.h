/*
 * Vectorisable float32 exp, log and tanh for the elementwise kernel. glibc's expf/logf/tanhf
 * are scalar calls, and in the lab's composites (sigmoid, tanh, softplus over LSTM gates) they
 * were most of the time; these are branch-free straight-line code that the compiler turns into
 * SIMD loops. The build's -fno-trapping-math is what lets GCC turn their selects (clamps, special
 * values) into blends on AVX2 and SSE: with trapping math it keeps them as branches there and the
 * loops stay scalar (measured: sigmoid 4.5 ns an element on x86-64-v3, 0.65 with the flag; AVX-512
 * masks vectorise either way, 0.42 vs 0.35). No kernel reads the floating-point exception flags.
 * Cephes polynomials; measured at most 1.3 ulp against float64 libm. Special values follow IEEE:
 * exp(-inf) = 0, exp(inf) = inf, log(0) = -inf, log(x < 0) = NaN, NaN propagates; denormal
 * inputs and results are handled.
 */
#ifndef LAB_VMATH_H
#define LAB_VMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float lab_bits_to_float(int32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static inline int32_t lab_float_to_bits(float f) {
  int32_t bits;
  memcpy(&bits, &f, sizeof bits);
  return bits;
}

/* 1.5 · 2^23: adding and subtracting it rounds to the nearest integer (ties to even) for
 * |x| < 2^22, branch-free. */
#define LAB_ROUND_MAGIC 12582912.0f
static inline float lab_round_f32(float x) { return (x + LAB_ROUND_MAGIC) - LAB_ROUND_MAGIC; }

/* Cephes expf: x = n ln2 + r with ln2 in two parts (the first exact in n * LAB_EXP_LN2_HI for
 * |n| < 2^15), e^r by a degree-6 polynomial. Shared with vmath_avx512.c. */
#define LAB_EXP_LOG2E 1.44269504088896341f
#define LAB_EXP_LN2_HI 0.693359375f
#define LAB_EXP_LN2_LO -2.12194440e-4f
#define LAB_EXP_P0 1.9875691500e-4f
#define LAB_EXP_P1 1.3981999507e-3f
#define LAB_EXP_P2 8.3334519073e-3f
#define LAB_EXP_P3 4.1665795894e-2f
#define LAB_EXP_P4 1.6666665459e-1f
#define LAB_EXP_P5 5.0000001201e-1f
/* Beyond these the result is inf or rounds to 0. */
#define LAB_EXP_MIN -104.0f
#define LAB_EXP_MAX 89.0f

static inline float lab_expf(float x) {
  /* Clamp with comparisons (fminf would be a libm call and block vectorisation); beyond these
   * bounds the result is inf or rounds to 0. A NaN becomes -104 here and is put back at the end. */
  const float lo = x > LAB_EXP_MIN ? x : LAB_EXP_MIN;
  const float xc = lo < LAB_EXP_MAX ? lo : LAB_EXP_MAX;
  const float n = lab_round_f32(xc * LAB_EXP_LOG2E);
  /* r = x - n ln2 in two parts so r keeps full precision. */
  const float r = (xc - n * LAB_EXP_LN2_HI) - n * LAB_EXP_LN2_LO;
  float p = LAB_EXP_P0;
  p = p * r + LAB_EXP_P1;
  p = p * r + LAB_EXP_P2;
  p = p * r + LAB_EXP_P3;
  p = p * r + LAB_EXP_P4;
  p = p * r + LAB_EXP_P5;
  const float y = p * r * r + r + 1.0f;
  /* 2^n as two normal powers of two, so results near overflow or in the denormal range are
   * scaled correctly instead of hitting the exponent field's limits. */
  const int32_t ni = (int32_t)n, n1 = ni / 2, n2 = ni - n1;
  const float result = y * lab_bits_to_float((n1 + 127) << 23) * lab_bits_to_float((n2 + 127) << 23);
  return x != x ? x : result;
}

/* Cephes logf: x = m·2^e with m in [sqrt(0.5), sqrt(2)), log(1 + (m − 1)) by a degree-8
 * polynomial, e·ln2 in two parts. Shared with vmath_avx512_lanes.h's log16. */
#define LAB_LOG_MIN_NORMAL 1.17549435e-38f /* below: a denormal, scaled by LAB_LOG_DENORMAL_SCALE */
#define LAB_LOG_DENORMAL_SCALE 8388608.0f  /* 2^23 */
#define LAB_LOG_SQRT_HALF 0.707106781186547524f
#define LAB_LOG_P0 7.0376836292e-2f
#define LAB_LOG_P1 -1.1514610310e-1f
#define LAB_LOG_P2 1.1676998740e-1f
#define LAB_LOG_P3 -1.2420140846e-1f
#define LAB_LOG_P4 1.4249322787e-1f
#define LAB_LOG_P5 -1.6668057665e-1f
#define LAB_LOG_P6 2.0000714765e-1f
#define LAB_LOG_P7 -2.4999993993e-1f
#define LAB_LOG_P8 3.3333331174e-1f

static inline float lab_logf(float x) {
  /* Denormals: scale into the normal range first. */
  const int tiny = x < LAB_LOG_MIN_NORMAL;
  const float xs = tiny ? x * LAB_LOG_DENORMAL_SCALE : x;
  const int32_t bits = lab_float_to_bits(xs);
  /* x = m * 2^e with m in [sqrt(0.5), sqrt(2)). */
  int32_t e = ((bits >> 23) & 0xff) - 126;
  float m = lab_bits_to_float((bits & 0x007fffff) | 0x3f000000); /* in [0.5, 1) */
  const int small = m < LAB_LOG_SQRT_HALF;
  e -= small;
  m = small ? m + m - 1.0f : m - 1.0f;
  const float z = m * m;
  float p = LAB_LOG_P0;
  p = p * m + LAB_LOG_P1;
  p = p * m + LAB_LOG_P2;
  p = p * m + LAB_LOG_P3;
  p = p * m + LAB_LOG_P4;
  p = p * m + LAB_LOG_P5;
  p = p * m + LAB_LOG_P6;
  p = p * m + LAB_LOG_P7;
  p = p * m + LAB_LOG_P8;
  const float fe = (float)e - (tiny ? 23.0f : 0.0f);
  float y = p * m * z - 0.5f * z + m;
  y = y + fe * LAB_EXP_LN2_LO + fe * LAB_EXP_LN2_HI;
  /* Special inputs: 0 -> -inf, negative or NaN -> NaN, +inf -> +inf. */
  y = x == 0.0f ? -INFINITY : y;
  y = x < 0.0f || x != x ? NAN : y;
  return x == INFINITY ? x : y;
}

/* tanh: |x| < LAB_TANH_SMALL by an odd polynomial in x² (no cancellation for small x), else
 * 1 - 2 / (e^{2|x|} + 1). Shared with vmath_avx512.c. */
#define LAB_TANH_SMALL 0.625f
#define LAB_TANH_P0 -5.70498872745e-3f
#define LAB_TANH_P1 2.06390887954e-2f
#define LAB_TANH_P2 -5.37397155531e-2f
#define LAB_TANH_P3 1.33314422036e-1f
#define LAB_TANH_P4 -3.33332819422e-1f

static inline float lab_tanhf(float x) {
  const float a = fabsf(x);
  const float z = x * x;
  float p = LAB_TANH_P0;
  p = p * z + LAB_TANH_P1;
  p = p * z + LAB_TANH_P2;
  p = p * z + LAB_TANH_P3;
  p = p * z + LAB_TANH_P4;
  const float small = copysignf(a + a * z * p, x); /* keeps tanh(-0) = -0 */
  const float large = copysignf(1.0f - 2.0f / (lab_expf(a + a) + 1.0f), x);
  return a < LAB_TANH_SMALL ? small : large; /* NaN: a < LAB_TANH_SMALL is false and large is NaN */
}

/* 1 / (1 + e^-x), stable on both sides: e = e^-|x| never overflows. */
static inline float lab_sigmoidf(float x) {
  const float e = lab_expf(-fabsf(x));
  const float s = 1.0f / (1.0f + e);
  return x >= 0.0f ? s : e * s; /* NaN takes the second branch and stays NaN */
}

/* log(1 + e^x) = max(x, 0) + log1p(e^-|x|), with log1p(u) = log(1 + u) corrected for the
 * rounding of 1 + u (Goldberg's trick), so only the vectorisable log is needed. */
static inline float lab_softplusf(float x) {
  const float u = lab_expf(-fabsf(x));
  const float w = 1.0f + u;
  const float log1p_u = w == 1.0f ? u : lab_logf(w) * (u / (w - 1.0f));
  return (x > 0.0f ? x : 0.0f) + log1p_u;
}

/* x[i] = e^(x[i] - shift) in place, returning the sum (float64). float32 data (`single`) uses
 * lab_expf, which vectorises and is exact enough for a float32 result; float64 uses libm. */
static inline double lab_exp_shifted(double *x, int64_t n, double shift, int single) {
  double sum = 0;
  if (single) {
    for (int64_t i = 0; i < n; i++) x[i] = (double)lab_expf((float)(x[i] - shift));
  } else {
    for (int64_t i = 0; i < n; i++) x[i] = exp(x[i] - shift);
  }
  for (int64_t i = 0; i < n; i++) sum += x[i];
  return sum;
}

#endif /* LAB_VMATH_H */
