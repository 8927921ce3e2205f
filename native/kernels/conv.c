/*
 * The conv2d kernels: forward, input gradient and weight gradient. The GEMM algorithm unfolds
 * a few images of one group at a time into a column matrix (im2col, conv_im2col.inc) and hands
 * the product to the engine's blocked GEMM, so a convolution runs at GEMM speed with a column
 * buffer of B images (K × B·P elements, K = C/groups·KH·KW, P = OH·OW; B gives the GEMM about
 * 2048 columns, at most 1 MiB) instead of the whole batch's. On AVX-512 CPUs float32 forward
 * passes and input gradients skip the column matrix: they run from the zero-padded image
 * (conv_direct_avx512.c). The direct algorithm computes one element at a time with the CUDA
 * kernels' functions (conv_element.h).
 */
#include "conv.h"

#include "common.h"
#include "conv_direct_avx512.h"
#include "conv_element.h"
#include "gemm/gemm.h"
#include "rows_avx512.h"

#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast") /* multiply-adds fused in conv_weight_grad.inc */
/* the padded im2col copies runs of a few elements: inline vector loops, not a memcpy call each
 * (measured faster on LeNet's 14-element runs, the same on longer ones) */
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#define CV_T float
#define CV_SUFFIX f32
#include "conv_im2col.inc"
#include "conv_weight_grad.inc"
#undef CV_T
#undef CV_SUFFIX
#define CV_T double
#define CV_SUFFIX f64
#include "conv_im2col.inc"
#include "conv_weight_grad.inc"
#undef CV_T
#undef CV_SUFFIX
#pragma GCC pop_options

static const char *const mode_names[] = {"conv2d", "conv2d_grad_input", "conv2d_grad_weight"};

enum { SLOT_COL = LAB_SCRATCH_CONV, SLOT_W, SLOT_BLOCK, SLOT_ACC, SLOT_PAD };

static lab_el_view el_view(const lab_tensor *t) {
  lab_el_view v = {t->data, t->dtype, 0, {t->strides[0], t->strides[1], t->strides[2], t->strides[3]}};
  return v;
}

/* A 2-d GEMM operand over memory of `dtype`: rows × cols with strides rs, cs. */
static lab_tensor matrix(void *data, lab_dtype dtype, int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  lab_tensor t;
  memset(&t, 0, sizeof t);
  t.dtype = dtype;
  t.ndim = 2;
  t.shape[0] = rows;
  t.shape[1] = cols;
  t.strides[0] = rs;
  t.strides[1] = cs;
  t.data = data;
  return t;
}

/* Z = A·B, or Z += A·B (accumulate), through the GEMM kernel. */
static int gemm(lab_tensor a, lab_tensor b, lab_tensor *z, int accumulate, lab_runtime *rt, char *err, size_t err_len) {
  lab_gemm_attrs attrs = {0, 0, 1.0, accumulate ? 1.0 : 0.0, rt};
  const lab_tensor in[3] = {a, b, *z};
  return lab_gemm_kernel(in, accumulate ? 3 : 2, z, 1, &attrs, err, err_len);
}

/* The stride of a 4-d view's merged (h, w) axes, or 0 when they cannot be merged. */
static int64_t merged_stride(const lab_tensor *t) {
  if (t->shape[3] == 1) return t->strides[2];
  if (t->shape[2] == 1 || t->strides[2] == t->shape[3] * t->strides[3]) return t->strides[3];
  return 0;
}

static void *elem(const lab_tensor *t, int64_t i0, int64_t i1) {
  return (char *)t->data + (size_t)(i0 * t->strides[0] + i1 * t->strides[1]) * lab_dtype_size(t->dtype);
}

/* Writes value(e) into every element e (row-major) of a 4-d output view. */
typedef double (*element_fn)(const lab_conv_geom *g, const lab_el_view *a, const lab_el_view *b, int64_t e);

