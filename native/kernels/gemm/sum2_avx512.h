/* Two float32 products summed into one Z on AVX-512 (sum2_avx512.c): x86-64 only, for callers
 * that checked the CPU (lab_isa_resolve(rt->isa) == LAB_ISA_AVX512). */
#ifndef LAB_SUM2_AVX512_H
#define LAB_SUM2_AVX512_H

#include <stdint.h>

#include "../lookahead.h"

#if defined(__x86_64__)
#define LAB_HAVE_SUM2_AVX512 1

/* One product's operands: A's element (i, p) at a[i * rs_a + p] and B's (p, j) at b[p * rs_b + j],
 * over k. */
typedef struct lab_sum2_product {
  const float *a;
  int64_t rs_a;
  const float *b;
  int64_t rs_b;
  int64_t k;
} lab_sum2_product;

/* The first product and the bias row C broadcast down Z (c, or NULL for none), summed as the
 * path it would take alone sums them: the blocked driver's chain of multiply-adds from 0 with C
 * added to its sum, or (c_in_chain) small.inc's small-k rows, where the first term is rounded, C
 * added to it and the chain goes on from there. */
typedef struct lab_sum2_first {
  lab_sum2_product product;
  const float *c;
  int c_in_chain;
} lab_sum2_first;

/* Z (m × n, n a multiple of 16, rows rs_z apart) = (C + A₁·B₁) + A₂·B₂ — x·W + b then += h·U, the
 * LSTM's gates — each element rounded as the two products give it run one after the other with
 * alpha = beta = 1: the first as `first` says, the second one multiply-add chain from 0 added to
 * it as the driver adds to Z in place. Z is written once, not written, read back and written
 * again. On one thread it prefetches `la`'s lines as it goes (NULL: none). */
void lab_gemm_sum2_avx512_f32(int64_t m, int64_t n, const lab_sum2_first *first, const lab_sum2_product *second,
                              float *z, int64_t rs_z, int threads, lab_lookahead *la);
#endif

#endif /* LAB_SUM2_AVX512_H */
