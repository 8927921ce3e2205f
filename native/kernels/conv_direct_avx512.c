/*
 * A float32 convolution straight from the zero-padded image, no column matrix: a register tile
 * of 8 output channels × 3 output rows × 16 output columns (24 accumulators) takes, per weight
 * tap, 3 row loads from the padded image and 8 weight broadcasts into 24 multiply-adds. The
 * im2col + GEMM route first copies every input element kh·kw times into the column matrix and
 * then multiplies with an 8- or 16-row weight matrix, a shape the GEMM's 16-row tiles half fill;
 * LeNet's convolutions (1 → 8 and 8 → 16 channels, 28- and 14-wide rows) and their input
 * gradients spent half of the training step there.
 *
 * Summation order: for each output element, the taps in (c, a, b) order, one fused multiply-add
 * each — the order of the im2col + GEMM path's micro-kernels, so a forward pass gives the same
 * bits; an input gradient (conv.c runs it as a convolution of dy) sums channels and taps in one
 * pass where the GEMM path summed channels and col2im then added taps: it rounds differently.
 */
#include "conv_direct_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))
#define OB LAB_CONV_DIRECT_CHANNELS

/* The tile at output rows i0 … i0 + 3, columns j0 … j0 + 16 (lanes past `cols` masked off),
 * channels o0 … o0 + no (no ≤ OB; the weights of the rest of the OB are zero and not stored).
 * Rows past the last (rows < 3) repeat row i0's input and are not stored. The 24 accumulators
 * are named variables: as an array GCC kept them in memory, a store per multiply-add. */
#define TILE_ROW(r) __m512 a##r##0 = z, a##r##1 = z, a##r##2 = z, a##r##3 = z, a##r##4 = z, a##r##5 = z, a##r##6 = z, a##r##7 = z
#define TILE_FMA(o)                                \
  do {                                             \
    const __m512 wo = _mm512_set1_ps(w_tap[o]);    \
    a0##o = _mm512_fmadd_ps(wo, x0, a0##o);        \
    a1##o = _mm512_fmadd_ps(wo, x1, a1##o);        \
    a2##o = _mm512_fmadd_ps(wo, x2, a2##o);        \
  } while (0)
#define TILE_STORE(r, o) \
  if (o < no && r < rows) _mm512_mask_storeu_ps(out + (o0 + o) * plane + (i0 + r) * row + j0, cols, a##r##o)
#define TILE_STORE_ROW(r) \
  TILE_STORE(r, 0); TILE_STORE(r, 1); TILE_STORE(r, 2); TILE_STORE(r, 3); \
  TILE_STORE(r, 4); TILE_STORE(r, 5); TILE_STORE(r, 6); TILE_STORE(r, 7)

static inline __attribute__((always_inline)) AVX512 void tile(const lab_conv_direct_shape *s, const float *pad,
                                                             const float *wt, int64_t ldw, float *out, int64_t plane,
                                                             int64_t row, int64_t o0, int no, int64_t i0, int rows,
                                                             int64_t j0, __mmask16 cols) {
  const __m512 z = _mm512_setzero_ps();
  TILE_ROW(0);
  TILE_ROW(1);
  TILE_ROW(2);
  const int64_t taps_per_channel = s->kh * s->kw, step = s->sh * s->wp;
  const int64_t r1 = rows > 1 ? step : 0, r2 = rows > 2 ? 2 * step : 0;
  for (int64_t c = 0; c < s->channels; c++) {
    const float *plane_in = pad + c * s->hp * s->wp + j0;
    const float *w_c = wt + c * taps_per_channel * ldw + o0;
    for (int64_t a = 0; a < s->kh; a++) {
      const float *in0 = plane_in + (i0 * s->sh + a * s->dh) * s->wp;
      const float *w_a = w_c + a * s->kw * ldw;
      for (int64_t b = 0; b < s->kw; b++) {
        const float *w_tap = w_a + b * ldw, *in = in0 + b * s->dw;
        const __m512 x0 = _mm512_maskz_loadu_ps(cols, in), x1 = _mm512_maskz_loadu_ps(cols, in + r1),
                     x2 = _mm512_maskz_loadu_ps(cols, in + r2);
        TILE_FMA(0);
        TILE_FMA(1);
        TILE_FMA(2);
        TILE_FMA(3);
        TILE_FMA(4);
        TILE_FMA(5);
        TILE_FMA(6);
        TILE_FMA(7);
      }
    }
  }
  TILE_STORE_ROW(0);
  TILE_STORE_ROW(1);
  TILE_STORE_ROW(2);
}

AVX512 void lab_conv_direct_avx512_f32(const lab_conv_direct_shape *s, const float *pad, const float *wt, int64_t ldw,
                                       float *out, int64_t plane, int64_t row) {
  for (int64_t o0 = 0; o0 < s->outputs; o0 += OB) {
    const int no = s->outputs - o0 < OB ? (int)(s->outputs - o0) : OB;
    for (int64_t j0 = 0; j0 < s->ow; j0 += 16) {
      const int64_t left = s->ow - j0;
      const __mmask16 cols = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
      for (int64_t i0 = 0; i0 < s->oh; i0 += 3) {
        const int rows = s->oh - i0 < 3 ? (int)(s->oh - i0) : 3;
        tile(s, pad, wt, ldw, out, plane, row, o0, no, i0, rows, j0, cols);
      }
    }
  }
}
#endif
