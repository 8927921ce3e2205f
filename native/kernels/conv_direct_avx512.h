/* A float32 convolution computed straight from a zero-padded image with AVX-512
 * (conv_direct_avx512.c): x86-64 only, for callers that checked the CPU
 * (lab_isa_resolve(rt->isa) == LAB_ISA_AVX512). conv.c runs the forward pass of column-stride-1
 * convolutions through it, and the input gradient of stride-1 ones (a convolution of dy). */
#ifndef LAB_CONV_DIRECT_AVX512_H
#define LAB_CONV_DIRECT_AVX512_H

#include <stdint.h>

#if defined(__x86_64__)
#define LAB_HAVE_CONV_DIRECT_AVX512 1

/* Output channels per register tile: the packed weights' rows are padded to a multiple of it. */
#define LAB_CONV_DIRECT_CHANNELS 8

/* One image: `channels` input planes of hp × wp (already padded) in, `outputs` planes of
 * oh × ow out; kernel kh × kw with row stride sh and dilations dh, dw; columns step by one. */
typedef struct lab_conv_direct_shape {
  int64_t channels, hp, wp, outputs, oh, ow, kh, kw, sh, dh, dw;
} lab_conv_direct_shape;

/* out[o][i][j] = Σ_{c, a, b} wt[((c·kh + a)·kw + b)·ldw + o] · pad[(c·hp + i·sh + a·dh)·wp + j + b·dw]
 * for o < outputs, i < oh, j < ow; plane o starts at out + o·plane, its rows `row` apart, its
 * columns contiguous. wt holds ldw ≥ outputs (a multiple of LAB_CONV_DIRECT_CHANNELS) weights per
 * tap, zero past `outputs`. Every output element is assigned. */
void lab_conv_direct_avx512_f32(const lab_conv_direct_shape *s, const float *pad, const float *wt, int64_t ldw,
                                float *out, int64_t plane, int64_t row);
#endif

#endif /* LAB_CONV_DIRECT_AVX512_H */
