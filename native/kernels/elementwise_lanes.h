/*
 * The elementwise ops on one AVX-512 vector of float32 lanes, for the composites compiled to C at
 * run time (elementwise_jit.c generates code that calls these). Each lane computes what the tile
 * interpreter's loop (elementwise_tile.inc) computes for its element, NaN and signed zeros
 * included: max/min keep NaN from their first operand as its `(isnan(a) || a >= b) ? a : b`
 * does, comparisons give 1 or 0, `where` and the logical ops treat NaN as true. The arithmetic
 * is the same IEEE operations, each rounded on its own (the generated code is built with
 * -ffp-contract=off), and exp, sigmoid and tanh are vmath_avx512_lanes.h's, so the bits match.
 */
#ifndef LAB_ELEMENTWISE_LANES_H
#define LAB_ELEMENTWISE_LANES_H

#include "vmath_avx512_lanes.h"

static LAB_AVX512 inline __m512 lab_neg16(__m512 x) {
  return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int32_t)0x80000000u)));
}

/* 1 where the mask is set, else 0. */
static LAB_AVX512 inline __m512 lab_bool16(__mmask16 m) { return _mm512_maskz_mov_ps(m, splat(1.0f)); }

static LAB_AVX512 inline __mmask16 lab_truthy16(__m512 x) { return _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NEQ_UQ); }

static LAB_AVX512 inline __m512 lab_sign16(__m512 x) {
  const __m512 zero = _mm512_setzero_ps();
  const __m512 r = _mm512_mask_mov_ps(x, _mm512_cmp_ps_mask(x, zero, _CMP_GT_OQ), splat(1.0f));
  return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, zero, _CMP_LT_OQ), splat(-1.0f));
}

static LAB_AVX512 inline __m512 lab_max16(__m512 a, __m512 b) {
  const __mmask16 keep_a = _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ) | _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q);
  return _mm512_mask_blend_ps(keep_a, b, a);
}

static LAB_AVX512 inline __m512 lab_min16(__m512 a, __m512 b) {
  const __mmask16 keep_a = _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ) | _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q);
  return _mm512_mask_blend_ps(keep_a, b, a);
}

static LAB_AVX512 inline __m512 lab_where16(__m512 a, __m512 b, __m512 c) {
  return _mm512_mask_blend_ps(lab_truthy16(a), c, b);
}

#define LAB_CMP16(name, predicate)                                            \
  static LAB_AVX512 inline __m512 name(__m512 a, __m512 b) {                  \
    return lab_bool16(_mm512_cmp_ps_mask(a, b, predicate));                   \
  }
LAB_CMP16(lab_lt16, _CMP_LT_OQ)
LAB_CMP16(lab_le16, _CMP_LE_OQ)
LAB_CMP16(lab_gt16, _CMP_GT_OQ)
LAB_CMP16(lab_ge16, _CMP_GE_OQ)
LAB_CMP16(lab_eq16, _CMP_EQ_OQ)
LAB_CMP16(lab_ne16, _CMP_NEQ_UQ)
#undef LAB_CMP16

static LAB_AVX512 inline __m512 lab_and16(__m512 a, __m512 b) { return lab_bool16(lab_truthy16(a) & lab_truthy16(b)); }
static LAB_AVX512 inline __m512 lab_or16(__m512 a, __m512 b) { return lab_bool16(lab_truthy16(a) | lab_truthy16(b)); }
static LAB_AVX512 inline __m512 lab_xor16(__m512 a, __m512 b) { return lab_bool16(lab_truthy16(a) ^ lab_truthy16(b)); }
static LAB_AVX512 inline __m512 lab_not16(__m512 a) { return lab_bool16((__mmask16)~lab_truthy16(a)); }

/* How far ahead of its loads a row walk prefetches a contiguous input (lab_ew_rows_fn's
 * `prefetch`): 512 floats, 2 KiB. MNIST meta-training's backward cell reads five arrays its
 * forward pass saved, from memory, in blocks of a row-block chain between matrix products, where
 * the hardware's prefetcher starts each stream again; 2 KiB ahead took that composite 12 % less
 * time in the meta-iteration. In a harness reading them from memory, 1 KiB ahead did about as
 * well, 4 and 8 KiB ahead no better than none. */
