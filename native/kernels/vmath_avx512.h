/* float32 exp, sigmoid and tanh over arrays with AVX-512 intrinsics (vmath_avx512.c): x86-64
 * only, for callers that checked the CPU (lab_isa_resolve(rt->isa) == LAB_ISA_AVX512). The
 * elementwise kernel's op loops use them there, and vmath.h's portable versions elsewhere. */
#ifndef LAB_VMATH_AVX512_H
#define LAB_VMATH_AVX512_H

#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LAB_HAVE_VMATH_AVX512 1
/* d[i] = f(a[i]) for i < n; d may be a. */
void lab_exp_avx512_f32(float *d, const float *a, int64_t n);
void lab_sigmoid_avx512_f32(float *d, const float *a, int64_t n);
void lab_tanh_avx512_f32(float *d, const float *a, int64_t n);
#endif

#endif /* LAB_VMATH_AVX512_H */
