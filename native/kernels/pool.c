/*
 * The pool2d kernel. By default typed loops (pool_loops.inc) with the gradients as scatters,
 * each window visited once, and 2×2 max pooling at stride 2 as a case of its own; with
 * attrs.direct, a loop over the output's elements calling the element functions of
 * pool_element.h — the CUDA kernel's arithmetic, one thread per element there — which the
 * tests run against the same references.
 */
#include "pool.h"

#include "common.h"
#include "pool_2x2_avx512.h"
#include "pool_element.h"
#include "runtime.h"

#define PL_T float
#define PL_BITS uint32_t
#define PL_SUFFIX f32
#include "pool_loops.inc"
#define PL_T double
#define PL_BITS uint64_t
#define PL_SUFFIX f64
#include "pool_loops.inc"

static const char *const mode_names[] = {"pool2d max", "pool2d avg", "pool2d max_grad", "pool2d max_gradgrad", "pool2d avg_grad"};

int64_t lab_pool_output_size(int64_t input, int64_t kernel, int64_t stride, int64_t pad, int ceil_mode) {
  const int64_t span = input + 2 * pad - kernel + (ceil_mode ? stride - 1 : 0);
  if (span < 0) return 0;
  int64_t out = span / stride + 1;
  if (ceil_mode && (out - 1) * stride >= input + pad) out--;
  return out;
}

/* 2×2 windows at stride 2, no padding, no partial window: the typed loops' special case. */
static int is_2x2(const lab_pool_geom *g) {
  return g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2 && g->ph == 0 && g->pw == 0 && g->oh == g->h / 2 && g->ow == g->w / 2;
}

/* The AVX-512 rows (pool_2x2_avx512.c) take float32 2×2 pooling whose rows step by one element,
 * in a program whose ISA resolves to AVX-512 (setIsa('portable') keeps the typed loops). */
static int avx512_rows(const lab_runtime *rt, const lab_tensor *const *ts, int n) {
#ifdef LAB_HAVE_POOL_AVX512
  for (int k = 0; k < n; k++)
    if (ts[k]->dtype != LAB_FLOAT32 || ts[k]->strides[3] != 1) return 0;
  return lab_isa_resolve(rt->isa) == LAB_ISA_AVX512;
#else
  (void)rt, (void)ts, (void)n;
  return 0;
#endif
}

static lab_el_view el_view(const lab_tensor *t) {
  lab_el_view v = {t->data, t->dtype, 0, {t->strides[0], t->strides[1], t->strides[2], t->strides[3]}};
  return v;
}

static int same4(const lab_tensor *t, const int64_t *shape) {
  for (int d = 0; d < 4; d++)
    if (t->shape[d] != shape[d]) return 0;
  return 1;
}

