/* Float32 products with a narrow Z and contiguous rows of op(A) on AVX-512 (narrow_avx512.c):
 * x86-64 only, for callers that checked the CPU (lab_isa_resolve(rt->isa) == LAB_ISA_AVX512). */
#ifndef LAB_NARROW_AVX512_H
#define LAB_NARROW_AVX512_H

#include <stdint.h>

#if defined(__x86_64__)
#define LAB_HAVE_NARROW_AVX512 1
/* The shapes it takes, where it measured faster than the blocked driver (1280 rows, k = 80: n = 4
 * 0.56× the time, 8 0.70×, 14 0.84×, 20 0.89×; n = 24 1.05×; k = 20 0.86×, 128 0.91×, 160 0.98×):
 * Z at most 22 columns wide but not 16 (the driver's half-width panel fits 16 exactly, 1.2× there),
 * k at most 128, within the driver's KC of 256 (one panel of k there too, so both sum every
 * element in the same order). */
#define LAB_NARROW_AVX512_N_MAX 22
#define LAB_NARROW_AVX512_K_MAX 128
/* Whether a product of n columns over k takes it. */
#define LAB_NARROW_AVX512_TAKES(n, k) ((n) <= LAB_NARROW_AVX512_N_MAX && (n) != 16 && (k) <= LAB_NARROW_AVX512_K_MAX)
/* Z (m x n, rows rs_z apart, contiguous columns) = alpha * A·op(B), or Z += that (accumulate),
 * for A's element (i, p) at a[i * rs_a + p] and op(B)'s (p, j) at b[p * rs_b + j * cs_b];
 * n ≤ LAB_NARROW_AVX512_N_MAX, k ≤ LAB_NARROW_AVX512_K_MAX. Every element is the blocked
 * driver's: a fused multiply-add chain over p from 0, times alpha, then added to Z. Splits its
 * rows over `threads` threads (the caller's included). */
void lab_gemm_narrow_avx512_f32(int64_t m, int64_t n, int64_t k, const float *a, int64_t rs_a, const float *b,
                                int64_t rs_b, int64_t cs_b, float *z, int64_t rs_z, float alpha, int accumulate,
                                int threads);
#endif

#endif /* LAB_NARROW_AVX512_H */
