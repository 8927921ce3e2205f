/*
 * One element of a 2-d convolution, of its input gradient and of its weight gradient, as plain
 * functions over strided float32/float64 views. The CUDA kernels (native/cuda/conv.cu) run one
 * thread per element through these; the CPU kernel (conv.c) runs them in its direct algorithm,
 * which the tests force — so the index arithmetic the GPU uses is checked where there is no GPU.
 * Semantics: engine/ops/conv.ts (PyTorch's cross-correlation, NCHW x, OIHW w).
 */
#ifndef LAB_CONV_ELEMENT_H
#define LAB_CONV_ELEMENT_H

#include <stdint.h>

#include "../include/lab_kernel.h"

#if defined(__CUDACC__)
#define LAB_ELEMENT __host__ __device__ static inline
#else
#define LAB_ELEMENT static inline
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* A 4-d strided view: element (i0, i1, i2, i3) at data[Σ ik · s[k]] (elements), float32 or float64. */
typedef struct lab_el_view {
  const void *data;
  int32_t dtype;
  int32_t pad;
  int64_t s[4];
} lab_el_view;

LAB_ELEMENT double lab_el_load(const lab_el_view *v, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
  const int64_t at = i0 * v->s[0] + i1 * v->s[1] + i2 * v->s[2] + i3 * v->s[3];
  return v->dtype == LAB_FLOAT64 ? ((const double *)v->data)[at] : (double)((const float *)v->data)[at];
}

/* x [n, c, h, w], w [o, cg, kh, kw], y [n, o, oh, ow]; cg = c / groups, og = o / groups. */
typedef struct lab_conv_geom {
  int64_t n, c, h, w, o, kh, kw, oh, ow, cg, og;
  int64_t sh, sw, ph, pw, dh, dw;
} lab_conv_geom;

/* y[e], e row-major over [n, o, oh, ow]. */
LAB_ELEMENT double lab_conv_forward_at(const lab_conv_geom *g, const lab_el_view *x, const lab_el_view *w, int64_t e) {
  const int64_t j = e % g->ow, i = (e / g->ow) % g->oh, o = (e / (g->ow * g->oh)) % g->o, n = e / (g->ow * g->oh * g->o);
  const int64_t c0 = (o / g->og) * g->cg;
  double acc = 0;
  for (int64_t c = 0; c < g->cg; c++)
    for (int64_t a = 0; a < g->kh; a++) {
      const int64_t hi = i * g->sh - g->ph + a * g->dh;
      if (hi < 0 || hi >= g->h) continue;
      for (int64_t b = 0; b < g->kw; b++) {
        const int64_t wi = j * g->sw - g->pw + b * g->dw;
        if (wi < 0 || wi >= g->w) continue;
        acc += lab_el_load(x, n, c0 + c, hi, wi) * lab_el_load(w, o, c, a, b);
      }
    }
  return acc;
}

/* dx[e], e row-major over [n, c, h, w]: the output positions whose windows cover (hi, wi). */
LAB_ELEMENT double lab_conv_grad_input_at(const lab_conv_geom *g, const lab_el_view *gy, const lab_el_view *w, int64_t e) {
  const int64_t wi = e % g->w, hi = (e / g->w) % g->h, ci = (e / (g->w * g->h)) % g->c, n = e / (g->w * g->h * g->c);
  const int64_t group = ci / g->cg, c = ci - group * g->cg;
  double acc = 0;
  for (int64_t a = 0; a < g->kh; a++) {
    const int64_t th = hi + g->ph - a * g->dh; /* = i * sh for the output row i that reads (hi) */
    if (th < 0 || th % g->sh != 0 || th / g->sh >= g->oh) continue;
    const int64_t i = th / g->sh;
    for (int64_t b = 0; b < g->kw; b++) {
      const int64_t tw = wi + g->pw - b * g->dw;
      if (tw < 0 || tw % g->sw != 0 || tw / g->sw >= g->ow) continue;
      const int64_t j = tw / g->sw;
      for (int64_t k = 0; k < g->og; k++) {
        const int64_t o = group * g->og + k;
        acc += lab_el_load(gy, n, o, i, j) * lab_el_load(w, o, c, a, b);
      }
    }
  }
  return acc;
}

/* dw[e], e row-major over [o, cg, kh, kw]: Σ over images and output positions. */
LAB_ELEMENT double lab_conv_grad_weight_at(const lab_conv_geom *g, const lab_el_view *x, const lab_el_view *gy, int64_t e) {
  const int64_t b = e % g->kw, a = (e / g->kw) % g->kh, c = (e / (g->kw * g->kh)) % g->cg, o = e / (g->kw * g->kh * g->cg);
  const int64_t ci = (o / g->og) * g->cg + c;
  double acc = 0;
  for (int64_t n = 0; n < g->n; n++)
    for (int64_t i = 0; i < g->oh; i++) {
      const int64_t hi = i * g->sh - g->ph + a * g->dh;
      if (hi < 0 || hi >= g->h) continue;
      for (int64_t j = 0; j < g->ow; j++) {
        const int64_t wi = j * g->sw - g->pw + b * g->dw;
        if (wi < 0 || wi >= g->w) continue;
        acc += lab_el_load(gy, n, o, i, j) * lab_el_load(x, n, ci, hi, wi);
      }
    }
  return acc;
}

#ifdef __cplusplus
}
#endif

#endif /* LAB_CONV_ELEMENT_H */