static void run_direct(const lab_conv_geom *g, element_fn f, const lab_tensor *a, const lab_tensor *b, lab_tensor *out) {
  const lab_el_view va = el_view(a), vb = el_view(b);
  const int64_t *sh = out->shape, *s = out->strides;
  int64_t e = 0;
  for (int64_t i0 = 0; i0 < sh[0]; i0++)
    for (int64_t i1 = 0; i1 < sh[1]; i1++)
      for (int64_t i2 = 0; i2 < sh[2]; i2++)
        for (int64_t i3 = 0; i3 < sh[3]; i3++, e++)
          lab_store(out->data, out->dtype, i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3], f(g, &va, &vb, e));
}

static void zero_view(lab_tensor *t) {
  const int64_t *sh = t->shape, *s = t->strides;
  for (int64_t i0 = 0; i0 < sh[0]; i0++)
    for (int64_t i1 = 0; i1 < sh[1]; i1++)
      for (int64_t i2 = 0; i2 < sh[2]; i2++)
        for (int64_t i3 = 0; i3 < sh[3]; i3++) lab_store(t->data, t->dtype, i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3], 0.0);
}

/* The weights as a contiguous [O, K] matrix of their dtype (a copy; they are small). */
static void *packed_weights(const lab_tensor *w, lab_runtime *rt) {
  const size_t bytes = (size_t)lab_tensor_size(w) * lab_dtype_size(w->dtype);
  void *buf = lab_scratch(rt, SLOT_W, bytes ? bytes : 1);
  if (!buf) return NULL;
  const int64_t K = w->shape[1] * w->shape[2] * w->shape[3], taps = w->shape[2] * w->shape[3];
  for (int64_t o = 0; o < w->shape[0]; o++) {
    if (w->dtype == LAB_FLOAT32) pack_block_f32(w, o, 0, w->shape[1], (float *)buf + o * K, taps);
    else pack_block_f64(w, o, 0, w->shape[1], (double *)buf + o * K, taps);
  }
  return buf;
}

/* Images per GEMM: enough that the product has about CONV_GEMM_COLUMNS columns (P per image) —
 * one MNIST-sized image gives the GEMM too few columns to run at speed — with the column buffer
 * at most CONV_COLUMN_BYTES, so it stays in L2 (measured with bench/convnet.ts: LeNet at batch
 * 64 went from ~1.4x to ~1.1x PyTorch's step time; larger buffers were no faster). */
#define CONV_GEMM_COLUMNS 2048
#define CONV_COLUMN_BYTES ((int64_t)1 << 20)

int64_t lab_conv_images_per_gemm(int64_t n, int64_t k, int64_t p, int64_t element_size) {
  int64_t b = p > 0 ? (CONV_GEMM_COLUMNS + p - 1) / p : 1;
  const int64_t fit = CONV_COLUMN_BYTES / (k * p * element_size > 0 ? k * p * element_size : 1);
  if (b > fit) b = fit;
  if (b > n) b = n;
  return b > 0 ? b : 1;
}

/* Images n0 … n0 + nb of the column matrix, rows nb·P apart (image b at column b·P), through
 * the padded image `pad` when there is one (conv_im2col.inc's padded path). */
static void im2col(const lab_conv_geom *g, const lab_tensor *x, int64_t n0, int64_t nb, int64_t c0, void *col, void *pad, int wide) {
  const int64_t P = g->oh * g->ow, ld = nb * P;
  for (int64_t b = 0; b < nb; b++) {
    if (pad && x->dtype == LAB_FLOAT32) {
      pad_image_f32(g, x, n0 + b, c0, pad);
      im2col_padded_f32(g, pad, (float *)col + b * P, ld, wide);
    } else if (pad) {
      pad_image_f64(g, x, n0 + b, c0, pad);
      im2col_padded_f64(g, pad, (double *)col + b * P, ld, wide);
    } else if (x->dtype == LAB_FLOAT32) im2col_f32(g, x, n0 + b, c0, (float *)col + b * P, ld);
    else im2col_f64(g, x, n0 + b, c0, (double *)col + b * P, ld);
  }
}

