/* Float32 weight gradients xᵀ·dy with an 80-column dy on AVX-512 (wgrad_avx512.c): x86-64 only, for
 * callers that checked the CPU (lab_isa_resolve(rt->isa) == LAB_ISA_AVX512). */
#ifndef LAB_WGRAD_AVX512_H
#define LAB_WGRAD_AVX512_H

#include <stdint.h>

#include "../lookahead.h"

#if defined(__x86_64__)
#define LAB_HAVE_WGRAD_AVX512 1
/* Its shapes: Z of at most this many rows, a multiple of 4, and a multiple of 80 columns. */
#define LAB_WGRAD_AVX512_M_MAX 32

/* Whether an m x n product over k with op(A) column-major (its element (i, p) at a[i + p * cs_a])
 * and B's rows contiguous takes it: the LSTM's weight gradients hᵀ·dz, 20 × 80 over the rows. */
static inline int lab_wgrad_avx512_takes(int64_t m, int64_t n, int column_major_a, int contiguous_b_rows) {
  return column_major_a && contiguous_b_rows && m % 4 == 0 && m <= LAB_WGRAD_AVX512_M_MAX && n % 80 == 0;
}

/* Z (m x n, rows rs_z apart, contiguous columns) = alpha·A·B, or Z += that (accumulate), for A's
 * element (i, p) at a[i + p * cs_a] and B's row p at b + p * rs_b (contiguous), summed in k-pieces
 * of kc as the blocked driver sums them: each element a fused multiply-add chain over a piece's p
 * from 0, times alpha, added to Z after the first piece (and the first too when accumulating).
 * With `prefetch` (a program past the caches) A's columns are prefetched ahead along k. Splits Z's
 * rows over `threads` threads (the caller's included), in tiles of 4; on one, it prefetches `la`'s
 * lines as it goes (NULL: none). */
void lab_gemm_wgrad_avx512_f32(int64_t m, int64_t n, int64_t k, int64_t kc, const float *a, int64_t cs_a,
                               const float *b, int64_t rs_b, float *z, int64_t rs_z, float alpha, int accumulate,
                               int prefetch, int threads, lab_lookahead *la);
#endif

#endif /* LAB_WGRAD_AVX512_H */