int lab_pool_kernel(const lab_tensor *in, int32_t n_in, lab_tensor *out, int32_t n_out, const void *attrs_ptr,
                    char *err, size_t err_len) {
  const lab_pool_attrs *a = attrs_ptr;
  const char *name = mode_names[a->mode];
  static const int inputs[] = {1, 1, 3, 3, 2};
  static const char *const signature[] = {"[x] -> [y]", "[x] -> [y]", "[x, y, dy] -> [dx]", "[x, y, g] -> [out]", "[dy, like x] -> [dx]"};
  char s0[96], s1[96];
  if (n_in != inputs[a->mode] || n_out != 1) return lab_fail(err, err_len, "%s takes %s", name, signature[a->mode]);
  const lab_dtype dt = out[0].dtype;
  if (dt != LAB_FLOAT32 && dt != LAB_FLOAT64) return lab_fail(err, err_len, "%s supports float32 and float64, got %s", name, lab_dtype_name(dt));
  for (int k = 0; k < n_in; k++)
    if (in[k].ndim != 4 || in[k].dtype != dt)
      return lab_fail(err, err_len, "%s: input %d must be a 4-d %s tensor [N, C, H, W], got %s %s", name, k, lab_dtype_name(dt),
                      lab_dtype_name(in[k].dtype), lab_shape_str(&in[k], s0, sizeof s0));
  /* x: the pooled input (or the shape dx takes); its shape fixes the geometry. */
  const lab_tensor *x = a->mode == LAB_POOL_AVG_GRAD ? &in[1] : &in[0];
  lab_pool_geom g = {x->shape[0], x->shape[1], x->shape[2], x->shape[3], 0, 0, a->kernel[0], a->kernel[1],
                     a->stride[0], a->stride[1], a->padding[0], a->padding[1], a->count_include_pad, 0};
  g.oh = lab_pool_output_size(g.h, g.kh, g.sh, g.ph, a->ceil_mode);
  g.ow = lab_pool_output_size(g.w, g.kw, g.sw, g.pw, a->ceil_mode);
  if (g.oh < 1 || g.ow < 1) {
    return lab_fail(err, err_len, "%s: a %lldx%lld window (padding %lldx%lld) does not fit the input %s", name, (long long)g.kh,
                    (long long)g.kw, (long long)g.ph, (long long)g.pw, lab_shape_str(x, s0, sizeof s0));
  }
  const int64_t pooled[4] = {g.n, g.c, g.oh, g.ow};
  /* Shapes each mode needs: y and dy pooled; g and dx like x; the output as its mode makes it. */
  const int out_pooled = a->mode == LAB_POOL_MAX || a->mode == LAB_POOL_AVG || a->mode == LAB_POOL_MAX_GRADGRAD;
  int ok = same4(&out[0], out_pooled ? pooled : x->shape);
  if (a->mode == LAB_POOL_MAX_GRAD) ok = ok && same4(&in[1], pooled) && same4(&in[2], pooled);
  if (a->mode == LAB_POOL_MAX_GRADGRAD) ok = ok && same4(&in[1], pooled) && same4(&in[2], x->shape);
  if (a->mode == LAB_POOL_AVG_GRAD) ok = ok && same4(&in[0], pooled);
  if (!ok) {
    return lab_fail(err, err_len, "%s: shapes do not fit the input %s pooled to (%lld, %lld, %lld, %lld); output %s", name,
                    lab_shape_str(x, s0, sizeof s0), (long long)g.n, (long long)g.c, (long long)g.oh, (long long)g.ow,
                    lab_shape_str(&out[0], s1, sizeof s1));
  }
  if (!a->direct) {
    const int f32 = dt == LAB_FLOAT32;
    const lab_tensor *const all[4] = {&out[0], &in[0], n_in > 1 ? &in[1] : &in[0], n_in > 2 ? &in[2] : &in[0]};
    if (is_2x2(&g) && (a->mode == LAB_POOL_MAX || a->mode == LAB_POOL_MAX_GRAD) && avx512_rows(a->rt, all, 4)) {
#ifdef LAB_HAVE_POOL_AVX512
      if (a->mode == LAB_POOL_MAX) lab_max_pool_2x2_avx512_f32(&g, &in[0], &out[0]);
      else {
        if (g.h % 2 || g.w % 2) zero_f32(&out[0]); /* the row or column no window covers */
        lab_max_pool_2x2_grad_avx512_f32(&g, &in[0], &in[1], &in[2], &out[0]);
      }
#endif
    } else if (a->mode == LAB_POOL_MAX && is_2x2(&g)) {
      if (f32) max_pool_2x2_f32(&g, &in[0], &out[0]);
      else max_pool_2x2_f64(&g, &in[0], &out[0]);
    } else if (a->mode == LAB_POOL_MAX_GRAD && is_2x2(&g)) {
      if (f32) max_pool_2x2_grad_f32(&g, &in[0], &in[1], &in[2], &out[0]);
      else max_pool_2x2_grad_f64(&g, &in[0], &in[1], &in[2], &out[0]);
    } else if (a->mode == LAB_POOL_MAX || a->mode == LAB_POOL_AVG) {
      if (f32) pool_forward_f32(&g, &in[0], &out[0], a->mode == LAB_POOL_MAX);
      else pool_forward_f64(&g, &in[0], &out[0], a->mode == LAB_POOL_MAX);
    } else {
      const int avg = a->mode == LAB_POOL_AVG_GRAD;
      const lab_tensor *xs = avg ? NULL : &in[0], *ys = avg ? NULL : &in[1], *v = avg ? &in[0] : &in[2];
      if (f32) pool_backward_f32(&g, a->mode, xs, ys, v, &out[0]);
      else pool_backward_f64(&g, a->mode, xs, ys, v, &out[0]);
    }
    return 0;
  }
  const lab_el_view v0 = el_view(&in[0]);
  const lab_el_view v1 = n_in > 1 ? el_view(&in[1]) : v0, v2 = n_in > 2 ? el_view(&in[2]) : v0;
  const lab_tensor *o = &out[0];
  int64_t e = 0;
  for (int64_t i0 = 0; i0 < o->shape[0]; i0++)
    for (int64_t i1 = 0; i1 < o->shape[1]; i1++)
      for (int64_t i2 = 0; i2 < o->shape[2]; i2++)
        for (int64_t i3 = 0; i3 < o->shape[3]; i3++, e++) {
          double v = 0;
          switch (a->mode) {
            case LAB_POOL_MAX: v = lab_pool_forward_at(&g, &v0, 1, i0, i1, i2, i3); break;
            case LAB_POOL_AVG: v = lab_pool_forward_at(&g, &v0, 0, i0, i1, i2, i3); break;
            case LAB_POOL_MAX_GRAD: v = lab_pool_max_grad_at(&g, &v0, &v1, &v2, e); break;
            case LAB_POOL_MAX_GRADGRAD: v = lab_pool_max_gradgrad_at(&g, &v0, &v1, &v2, e); break;
            case LAB_POOL_AVG_GRAD: v = lab_pool_avg_grad_at(&g, &v0, e); break;
          }
          lab_store(o->data, o->dtype, i0 * o->strides[0] + i1 * o->strides[1] + i2 * o->strides[2] + i3 * o->strides[3], v);
        }
  return 0;
}