/* dx's images n0 … n0 + nb (channels c0 … c0 + cg) from the column matrix: through `pad`
 * (assigned: every element of the block is written) or added in place (dx zeroed first). */
static void col2im(const lab_conv_geom *g, const void *col, lab_tensor *dx, int64_t n0, int64_t nb, int64_t c0, void *pad, int wide) {
  const int64_t P = g->oh * g->ow, ld = nb * P, padded = g->cg * (g->h + 2 * g->ph) * (g->w + 2 * g->pw);
  for (int64_t b = 0; b < nb; b++) {
    if (pad && dx->dtype == LAB_FLOAT32) {
      memset(pad, 0, (size_t)padded * sizeof(float));
      col2im_padded_f32(g, (const float *)col + b * P, ld, pad, wide);
      unpad_f32(g, pad, dx, n0 + b, c0);
    } else if (pad) {
      memset(pad, 0, (size_t)padded * sizeof(double));
      col2im_padded_f64(g, (const double *)col + b * P, ld, pad, wide);
      unpad_f64(g, pad, dx, n0 + b, c0);
    } else if (dx->dtype == LAB_FLOAT32) col2im_f32(g, (const float *)col + b * P, ld, dx, n0 + b, c0);
    else col2im_f64(g, (const double *)col + b * P, ld, dx, n0 + b, c0);
  }
}

/* The (n0 … n0 + nb, c0 … c0 + rows) block of a [.., .., h, w] view as a rows × (nb·h·w) matrix,
 * image b at column b·h·w: in place for one image whose (h, w) merge, else a copy in `buf`
 * (copy_in: filled from the view now). */
static lab_tensor block(const lab_tensor *t, int64_t n0, int64_t nb, int64_t c0, int64_t rows, void *buf, int copy_in) {
  const int64_t hw = t->shape[2] * t->shape[3], inner = merged_stride(t), ld = nb * hw;
  if (nb == 1 && inner != 0) return matrix(elem(t, n0, c0), t->dtype, rows, hw, t->strides[1], inner);
  for (int64_t b = 0; copy_in && b < nb; b++) {
    if (t->dtype == LAB_FLOAT32) pack_block_f32(t, n0 + b, c0, rows, (float *)buf + b * hw, ld);
    else pack_block_f64(t, n0 + b, c0, rows, (double *)buf + b * hw, ld);
  }
  return matrix(buf, t->dtype, rows, ld, ld, 1);
}

/* Writes a block made by block() back into the view (nothing to do when it was in place). */
static void flush_block(const lab_tensor *m, lab_tensor *t, int64_t n0, int64_t nb, int64_t c0, int64_t rows) {
  if (nb == 1 && merged_stride(t) != 0) return; /* written in place */
  const int64_t hw = t->shape[2] * t->shape[3];
  for (int64_t b = 0; b < nb; b++) {
    if (t->dtype == LAB_FLOAT32) unpack_block_f32((const float *)m->data + b * hw, nb * hw, t, n0 + b, c0, rows);
    else unpack_block_f64((const double *)m->data + b * hw, nb * hw, t, n0 + b, c0, rows);
  }
}

