/* Copies and adds of many short float32 rows with AVX-512 (rows_avx512.c): x86-64 only, for
 * callers that checked the CPU (lab_isa_resolve(rt->isa) == LAB_ISA_AVX512). */
#ifndef LAB_ROWS_AVX512_H
#define LAB_ROWS_AVX512_H

#include <stdint.h>

#if defined(__x86_64__)
#define LAB_HAVE_ROWS_AVX512 1
/* dst row r (dst_ld apart) = src row r (src_ld apart), n elements each, for r < rows. */
void lab_rows_copy_avx512_f32(float *dst, int64_t dst_ld, const float *src, int64_t src_ld, int64_t rows, int64_t n);
/* dst row r += src row r. */
void lab_rows_add_avx512_f32(float *dst, int64_t dst_ld, const float *src, int64_t src_ld, int64_t rows, int64_t n);
#endif

#endif /* LAB_ROWS_AVX512_H */
