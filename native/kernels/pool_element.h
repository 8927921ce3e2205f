/*
 * One element of 2-d max/average pooling and of their gradients, over strided float32/float64
 * views (conv_element.h's lab_el_view). The CPU kernel (pool.c) and the CUDA kernel
 * (native/cuda/pool.cu) both run these, one call per element, so both follow one definition:
 * engine/ops/pool.ts (PyTorch's windows, ceil mode and divisors; ties split evenly). Gradients
 * are gathers (each input element sums over the windows that cover it), so the GPU needs no
 * atomics and the result does not depend on thread order.
 */
#ifndef LAB_POOL_ELEMENT_H
#define LAB_POOL_ELEMENT_H

#include <math.h>

#include "conv_element.h"

#ifdef __cplusplus
extern "C" {
#endif

/* x [n, c, h, w] → y [n, c, oh, ow]. */
typedef struct lab_pool_geom {
  int64_t n, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw;
  int32_t count_include_pad;
  int32_t pad;
} lab_pool_geom;

/* A window along one axis: [start, end) inside the input, `padded` its size counting padding. */
typedef struct lab_pool_span {
  int64_t start, end, padded;
} lab_pool_span;

LAB_ELEMENT lab_pool_span lab_pool_span_of(int64_t out, int64_t k, int64_t s, int64_t p, int64_t size) {
  const int64_t start = out * s - p;
  const int64_t padded_end = start + k < size + p ? start + k : size + p;
  lab_pool_span r;
  r.start = start > 0 ? start : 0;
  r.end = start + k < size ? start + k : size;
  r.padded = padded_end - start;
  return r;
}

/* The outputs along one axis whose windows cover input index `at`: [*lo, *hi]. */
LAB_ELEMENT void lab_pool_covering(int64_t at, int64_t k, int64_t s, int64_t p, int64_t outs, int64_t *lo, int64_t *hi) {
  const int64_t first = at + p - k + 1;
  *lo = first <= 0 ? 0 : (first + s - 1) / s;
  const int64_t last = (at + p) / s;
  *hi = last < outs - 1 ? last : outs - 1;
}

LAB_ELEMENT double lab_pool_divisor(const lab_pool_geom *g, lab_pool_span hs, lab_pool_span ws) {
  return g->count_include_pad ? (double)(hs.padded * ws.padded) : (double)((hs.end - hs.start) * (ws.end - ws.start));
}

/* The window of output (n, c, i, j): its maximum (NaN if any element is NaN) or its average. */
LAB_ELEMENT double lab_pool_forward_at(const lab_pool_geom *g, const lab_el_view *x, int max, int64_t n, int64_t c, int64_t i, int64_t j) {
  const lab_pool_span hs = lab_pool_span_of(i, g->kh, g->sh, g->ph, g->h), ws = lab_pool_span_of(j, g->kw, g->sw, g->pw, g->w);
  double acc = max ? -INFINITY : 0.0;
  for (int64_t a = hs.start; a < hs.end; a++)
    for (int64_t b = ws.start; b < ws.end; b++) {
      const double v = lab_el_load(x, n, c, a, b);
      if (!max) acc += v;
      else if (v > acc || v != v) acc = acc != acc ? acc : v;
    }
  return max ? acc : acc / lab_pool_divisor(g, hs, ws);
}

/* How many elements of output (n, c, i, j)'s window equal its maximum m (0 when m is NaN). */
LAB_ELEMENT int64_t lab_pool_ties(const lab_pool_geom *g, const lab_el_view *x, double m, int64_t n, int64_t c, int64_t i, int64_t j) {
  const lab_pool_span hs = lab_pool_span_of(i, g->kh, g->sh, g->ph, g->h), ws = lab_pool_span_of(j, g->kw, g->sw, g->pw, g->w);
  int64_t count = 0;
  for (int64_t a = hs.start; a < hs.end; a++)
    for (int64_t b = ws.start; b < ws.end; b++) count += lab_el_load(x, n, c, a, b) == m;
  return count;
}

/* dx[e] of max pooling, e over [n, c, h, w]: Σ over covering windows whose max this element
 * reaches of dy / (the window's tie count). */
LAB_ELEMENT double lab_pool_max_grad_at(const lab_pool_geom *g, const lab_el_view *x, const lab_el_view *y, const lab_el_view *gy, int64_t e) {
  const int64_t b = e % g->w, a = (e / g->w) % g->h, c = (e / (g->w * g->h)) % g->c, n = e / (g->w * g->h * g->c);
  const double v = lab_el_load(x, n, c, a, b);
  int64_t i0, i1, j0, j1;
  lab_pool_covering(a, g->kh, g->sh, g->ph, g->oh, &i0, &i1);
  lab_pool_covering(b, g->kw, g->sw, g->pw, g->ow, &j0, &j1);
  double acc = 0;
  for (int64_t i = i0; i <= i1; i++)
    for (int64_t j = j0; j <= j1; j++) {
      const double m = lab_el_load(y, n, c, i, j);
      if (v == m) acc += lab_el_load(gy, n, c, i, j) / (double)lab_pool_ties(g, x, m, n, c, i, j);
    }
  return acc;
}

/* The adjoint of the above at output e over [n, c, oh, ow]: the mean of g over the tie set. */
LAB_ELEMENT double lab_pool_max_gradgrad_at(const lab_pool_geom *g, const lab_el_view *x, const lab_el_view *y, const lab_el_view *gx, int64_t e) {
  const int64_t j = e % g->ow, i = (e / g->ow) % g->oh, c = (e / (g->ow * g->oh)) % g->c, n = e / (g->ow * g->oh * g->c);
  const lab_pool_span hs = lab_pool_span_of(i, g->kh, g->sh, g->ph, g->h), ws = lab_pool_span_of(j, g->kw, g->sw, g->pw, g->w);
  const double m = lab_el_load(y, n, c, i, j);
  double acc = 0;
  int64_t count = 0;
  for (int64_t a = hs.start; a < hs.end; a++)
    for (int64_t b = ws.start; b < ws.end; b++)
      if (lab_el_load(x, n, c, a, b) == m) {
        acc += lab_el_load(gx, n, c, a, b);
        count++;
      }
  return count > 0 ? acc / (double)count : 0.0;
}

/* dx[e] of average pooling, e over [n, c, h, w]: Σ over covering windows of dy / divisor. */
LAB_ELEMENT double lab_pool_avg_grad_at(const lab_pool_geom *g, const lab_el_view *gy, int64_t e) {
  const int64_t b = e % g->w, a = (e / g->w) % g->h, c = (e / (g->w * g->h)) % g->c, n = e / (g->w * g->h * g->c);
  int64_t i0, i1, j0, j1;
  lab_pool_covering(a, g->kh, g->sh, g->ph, g->oh, &i0, &i1);
  lab_pool_covering(b, g->kw, g->sw, g->pw, g->ow, &j0, &j1);
  double acc = 0;
  for (int64_t i = i0; i <= i1; i++)
    for (int64_t j = j0; j <= j1; j++) {
      const lab_pool_span hs = lab_pool_span_of(i, g->kh, g->sh, g->ph, g->h), ws = lab_pool_span_of(j, g->kw, g->sw, g->pw, g->w);
      acc += lab_el_load(gy, n, c, i, j) / lab_pool_divisor(g, hs, ws);
    }
  return acc;
}

#ifdef __cplusplus
}
#endif

#endif /* LAB_POOL_ELEMENT_H */