static int run_gemm(const lab_conv_attrs *attrs, const lab_conv_geom *g, const lab_tensor *in, lab_tensor *out, char *err, size_t err_len) {
  lab_runtime *rt = attrs->rt;
  const lab_dtype dt = out->dtype;
  const size_t es = lab_dtype_size(dt);
  const int64_t K = g->cg * g->kh * g->kw, P = g->oh * g->ow;
  const int64_t B = lab_conv_images_per_gemm(g->n, K, P, (int64_t)es);
  void *col = lab_scratch(rt, SLOT_COL, (size_t)(K * B * P) * es + 1);
  /* block(): the output, or dy, of B images of one group, og × B·P */
  void *blk = lab_scratch(rt, SLOT_BLOCK, (size_t)(g->og * B * P) * es + 1);
  if (!col || !blk) return lab_fail(err, err_len, "%s: out of memory for a %lld x %lld column buffer", mode_names[attrs->mode], (long long)K, (long long)(B * P));
  const lab_tensor *w = attrs->mode == LAB_CONV_GRAD_WEIGHT ? NULL : &in[1];
  void *wd = w ? packed_weights(w, rt) : NULL;
  if (w && !wd) return lab_fail(err, err_len, "%s: out of memory for the weights", mode_names[attrs->mode]);
  /* The padded image (conv_im2col.inc) for convolutions whose columns step by one. */
  void *pad = NULL;
  if (g->sw == 1) {
    pad = lab_scratch(rt, SLOT_PAD, (size_t)(g->cg * (g->h + 2 * g->ph) * (g->w + 2 * g->pw)) * es + 1);
    if (!pad) return lab_fail(err, err_len, "%s: out of memory for a padded image", mode_names[attrs->mode]);
  }
  void *acc = NULL;
  if (attrs->mode == LAB_CONV_GRAD_WEIGHT) {
    acc = lab_scratch(rt, SLOT_ACC, (size_t)(g->o * K) * es + 1);
    if (!acc) return lab_fail(err, err_len, "conv2d_grad_weight: out of memory for the accumulator");
    memset(acc, 0, (size_t)(g->o * K) * es);
  }
  if (attrs->mode == LAB_CONV_GRAD_INPUT && !pad) zero_view(out);
  /* AVX-512 row moves for the padded unfolding (rows_avx512.c): float32 programs running AVX-512 */
  const int wide = dt == LAB_FLOAT32 && lab_isa_resolve(rt->isa) == LAB_ISA_AVX512;
  for (int64_t n0 = 0; n0 < g->n; n0 += B) {
    const int64_t nb = g->n - n0 < B ? g->n - n0 : B, cols = nb * P;
    for (int64_t gr = 0; gr < g->o / g->og; gr++) {
      const int64_t c0 = gr * g->cg, o0 = gr * g->og;
      /* group gr's weights [og, K] (no weights in the weight gradient) */
      const lab_tensor wg = matrix(wd ? (char *)wd + (size_t)(o0 * K) * es : NULL, dt, g->og, K, K, 1);
      int rc = 0;
      if (attrs->mode == LAB_CONV_FORWARD) {
        im2col(g, &in[0], n0, nb, c0, col, pad, wide);
        lab_tensor z = block(out, n0, nb, o0, g->og, blk, 0);
        rc = gemm(wg, matrix(col, dt, K, cols, cols, 1), &z, 0, rt, err, err_len);
        if (!rc) flush_block(&z, out, n0, nb, o0, g->og);
      } else if (attrs->mode == LAB_CONV_GRAD_INPUT) {
        /* columns = W_gᵀ [K, og] · dy [og, nb·P], folded back into dx image by image */
        const lab_tensor dy = block(&in[0], n0, nb, o0, g->og, blk, 1);
        lab_tensor z = matrix(col, dt, K, cols, cols, 1);
        rc = gemm(matrix(wg.data, dt, K, g->og, 1, K), dy, &z, 0, rt, err, err_len);
        if (!rc) col2im(g, col, out, n0, nb, c0, pad, wide);
      } else {
        /* dW_g [og, K] += dy [og, nb·P] · columnsᵀ [nb·P, K], as dot products of rows when dy's
         * rows are contiguous (conv_weight_grad.inc), else through the GEMM */
        im2col(g, &in[0], n0, nb, c0, col, pad, wide);
        const lab_tensor dy = block(&in[1], n0, nb, o0, g->og, blk, 1);
        void *dw = (char *)acc + (size_t)(o0 * K) * es;
        if (dy.strides[1] == 1 && dt == LAB_FLOAT32) weight_grad_dots_f32(g->og, K, cols, dy.data, dy.strides[0], col, cols, dw);
        else if (dy.strides[1] == 1) weight_grad_dots_f64(g->og, K, cols, dy.data, dy.strides[0], col, cols, dw);
        else {
          lab_tensor z = matrix(dw, dt, g->og, K, K, 1);
          rc = gemm(dy, matrix(col, dt, cols, K, 1, cols), &z, 1, rt, err, err_len);
        }
      }
      if (rc) return rc;
    }
  }
  if (attrs->mode == LAB_CONV_GRAD_WEIGHT) {
    const int64_t taps = g->kh * g->kw;
    for (int64_t o = 0; o < g->o; o++) {
      if (dt == LAB_FLOAT32) unpack_block_f32((const float *)acc + o * K, taps, out, o, 0, g->cg);
      else unpack_block_f64((const double *)acc + o * K, taps, out, o, 0, g->cg);
    }
  }
  return 0;
}

