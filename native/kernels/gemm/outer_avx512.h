/* Rank-1 products (k = 1) over short contiguous rows with AVX-512 (outer_avx512.c): x86-64 only,
 * for callers that checked the CPU (lab_isa_resolve(rt->isa) == LAB_ISA_AVX512). */
#ifndef LAB_OUTER_AVX512_H
#define LAB_OUTER_AVX512_H

#include <stdint.h>

#if defined(__x86_64__)
#define LAB_HAVE_OUTER_AVX512 1
/* The row widths it takes: at least one vector (so a vector spans at most two rows), at most this. */
#define LAB_OUTER_AVX512_N_MIN 16
#define LAB_OUTER_AVX512_N_MAX 256
/* z[i * n + j] = (alpha * a[i * rs_a]) * b[j] + beta * c[i * n + j] (c NULL: + 0), i < m, j < n,
 * rounded as small.inc's k = 1 rows compute it (alpha·a_i, then its product with b_j, then
 * beta·c_ij added in one fused multiply-add). c may be z. */
void lab_outer_avx512_f32(int64_t m, int64_t n, const float *a, int64_t rs_a, const float *b, const float *c, float *z,
                          float alpha, float beta);
#endif

#endif /* LAB_OUTER_AVX512_H */
