/* Matrix-vector products over short rows, or with a column-major matrix of few rows, with AVX-512
 * (gemv_avx512.c): x86-64 only, for callers that checked the CPU
 * (lab_isa_resolve(rt->isa) == LAB_ISA_AVX512). */
#ifndef LAB_GEMV_AVX512_H
#define LAB_GEMV_AVX512_H

#include <stdint.h>

#if defined(__x86_64__)
#define LAB_HAVE_GEMV_AVX512 1
/* The two shapes it takes: contiguous rows (cs_a = 1) of at most this many elements, or a
 * column-major matrix (rs_a = 1) of at most this many rows. */
#define LAB_GEMV_AVX512_ROW_K_MAX 32
#define LAB_GEMV_AVX512_COLUMN_M_MAX 32
/* z[i * rs_z] = alpha * (a row i · x) (+ beta * c[i * rs_c] when c is not NULL), i < m, for
 * element (i, p) of a at a[i * rs_a + p * cs_a] and x[p * incx], p < k, a in one of the two shapes
 * above. */
void lab_gemv_avx512_f32(int64_t m, int64_t k, const float *a, int64_t rs_a, int64_t cs_a, const float *x,
                         int64_t incx, const float *c, int64_t rs_c, float *z, int64_t rs_z, float alpha, float beta);
/* Whether lab_gemv_avx512_f32 sums a k-column matrix (element (i, p) at a[i * rs_a + p * cs_a]) by
 * its columns: a column-major one, its contiguous rows not short enough for the row shape. */
static inline int lab_gemv_avx512_by_columns(int64_t k, int64_t rs_a, int64_t cs_a) {
  return !(cs_a == 1 && k <= LAB_GEMV_AVX512_ROW_K_MAX) && rs_a == 1;
}
/* The column shape's sums in pieces of k (a row-block chain's blocks of a weight gradient hᵀ·dy):
 * acc (LAB_GEMV_AVX512_COLUMN_M_MAX floats, zero before the first piece) += the piece's columns
 * times x, each row's multiply-add chain going on in order of p; then z stored from acc as
 * lab_gemv_avx512_f32 stores it. Pieces in order give the whole product's bits. */
void lab_gemv_columns_add_avx512_f32(int64_t m, int64_t k, const float *a, int64_t cs_a, const float *x,
                                     int64_t incx, float *acc);
void lab_gemv_columns_store_avx512_f32(int64_t m, const float *acc, const float *c, int64_t rs_c, float *z,
                                       int64_t rs_z, float alpha, float beta);
#endif

#endif /* LAB_GEMV_AVX512_H */