/* Whether the AVX-512 kernel computes this call (LAB_CONV_AVX512 in conv.h); why not in *why. */
static int avx512_fits(const lab_conv_attrs *attrs, const lab_conv_geom *g, lab_dtype dt, const lab_tensor *out,
                       const char **why) {
  *why = "the forward pass and the input gradient only";
  if (attrs->mode == LAB_CONV_FORWARD) *why = g->sw == 1 ? NULL : "a column stride of 1";
  if (attrs->mode == LAB_CONV_GRAD_INPUT) {
    const int reach = g->ph <= (g->kh - 1) * g->dh && g->pw <= (g->kw - 1) * g->dw;
    *why = g->sh != 1 || g->sw != 1 ? "strides of 1" : reach ? NULL : "padding within the dilated kernel";
  }
  if (!*why && dt != LAB_FLOAT32) *why = "float32";
  if (!*why && out->shape[3] > 1 && out->strides[3] != 1) *why = "an output whose columns are contiguous";
#ifdef LAB_HAVE_CONV_DIRECT_AVX512
  if (!*why && lab_isa_resolve(attrs->rt->isa) != LAB_ISA_AVX512) *why = "a CPU (and ISA setting) with AVX-512";
#else
  if (!*why) *why = "an x86-64 CPU with AVX-512";
#endif
  return *why == NULL;
}

#ifdef LAB_HAVE_CONV_DIRECT_AVX512
/* The forward pass convolves x with w; the input gradient of a stride-1 convolution convolves dy,
 * padded by the dilated kernel's reach less the forward padding, with w flipped in both spatial
 * axes and its channel axes swapped:
 *   dx[c][h][w] = Σ_{o, a, b} w[o][c][kh−1−a][kw−1−b] · dy_padded[o][h + a·dh][w + b·dw].
 * Each image and group: pad it (pad_image_f32 on the convolved tensor's geometry), run the kernel
 * with that group's packed weights ([taps][ldw], conv_direct_avx512.h), write the output view. */
