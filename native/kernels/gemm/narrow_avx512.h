/* Float32 products with a narrow Z and contiguous rows or columns of op(A) on AVX-512 (narrow_avx512.c):
 * x86-64 only, for callers that checked the CPU (lab_isa_resolve(rt->isa) == LAB_ISA_AVX512). */
#ifndef LAB_NARROW_AVX512_H
#define LAB_NARROW_AVX512_H

#include <stdint.h>

#include "../lookahead.h"

#if defined(__x86_64__)
#define LAB_HAVE_NARROW_AVX512 1
/* Its limits: Z at most 28 columns wide (two passes of 14 columns' accumulators), k at most the
 * blocked driver's KC (one panel of k there too, so both sum every element in the same order;
 * the transposed rows' storage). */
#define LAB_NARROW_AVX512_N_MAX 28
#define LAB_NARROW_AVX512_K_MAX 256
/* Whether an m x n product over k takes it, where it measured faster than the driver (on this
 * lab's Xeon, the driver's time = 1):
 * - op(A) row-major, its rows transposed in registers: n ≤ 22 but not 16 (the driver's half-width
 *   panel fits 16 columns exactly: 1.21), k ≤ 128. 1,280 rows, k = 80: n = 4 0.56, 8 0.70,
 *   14 0.84, 20 0.89; n = 24 1.05; k = 20 0.86, 128 0.91, 160 0.98;
 * - op(A) column-major (xᵀ of a weight gradient xᵀ·dy), its columns read in place: n ≤ 28 and
 *   k ≤ 128, or k ≤ 256 from 128 rows on. 784 × 128 · 128 × 20 (mnist_step's weight gradient)
 *   0.74, n = 4 0.84, 16 0.73, 28 0.78; k = 256 0.88 (but 1.05-1.25 with 32-96 rows, where the
 *   driver's transposed form packs little). */
static inline int lab_narrow_avx512_takes(int64_t m, int64_t n, int64_t k, int column_major) {
  if (column_major) return n <= LAB_NARROW_AVX512_N_MAX && (k <= 128 || (k <= LAB_NARROW_AVX512_K_MAX && m >= 128));
  return n <= 22 && n != 16 && k <= 128;
}

/* Z (m x n, rows rs_z apart, contiguous columns) = alpha * A·op(B), or Z += that (accumulate),
 * for A's element (i, p) at a[i * rs_a + p * cs_a] with cs_a = 1 or rs_a = 1, and op(B)'s (p, j)
 * at b[p * rs_b + j * cs_b]; n ≤ LAB_NARROW_AVX512_N_MAX, k ≤ LAB_NARROW_AVX512_K_MAX. Every element is the blocked
 * driver's: a fused multiply-add chain over p from 0, times alpha, then added to Z. Splits its
 * rows over `threads` threads (the caller's included); on one, it prefetches `la`'s lines as it
 * goes (NULL: none). */
void lab_gemm_narrow_avx512_f32(int64_t m, int64_t n, int64_t k, const float *a, int64_t rs_a, int64_t cs_a,
                                const float *b, int64_t rs_b, int64_t cs_b, float *z, int64_t rs_z, float alpha,
                                int accumulate, int threads, lab_lookahead *la);

/* One of several products with the same A: op(B)'s (p, j) at b[p * rs_b + j * cs_b], n columns of
 * Z (rows rs_z apart), Z = alpha·A·op(B) or Z += that. */
typedef struct lab_narrow_product {
  const float *b;
  int64_t rs_b, cs_b, n;
  float *z;
  int64_t rs_z;
  float alpha;
  int accumulate;
} lab_narrow_product;
#define LAB_NARROW_AVX512_PRODUCTS_MAX 2

/* `count` (≤ LAB_NARROW_AVX512_PRODUCTS_MAX) products of one A, each as lab_gemm_narrow_avx512_f32
 * computes it (the same bits), A's rows transposed once for all of them. No Z may overlap A, an
 * op(B) or another Z. */
void lab_gemm_narrow_shared_a_avx512_f32(int64_t m, int64_t k, const float *a, int64_t rs_a, int64_t cs_a,
                                         const lab_narrow_product *products, int count, int threads,
                                         lab_lookahead *la);
#endif

#endif /* LAB_NARROW_AVX512_H */
