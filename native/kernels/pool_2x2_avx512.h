/* 2×2 stride-2 max pooling and its gradient for float32 rows of unit stride with AVX-512
 * (pool_2x2_avx512.c); x86-64 only, called where lab_isa_supported(LAB_ISA_AVX512). */
#ifndef LAB_POOL_2X2_AVX512_H
#define LAB_POOL_2X2_AVX512_H

#include "../include/lab_kernel.h"
#include "pool_element.h"

#if defined(__x86_64__)
#define LAB_HAVE_POOL_AVX512 1
void lab_max_pool_2x2_avx512_f32(const lab_pool_geom *g, const lab_tensor *x, lab_tensor *y);
void lab_max_pool_2x2_grad_avx512_f32(const lab_pool_geom *g, const lab_tensor *x, const lab_tensor *y, const lab_tensor *dy,
                                      lab_tensor *dx);
#endif

#endif /* LAB_POOL_2X2_AVX512_H */