static int run_avx512(const lab_conv_attrs *attrs, const lab_conv_geom *g, const lab_tensor *in, lab_tensor *out, char *err,
                      size_t err_len) {
  lab_runtime *rt = attrs->rt;
  const int grad = attrs->mode == LAB_CONV_GRAD_INPUT;
  const char *name = mode_names[attrs->mode];
  lab_conv_geom src = *g; /* the padded tensor's geometry, as pad_image_f32 reads it */
  if (grad) src.cg = g->og, src.h = g->oh, src.w = g->ow, src.ph = (g->kh - 1) * g->dh - g->ph, src.pw = (g->kw - 1) * g->dw - g->pw;
  const int64_t groups = g->o / g->og, cin = src.cg, cout = grad ? g->cg : g->og, taps = g->kh * g->kw;
  const lab_conv_direct_shape s = {cin, src.h + 2 * src.ph, src.w + 2 * src.pw, cout, grad ? g->h : g->oh,
                                   grad ? g->w : g->ow, g->kh, g->kw, grad ? 1 : g->sh, g->dh, g->dw};
  const int64_t ldw = (cout + LAB_CONV_DIRECT_CHANNELS - 1) / LAB_CONV_DIRECT_CHANNELS * LAB_CONV_DIRECT_CHANNELS;
  float *wt = lab_scratch(rt, SLOT_W, (size_t)(groups * cin * taps * ldw) * sizeof(float));
  float *pad = lab_scratch(rt, SLOT_PAD, (size_t)(cin * s.hp * s.wp) * sizeof(float));
  if (!wt || !pad) return lab_fail(err, err_len, "%s: out of memory for the packed weights or a padded image", name);
  const lab_tensor *w = &in[1];
  const float *wd = (const float *)w->data;
  for (int64_t gr = 0; gr < groups; gr++)
    for (int64_t i = 0; i < cin; i++)
      for (int64_t a = 0; a < g->kh; a++)
        for (int64_t b = 0; b < g->kw; b++) {
          float *tap = wt + ((gr * cin + i) * taps + a * g->kw + b) * ldw;
          for (int64_t k = 0; k < ldw; k++) {
            /* forward: input channel i, output k; gradient: dy channel i (an output of w), dx channel k */
            const int64_t o = gr * g->og + (grad ? i : k), c = grad ? k : i;
            const int64_t wa = grad ? g->kh - 1 - a : a, wb = grad ? g->kw - 1 - b : b;
            tap[k] = k < cout ? wd[o * w->strides[0] + c * w->strides[1] + wa * w->strides[2] + wb * w->strides[3]] : 0.0f;
          }
        }
  float *o = (float *)out->data;
  const int64_t *os = out->strides;
  for (int64_t n = 0; n < g->n; n++)
    for (int64_t gr = 0; gr < groups; gr++) {
      pad_image_f32(&src, &in[0], n, gr * cin, pad);
      lab_conv_direct_avx512_f32(&s, pad, wt + gr * cin * taps * ldw, ldw, o + n * os[0] + gr * cout * os[1], os[1], os[2]);
    }
  return 0;
}
#endif

