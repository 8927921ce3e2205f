/*
 * Many short float32 rows copied or added, 16 elements per AVX-512 instruction with a masked
 * tail. The padded im2col and col2im (conv_im2col.inc) move one row per output row and weight
 * position — LeNet's are 14 and 28 elements, 2,800 rows per image in its second layer — and as
 * plain loops (baseline x86-64, a vector of 4 and a scalar remainder) they took a third of the
 * LeNet training step. Adds are the same single float additions as the loops', so the results
 * are identical.
 */
#include "rows_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

AVX512 void lab_rows_copy_avx512_f32(float *dst, int64_t dst_ld, const float *src, int64_t src_ld, int64_t rows, int64_t n) {
  const int64_t whole = n & ~(int64_t)15;
  const __mmask16 tail = (__mmask16)((1u << (n - whole)) - 1);
  for (int64_t r = 0; r < rows; r++, dst += dst_ld, src += src_ld) {
    for (int64_t j = 0; j < whole; j += 16) _mm512_storeu_ps(dst + j, _mm512_loadu_ps(src + j));
    if (tail) _mm512_mask_storeu_ps(dst + whole, tail, _mm512_maskz_loadu_ps(tail, src + whole));
  }
}

AVX512 void lab_rows_add_avx512_f32(float *dst, int64_t dst_ld, const float *src, int64_t src_ld, int64_t rows, int64_t n) {
  const int64_t whole = n & ~(int64_t)15;
  const __mmask16 tail = (__mmask16)((1u << (n - whole)) - 1);
  for (int64_t r = 0; r < rows; r++, dst += dst_ld, src += src_ld) {
    for (int64_t j = 0; j < whole; j += 16) _mm512_storeu_ps(dst + j, _mm512_add_ps(_mm512_loadu_ps(dst + j), _mm512_loadu_ps(src + j)));
    if (tail) {
      const __m512 sum = _mm512_add_ps(_mm512_maskz_loadu_ps(tail, dst + whole), _mm512_maskz_loadu_ps(tail, src + whole));
      _mm512_mask_storeu_ps(dst + whole, tail, sum);
    }
  }
}
#endif