#define LAB_EW_PREFETCH_AHEAD 512

/* How far ahead of its stores a row walk prefetches a contiguous output for writing (`prefetch`
 * as above): 64 floats, 256 bytes. A program past the caches stores its saved arrays into lines
 * last touched a meta-iteration before; each store that misses waits at the head of the store
 * buffer for its line, and the stores behind it wait too. Fetched ahead with the intent to write
 * (PREFETCHW), the line is there and owned when the store comes: MNIST meta-training's forward
 * cell, which stores six arrays a time step, 26.0 → 24.2 ms a meta-iteration, and the meta-iteration
 * 2.0–2.4 % less time (one process, the write prefetches switched on and off between batches, both
 * orders); 32, 128 and 256 floats ahead did the same, the quadratics (in the caches) nothing. */
#define LAB_EW_PREFETCH_WRITE_AHEAD 64

/* The elements each pass of a rows walk in two passes takes at a time (elementwise_codegen.c's
 * rows_passes): the first pass's outputs for 512 of them, 2 KiB each, wait in L1 for the second. */
#define LAB_EW_PASS_BLOCK 512

/* Brings the line `LAB_EW_PREFETCH_AHEAD` floats past row[e] toward L1 (the address is formed as
 * an integer: it may lie past the array's end, which a prefetch ignores). */
static LAB_AVX512 inline void lab_ew_prefetch(const float *row, int64_t e) {
  _mm_prefetch((const char *)((uintptr_t)row + sizeof(float) * (uintptr_t)(e + LAB_EW_PREFETCH_AHEAD)), _MM_HINT_T0);
}

/* Asks for the line `LAB_EW_PREFETCH_WRITE_AHEAD` floats past row[e] for writing (PREFETCHW, as
 * an instruction: every AVX-512 CPU has it, and the composites' target flags need not name it; the
 * address is formed as an integer, and one past the array's end is ignored as for a read). */
static LAB_AVX512 inline void lab_ew_prefetch_write(float *row, int64_t e) {
  __asm__ volatile("prefetchw %0" : : "m"(*(const char *)((uintptr_t)row + sizeof(float) * (uintptr_t)(e + LAB_EW_PREFETCH_WRITE_AHEAD))));
}

/* acc[c] += row[c] in float64 for every c < width, each float widened exactly and added with one
 * rounding: the additions reduce.c's add_rows_f32 makes for that row of a sum over axis 0, so a
 * composite that adds its rows into a reduce's accumulators (lab_ew_rows_fn's `sums`) in row
 * order gives the reduce's bits (NaN payloads aside: which NaN a sum of two keeps is the
 * compiler's choice of operand order, here as in reduce.c). Pieces of 8, 4, 2 and 1 columns, none
 * masked: the next row's loads of acc take their values straight from these stores (a masked
 * store does not forward to a load, which waits for it to reach the cache: with a masked last
 * piece the quadratics' backward cells and their bias gradients took 2.3-2.7 ms a meta-iteration
 * against 2.0 apart). */
static LAB_AVX512 inline void lab_ew_add_row(double *acc, const float *row, int64_t width) {
  int64_t c = 0;
  for (; c + 8 <= width; c += 8) {
    _mm512_storeu_pd(acc + c, _mm512_add_pd(_mm512_loadu_pd(acc + c), _mm512_cvtps_pd(_mm256_loadu_ps(row + c))));
  }
  if (width - c >= 4) {
    _mm256_storeu_pd(acc + c, _mm256_add_pd(_mm256_loadu_pd(acc + c), _mm256_cvtps_pd(_mm_loadu_ps(row + c))));
    c += 4;
  }
  if (width - c >= 2) {
    const __m128 pair = _mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(const void *)(row + c)));
    _mm_storeu_pd(acc + c, _mm_add_pd(_mm_loadu_pd(acc + c), _mm_cvtps_pd(pair)));
    c += 2;
  }
  if (c < width) acc[c] += (double)row[c];
}

#endif /* LAB_ELEMENTWISE_LANES_H */