int lab_conv_kernel(const lab_tensor *in, int32_t n_in, lab_tensor *out, int32_t n_out, const void *attrs_ptr,
                    char *err, size_t err_len) {
  const lab_conv_attrs *attrs = attrs_ptr;
  const char *name = mode_names[attrs->mode];
  static const char *const signature[] = {"[x, w] -> [y]", "[dy, w, like x] -> [dx]", "[x, dy, like w] -> [dw]"};
  if (n_in != (attrs->mode == LAB_CONV_FORWARD ? 2 : 3) || n_out != 1) return lab_fail(err, err_len, "%s takes %s", name, signature[attrs->mode]);
  const lab_dtype dt = out[0].dtype;
  char s0[96], s1[96], s2[96];
  if (dt != LAB_FLOAT32 && dt != LAB_FLOAT64) return lab_fail(err, err_len, "%s supports float32 and float64, got %s", name, lab_dtype_name(dt));
  for (int k = 0; k < n_in; k++) {
    if (in[k].ndim != 4 || in[k].dtype != dt) {
      return lab_fail(err, err_len, "%s: input %d must be a 4-d %s tensor, got %s %s", name, k, lab_dtype_name(dt),
                      lab_dtype_name(in[k].dtype), lab_shape_str(&in[k], s0, sizeof s0));
    }
  }
  /* x and w by role: the forward's inputs, or the shapes the gradients are "like". */
  const lab_tensor *x = attrs->mode == LAB_CONV_GRAD_INPUT ? &out[0] : &in[0];
  const lab_tensor *w = attrs->mode == LAB_CONV_GRAD_WEIGHT ? &out[0] : &in[1];
  const lab_tensor *y = attrs->mode == LAB_CONV_FORWARD ? &out[0] : &in[attrs->mode == LAB_CONV_GRAD_INPUT ? 0 : 1];
  const lab_tensor *like = attrs->mode == LAB_CONV_FORWARD ? NULL : &in[2];
  if (like && !lab_same_shape(like, &out[0])) {
    return lab_fail(err, err_len, "%s: the output %s must have the shape of input 2 %s", name, lab_shape_str(&out[0], s0, sizeof s0),
                    lab_shape_str(like, s1, sizeof s1));
  }
  lab_conv_geom g = {x->shape[0], x->shape[1], x->shape[2], x->shape[3], w->shape[0], w->shape[2], w->shape[3], 0, 0,
                     w->shape[1], 0, attrs->stride[0], attrs->stride[1], attrs->padding[0], attrs->padding[1],
                     attrs->dilation[0], attrs->dilation[1]};
  const int64_t groups = attrs->groups;
  if (g.o % groups != 0 || g.c != g.cg * groups) {
    return lab_fail(err, err_len, "%s: x %s and w %s do not fit %lld groups: expected w [O, C/groups, KH, KW] with O divisible by groups",
                    name, lab_shape_str(x, s0, sizeof s0), lab_shape_str(w, s1, sizeof s1), (long long)groups);
  }
  g.og = g.o / groups;
  g.oh = (g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh + 1;
  g.ow = (g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw + 1;
  if (g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1 < 0 || g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1 < 0) {
    return lab_fail(err, err_len, "%s: the kernel of w %s does not fit the padded input x %s", name, lab_shape_str(w, s0, sizeof s0), lab_shape_str(x, s1, sizeof s1));
  }
  const int64_t want[4] = {g.n, g.o, g.oh, g.ow};
  for (int d = 0; d < 4; d++) {
    if (y->shape[d] != want[d]) {
      return lab_fail(err, err_len, "%s: %s has shape %s but x %s and w %s give (%lld, %lld, %lld, %lld)", name,
                      attrs->mode == LAB_CONV_FORWARD ? "the output" : "dy", lab_shape_str(y, s0, sizeof s0),
                      lab_shape_str(x, s1, sizeof s1), lab_shape_str(w, s2, sizeof s2), (long long)g.n, (long long)g.o,
                      (long long)g.oh, (long long)g.ow);
    }
  }
  if (lab_tensor_size(&out[0]) == 0) return 0;
  if (g.n == 0 || g.oh * g.ow == 0 || g.cg == 0) { /* nothing to sum: zeros */
    zero_view(&out[0]);
    return 0;
  }
  const int depthwise = g.cg == 1 && g.og == 1;
  const char *why_not = NULL;
  const int avx512 = avx512_fits(attrs, &g, dt, &out[0], &why_not);
  if (attrs->algorithm == LAB_CONV_AVX512 && !avx512) {
    return lab_fail(err, err_len, "%s: algorithm 'avx512' needs %s; use 'auto' to pick the fastest that applies", name, why_not);
  }
#ifdef LAB_HAVE_CONV_DIRECT_AVX512
  if (attrs->algorithm == LAB_CONV_AVX512 || (attrs->algorithm == LAB_CONV_AUTO && avx512 && !depthwise)) {
    return run_avx512(attrs, &g, in, &out[0], err, err_len);
  }
#endif
  const int direct = attrs->algorithm == LAB_CONV_DIRECT || (attrs->algorithm == LAB_CONV_AUTO && depthwise);
  if (!direct) return run_gemm(attrs, &g, in, &out[0], err, err_len);
  switch (attrs->mode) {
    case LAB_CONV_FORWARD: run_direct(&g, lab_conv_forward_at, &in[0], &in[1], &out[0]); break;
    case LAB_CONV_GRAD_INPUT: run_direct(&g, lab_conv_grad_input_at, &in[0], &in[1], &out[0]); break;
    case LAB_CONV_GRAD_WEIGHT: run_direct(&g, lab_conv_grad_weight_at, &in[0], &in[1], &out[0]); break;
  }
  return 0;
}
