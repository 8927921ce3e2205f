/*
 * The gemm kernel: validates the views, applies beta*C, walks the batch and hands each matrix
 * product to the blocked driver of its element type (driver.inc) with the micro-kernel of the
 * instruction set the runtime selects.
 */
#include "gemm.h"

#include "../common.h"
#include "gemv_avx512.h"
#include "narrow_avx512.h"
#include "outer_avx512.h"
#include "sum2_avx512.h"
#include "wgrad_avx512.h"

/* Products under this many multiply-adds stay on one thread: starting threads costs more. */
#define LAB_GEMM_PARALLEL_MIN_FLOPS (1 << 21)
/* An operand is read in place, unpacked, when at most this many tiles use each of its panels. */
#define DRV_DIRECT_MAX_TILES 4
/* The largest MR x NR tile of any micro-kernel (AVX-512 float32). */
#define DRV_TILE_MAX (12 * 32)
/* The driver's k-piece (KC) per element type: see the cache blocking below. */
#define GEMM_KC_F32 256
#define GEMM_KC_F64 192

/* Cache blocking, in elements: a KC x NR micro-panel of B stays in L1, an MC x KC block of A in
 * L2 and a KC x NC panel of B in L3 (sized for 48 KiB L1 / 2 MiB L2 per core; KC and MC chosen
 * by measurement at 1024^3 among 128..256 x 192..384). */
/* The driver's packing and edge stores move rows of up to NR (32) elements: compiled per ISA, so an
 * AVX-512 CPU moves them 16 a time rather than baseline x86-64's 4 (they were 13 % of the L2L
 * meta-iteration, mostly 4-wide copies). */
#define DRV_CLONES LAB_ISA_CLONES
#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast")
#include "dot_tail.inc"
#pragma GCC pop_options
#define DRV_T float
#define DRV_DOT_TAIL dot_tail_f32
#define DRV_ISA lab_gemm_isa_f32
#define DRV_SUFFIX f32
#define DRV_KC GEMM_KC_F32
#define DRV_MC 384
#define DRV_NC 4096
#include "driver.inc"

#define DRV_T double
#define DRV_ISA lab_gemm_isa_f64
#define DRV_SUFFIX f64
#define DRV_KC GEMM_KC_F64
#define DRV_MC 240
#define DRV_NC 2048
#include "driver.inc"

/* The unpacked small-shape paths (small.inc): k at most SMALL_K_MAX, m at most SMALL_M_MAX,
 * accumulators SMALL_NB columns wide. */
#define SMALL_K_MAX 8
#define SMALL_M_MAX 4
#define SMALL_NB 256
/* The widest block of columns whose accumulators small-m products keep in registers (5 vectors of
 * 16 floats a row of op(A), 20 for four rows). */
#define SMALL_M_FIXED_NB 80
#define SMALL_CLONES LAB_ISA_CLONES
enum { SMALL_PATH_NONE, SMALL_PATH_GEMV, SMALL_PATH_K, SMALL_PATH_M };
#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast")
#define SM_T float
#define SM_FMA __builtin_fmaf
#define SM_SUFFIX f32
#include "small.inc"
#define SM_T double
#define SM_FMA __builtin_fma
#define SM_SUFFIX f64
#include "small.inc"
#pragma GCC pop_options

/* Matrix view of a 2-d or 3-d tensor: rows, cols, their strides and the batch stride (0 for a
 * 2-d operand used with a batched output, which broadcasts it). */
typedef struct matrix_view {
  int64_t batch, rows, cols, batch_stride, rs, cs;
} matrix_view;

static matrix_view transposed(matrix_view v) {
  return (matrix_view){v.batch, v.cols, v.rows, v.batch_stride, v.cs, v.rs};
}

static matrix_view as_matrix(const lab_tensor *t, int transpose) {
  const int b = t->ndim == 3;
  matrix_view v = {b ? t->shape[0] : 1, t->shape[b], t->shape[b + 1],
                   b ? t->strides[0] : 0, t->strides[b], t->strides[b + 1]};
  return transpose ? transposed(v) : v;
}

/* Fraction of the lanes of the MR x NR tiles covering an m x n output that hold real data. */
static double tile_use(int64_t m, int64_t n, int mr, int nr) {
  const double rows = (double)(((m + mr - 1) / mr) * mr), cols = (double)(((n + nr - 1) / nr) * nr);
  return ((double)m / rows) * ((double)n / cols);
}

/* z[i] = beta * c[i] over contiguous runs: unit-stride loops the compiler vectorises (the
 * strided loop stays scalar, and this pass runs over all of Z). */
static void scale_run_f32(float *z, const float *c, float beta, int64_t n) {
  for (int64_t i = 0; i < n; i++) z[i] = beta * c[i];
}
static void scale_run_f64(double *z, const double *c, double beta, int64_t n) {
  for (int64_t i = 0; i < n; i++) z[i] = beta * c[i];
}

/* Z = beta * C (or 0), so the driver only ever adds alpha * op(A) op(B) on top. C has Z's dtype
 * (checked by the caller); typed loops, since this pass runs over all of Z. */
static void apply_c(const lab_tensor *c, double beta, lab_tensor *z) {
  const int use_c = c != NULL && beta != 0; /* beta == 0 ignores C entirely (NaN too), as BLAS */
  const int64_t *strides[2] = {z->strides, use_c ? c->strides : z->strides};
  lab_iter it;
  lab_iter_init(&it, z->ndim, z->shape, 2, strides);
  for (int64_t r = 0; r < it.outer; r++, lab_iter_next(&it)) {
    const int64_t zs = it.inner_stride[0], cs = it.inner_stride[1];
    if (z->dtype == LAB_FLOAT32) {
      float *zp = (float *)z->data + it.offs[0];
      const float *cp = use_c ? (const float *)c->data + it.offs[1] : NULL;
      const float b = (float)beta;
      if (zs == 1 && cp && cs == 1) scale_run_f32(zp, cp, b, it.inner);
      else for (int64_t i = 0; i < it.inner; i++) zp[i * zs] = cp ? b * cp[i * cs] : 0.0f;
    } else {
      double *zp = (double *)z->data + it.offs[0];
      const double *cp = use_c ? (const double *)c->data + it.offs[1] : NULL;
      if (zs == 1 && cp && cs == 1) scale_run_f64(zp, cp, beta, it.inner);
      else for (int64_t i = 0; i < it.inner; i++) zp[i * zs] = cp ? beta * cp[i * cs] : 0.0;
    }
  }
}

/* The path a product takes. With the views' strides it fixes the order in which each element's
 * sum is formed, so a block of rows on the same path as the whole product gets the same bits. */
typedef enum gemm_route {
  GEMM_ROUTE_EMPTY,       /* nothing to multiply: Z = beta*C (or 0), or no Z at all */
  GEMM_ROUTE_GEMV_AVX512, /* gemv_avx512.c */
  GEMM_ROUTE_SMALL_GEMV,  /* small.inc, each path its own route */
  GEMM_ROUTE_SMALL_K,
  GEMM_ROUTE_SMALL_M,
  GEMM_ROUTE_NARROW_AVX512, /* narrow_avx512.c */
  GEMM_ROUTE_OUTER_AVX512, /* outer_avx512.c */
  GEMM_ROUTE_WGRAD_AVX512, /* wgrad_avx512.c */
  GEMM_ROUTE_DRIVER,      /* driver.inc */
  GEMM_ROUTE_DRIVER_TRANSPOSED /* driver.inc on Zᵀ = op(B)ᵀ op(A)ᵀ */
} gemm_route;

/* A validated product and what lab_gemm_kernel decided for it before computing. */
typedef struct gemm_plan {
  matrix_view a, b, zv;
  const lab_tensor *c; /* C when it is read (given, beta != 0), else NULL */
  int c_is_z;          /* in place with beta 1: Z already holds beta*C */
  int bias_row;        /* C is a row broadcast down Z, added as the driver stores its tiles */
  gemm_route route;
  lab_isa isa;
} gemm_plan;

/* small.inc's problem for batch entry i. */
#define SMALL_PROBLEM(T, pl, in, z, alpha, beta, i)                                                         \
  {(pl)->zv.rows, (pl)->zv.cols, (pl)->a.cols,                                                             \
   (const T *)(in)[0].data + (i) * (pl)->a.batch_stride, (pl)->a.rs, (pl)->a.cs,                           \
   (const T *)(in)[1].data + (i) * (pl)->b.batch_stride, (pl)->b.rs, (pl)->b.cs,                           \
   (pl)->c ? (const T *)(pl)->c->data + (i) * ((pl)->c->ndim == 3 ? (pl)->c->strides[0] : 0) : NULL,       \
   (pl)->c ? (pl)->c->strides[(pl)->c->ndim == 3] : 0, (pl)->c ? (pl)->c->strides[((pl)->c->ndim == 3) + 1] : 0, \
   (T *)(z)->data + (i) * (pl)->zv.batch_stride, (pl)->zv.rs, (pl)->zv.cs, (T)(alpha), (T)(beta)}

/* Checks the views and decides the product's path; 0, or 1 with a message in err. */
static int gemm_plan_make(const lab_tensor *in, int32_t n_in, const lab_tensor *out, int32_t n_out,
                          const lab_gemm_attrs *attrs, gemm_plan *pl, char *err, size_t err_len) {
  char s0[96], s1[96], s2[96];
  if ((n_in != 2 && n_in != 3) || n_out != 1) {
    return lab_fail(err, err_len, "gemm takes inputs [A, B] or [A, B, C] and one output, got %d inputs and %d outputs", n_in, n_out);
  }
  const lab_tensor *z = &out[0];
  const lab_dtype dt = z->dtype;
  if (dt != LAB_FLOAT32 && dt != LAB_FLOAT64) {
    return lab_fail(err, err_len, "gemm supports float32 and float64, got output dtype %s", lab_dtype_name(dt));
  }
  for (int i = 0; i < n_in; i++) {
    if (in[i].dtype != dt) {
      return lab_fail(err, err_len, "gemm input %d is %s but the output is %s; cast first", i, lab_dtype_name(in[i].dtype), lab_dtype_name(dt));
    }
  }
  if ((z->ndim != 2 && z->ndim != 3) || in[0].ndim < 2 || in[0].ndim > z->ndim ||
      in[1].ndim < 2 || in[1].ndim > z->ndim) {
    return lab_fail(err, err_len, "gemm needs 2-d matrices or 3-d batches (A and B at most the output's rank), got A %s, B %s, Z %s",
                    lab_shape_str(&in[0], s0, sizeof s0), lab_shape_str(&in[1], s1, sizeof s1), lab_shape_str(z, s2, sizeof s2));
  }
  const matrix_view a = as_matrix(&in[0], attrs->trans_a);
  const matrix_view b = as_matrix(&in[1], attrs->trans_b);
  const matrix_view zv = as_matrix(z, 0);
  const int batch_ok = (a.batch == zv.batch || in[0].ndim == 2) && (b.batch == zv.batch || in[1].ndim == 2);
  if (a.cols != b.rows || a.rows != zv.rows || b.cols != zv.cols || !batch_ok) {
    return lab_fail(err, err_len, "gemm shapes do not match: op(A) is %lldx%lld (A %s, transA=%d), op(B) is %lldx%lld (B %s, transB=%d), output %s",
                    (long long)a.rows, (long long)a.cols, lab_shape_str(&in[0], s0, sizeof s0), attrs->trans_a,
                    (long long)b.rows, (long long)b.cols, lab_shape_str(&in[1], s1, sizeof s1), attrs->trans_b,
                    lab_shape_str(z, s2, sizeof s2));
  }
  const lab_tensor *c = n_in == 3 ? &in[2] : NULL;
  if (c && !lab_same_shape(c, z)) {
    return lab_fail(err, err_len, "gemm's C %s must have the output's shape %s (use stride 0 to broadcast a bias)",
                    lab_shape_str(c, s0, sizeof s0), lab_shape_str(z, s1, sizeof s1));
  }
  *pl = (gemm_plan){a, b, zv, c != NULL && attrs->beta != 0 ? c : NULL, 0, 0, GEMM_ROUTE_EMPTY, lab_isa_resolve(attrs->rt->isa)};
  if (zv.rows == 0 || zv.cols == 0 || zv.batch == 0 || a.cols == 0) return 0;
  /* In place with beta 1 (Z += A·B, the engine's accumulating updates): Z already holds beta*C. */
  pl->c_is_z = pl->c && attrs->beta == 1 && c->data == z->data;
  for (int d = 0; d < z->ndim && pl->c_is_z; d++) pl->c_is_z = z->shape[d] == 1 || c->strides[d] == z->strides[d];
#ifdef LAB_HAVE_GEMV_AVX512
  /* float32 matrix-vector products over short rows (or few columns) on an AVX-512 CPU */
  const int short_rows = a.cs == 1 && a.cols <= LAB_GEMV_AVX512_ROW_K_MAX;
  const int few_columns = a.rs == 1 && a.rows <= LAB_GEMV_AVX512_COLUMN_M_MAX;
  if (dt == LAB_FLOAT32 && pl->isa == LAB_ISA_AVX512 && zv.cols == 1 && (short_rows || few_columns)) {
    pl->route = GEMM_ROUTE_GEMV_AVX512;
    return 0;
  }
#endif
#ifdef LAB_HAVE_OUTER_AVX512
  /* float32 rank-1 products over short contiguous rows of Z (and of C) on an AVX-512 CPU */
  const int c_rows = !pl->c || (c->ndim == 2 && c->strides[1] == 1 && c->strides[0] == zv.cols);
  if (dt == LAB_FLOAT32 && pl->isa == LAB_ISA_AVX512 && a.cols == 1 && z->ndim == 2 && zv.cs == 1 &&
      zv.rs == zv.cols && b.cs == 1 && c_rows && zv.cols >= LAB_OUTER_AVX512_N_MIN &&
      zv.cols <= LAB_OUTER_AVX512_N_MAX) {
    pl->route = GEMM_ROUTE_OUTER_AVX512;
    return 0;
  }
#endif
  /* small.inc's unpacked paths: the same for every batch entry (only the base pointers differ) */
  int small;
  if (dt == LAB_FLOAT32) {
    const small_problem_f32 pr = SMALL_PROBLEM(float, pl, in, z, attrs->alpha, attrs->beta, 0);
    small = small_path_f32(&pr);
  } else {
    const small_problem_f64 pr = SMALL_PROBLEM(double, pl, in, z, attrs->alpha, attrs->beta, 0);
    small = small_path_f64(&pr);
  }
  if (small != SMALL_PATH_NONE) {
    pl->route = small == SMALL_PATH_GEMV ? GEMM_ROUTE_SMALL_GEMV : small == SMALL_PATH_K ? GEMM_ROUTE_SMALL_K : GEMM_ROUTE_SMALL_M;
    return 0;
  }
#ifdef LAB_HAVE_WGRAD_AVX512
  /* float32 on an AVX-512 CPU, a weight gradient xᵀ·dy with dy 80 columns wide (the LSTM's hᵀ·dz),
   * both read in place as the driver reads them, Z in tiles of 4 × 80 */
  if (dt == LAB_FLOAT32 && pl->isa == LAB_ISA_AVX512 && zv.cs == 1 && zv.batch == 1 &&
      lab_wgrad_avx512_takes(zv.rows, zv.cols, a.rs == 1, b.cs == 1)) {
    pl->route = GEMM_ROUTE_WGRAD_AVX512;
    return 0;
  }
#endif
#ifdef LAB_HAVE_NARROW_AVX512
  /* float32 on an AVX-512 CPU, a narrow Z with contiguous rows (a 20-wide layer's input gradient
   * dz·Wᵀ, its weight gradient xᵀ·dz) over a short k, rows or columns of op(A) contiguous */
  if (dt == LAB_FLOAT32 && pl->isa == LAB_ISA_AVX512 && zv.cs == 1 && (a.cs == 1 || a.rs == 1) &&
      lab_narrow_avx512_takes(zv.rows, zv.cols, a.cols, a.cs != 1)) {
    pl->route = GEMM_ROUTE_NARROW_AVX512;
    return 0;
  }
#endif
  const lab_gemm_isa_f32 k32 = lab_gemm_micro_kernel_f32(pl->isa);
  const lab_gemm_isa_f64 k64 = lab_gemm_micro_kernel_f64(pl->isa);
  const int mr = dt == LAB_FLOAT32 ? k32.mr : k64.mr, nr = dt == LAB_FLOAT32 ? k32.nr : k64.nr;
  /* Narrow outputs (the lab's 10- or 20-wide layers) waste most of an NR-wide tile; computing
   * Z^T = op(B)^T op(A)^T instead puts the narrow side along MR. Only the views change, but
   * op(A)^T becomes the packed B: worth it only when that packing reads rows (op(A) column-
   * major), otherwise gathering it costs more than the wasted lanes (measured). */
  const int narrow = a.rs == 1 && a.cs != 1 &&
                     tile_use(zv.cols, zv.rows, mr, nr) > 1.25 * tile_use(zv.rows, zv.cols, mr, nr);
  /* A column-major op(B) (x·Wᵀ: an input gradient through a [out, in] weight) is packed by
   * gathering all k·n of it, for every product; transposed, the gathered operand is op(A)ᵀ (k·m)
   * and Wᵀᵀ = W is read by rows, but Z is then written through strided tiles. Worth it when the
   * gathering saved, k·(n − m), exceeds the m·n strided stores: a batch of 32 through a 512 × 128
   * weight went from 35 to 57 GFLOP/s (128 × 32 × 512, where it does not pay, 43 → 31). */
  const int gathered_b = b.rs == 1 && b.cs != 1 && a.cs == 1 &&
                         (double)a.cols * (double)(zv.cols - zv.rows) > (double)zv.rows * (double)zv.cols;
  const int transpose = narrow || gathered_b;
  pl->route = transpose ? GEMM_ROUTE_DRIVER_TRANSPOSED : GEMM_ROUTE_DRIVER;
  /* A bias row broadcast down Z (C with row stride 0: a layer's x·W + b) is added as the driver
   * stores each tile, instead of by a pass filling Z with it that the products then read back:
   * the gates of the L2L LSTM, 1280 × 80, 30 % less time. Only for alpha = beta = 1, where the
   * addition is the same one either way, so the results keep their bits; and only for a C
   * apart from Z, which the driver writes while it still reads C. */
  pl->bias_row = pl->c && !pl->c_is_z && !transpose && attrs->alpha == 1 && attrs->beta == 1 && z->ndim == 2 &&
                 c->strides[0] == 0 && lab_views_disjoint(c, z);
  return 0;
}

/* Computes a planned product. */
static int gemm_plan_run(const gemm_plan *pl, const lab_tensor *in, lab_tensor *z, const lab_gemm_attrs *attrs,
                         char *err, size_t err_len) {
  const matrix_view zv = pl->zv;
  if (zv.rows == 0 || zv.cols == 0 || zv.batch == 0) return 0;
  const int f32 = z->dtype == LAB_FLOAT32;
  switch (pl->route) {
    case GEMM_ROUTE_EMPTY:
      apply_c(pl->c, attrs->beta, z); /* k = 0: Z = beta*C */
      return 0;
#ifdef LAB_HAVE_GEMV_AVX512
    case GEMM_ROUTE_GEMV_AVX512: {
      const lab_tensor *c = pl->c;
      for (int64_t i = 0; i < zv.batch; i++) {
        lab_gemv_avx512_f32(zv.rows, pl->a.cols, (const float *)in[0].data + i * pl->a.batch_stride, pl->a.rs, pl->a.cs,
                            (const float *)in[1].data + i * pl->b.batch_stride, pl->b.rs,
                            c ? (const float *)c->data + i * (c->ndim == 3 ? c->strides[0] : 0) : NULL,
                            c ? c->strides[c->ndim == 3] : 0, (float *)z->data + i * zv.batch_stride, zv.rs,
                            (float)attrs->alpha, (float)attrs->beta);
      }
      return 0;
    }
#endif
#ifdef LAB_HAVE_NARROW_AVX512
    case GEMM_ROUTE_NARROW_AVX512: {
      /* Z = beta*C first when C is apart from Z, as the driver does; then Z += alpha·A·op(B) */
      if (pl->c && !pl->c_is_z) apply_c(pl->c, attrs->beta, z);
      const double flops = (double)zv.rows * (double)zv.cols * (double)pl->a.cols;
      const int threads = flops < LAB_GEMM_PARALLEL_MIN_FLOPS ? 1 : attrs->rt->threads;
      for (int64_t i = 0; i < zv.batch; i++) {
        lab_gemm_narrow_avx512_f32(zv.rows, zv.cols, pl->a.cols, (const float *)in[0].data + i * pl->a.batch_stride,
                                   pl->a.rs, pl->a.cs, (const float *)in[1].data + i * pl->b.batch_stride, pl->b.rs, pl->b.cs,
                                   (float *)z->data + i * zv.batch_stride, zv.rs, (float)attrs->alpha, pl->c != NULL,
                                   threads, &attrs->rt->lookahead);
      }
      return 0;
    }
#endif
#ifdef LAB_HAVE_WGRAD_AVX512
    case GEMM_ROUTE_WGRAD_AVX512: {
      if (pl->c && !pl->c_is_z) apply_c(pl->c, attrs->beta, z); /* Z = beta*C first, as the driver does */
      const double flops = (double)zv.rows * (double)zv.cols * (double)pl->a.cols;
      const int threads = flops < LAB_GEMM_PARALLEL_MIN_FLOPS ? 1 : attrs->rt->threads;
      lab_gemm_wgrad_avx512_f32(zv.rows, zv.cols, pl->a.cols, GEMM_KC_F32, (const float *)in[0].data, pl->a.cs,
                                (const float *)in[1].data, pl->b.rs, (float *)z->data, zv.rs, (float)attrs->alpha,
                                pl->c != NULL, attrs->rt->prefetch_ahead, threads, &attrs->rt->lookahead);
      return 0;
    }
#endif
#ifdef LAB_HAVE_OUTER_AVX512
    case GEMM_ROUTE_OUTER_AVX512:
      lab_outer_avx512_f32(zv.rows, zv.cols, (const float *)in[0].data, pl->a.rs, (const float *)in[1].data,
                           pl->c ? (const float *)pl->c->data : NULL, (float *)z->data, (float)attrs->alpha,
                           (float)attrs->beta);
      return 0;
#endif
    case GEMM_ROUTE_SMALL_GEMV:
    case GEMM_ROUTE_SMALL_K:
    case GEMM_ROUTE_SMALL_M:
      for (int64_t i = 0; i < zv.batch; i++) {
        if (f32) {
          const small_problem_f32 pr = SMALL_PROBLEM(float, pl, in, z, attrs->alpha, attrs->beta, i);
          gemm_small_f32(&pr);
        } else {
          const small_problem_f64 pr = SMALL_PROBLEM(double, pl, in, z, attrs->alpha, attrs->beta, i);
          gemm_small_f64(&pr);
        }
      }
      return 0;
    default: break;
  }
  const int transpose = pl->route == GEMM_ROUTE_DRIVER_TRANSPOSED, has_c = pl->c != NULL, bias_row = pl->bias_row;
  if (has_c && !pl->c_is_z && !bias_row) apply_c(pl->c, attrs->beta, z);
  const matrix_view pa = transpose ? transposed(pl->b) : pl->a, pb = transpose ? transposed(pl->a) : pl->b;
  const matrix_view pz = transpose ? transposed(zv) : zv;
  const int64_t m = pz.rows, n = pz.cols, k = pa.cols;
  const lab_tensor *c = pl->c;
  for (int64_t i = 0; i < zv.batch; i++) {
    const void *ad = in[transpose ? 1 : 0].data, *bd = in[transpose ? 0 : 1].data;
    int failed;
    if (f32) {
      const gemm_problem_f32 pr = {m, n, k,
                                   (const float *)ad + i * pa.batch_stride, pa.rs, pa.cs,
                                   (const float *)bd + i * pb.batch_stride, pb.rs, pb.cs,
                                   (float *)z->data + i * pz.batch_stride, pz.rs, pz.cs,
                                   (float)attrs->alpha, has_c && !bias_row,
                                   bias_row ? (const float *)c->data : NULL, bias_row ? c->strides[1] : 0};
      failed = gemm_parallel_f32(&pr, lab_gemm_micro_kernel_f32(pl->isa), attrs->rt);
    } else {
      const gemm_problem_f64 pr = {m, n, k,
                                   (const double *)ad + i * pa.batch_stride, pa.rs, pa.cs,
                                   (const double *)bd + i * pb.batch_stride, pb.rs, pb.cs,
                                   (double *)z->data + i * pz.batch_stride, pz.rs, pz.cs,
                                   attrs->alpha, has_c && !bias_row,
                                   bias_row ? (const double *)c->data : NULL, bias_row ? c->strides[1] : 0};
      failed = gemm_parallel_f64(&pr, lab_gemm_micro_kernel_f64(pl->isa), attrs->rt);
    }
    if (failed) return lab_fail(err, err_len, "gemm: out of memory for packing buffers (%lldx%lldx%lld)", (long long)m, (long long)n, (long long)k);
  }
  return 0;
}

int lab_gemm_kernel(const lab_tensor *in, int32_t n_in, lab_tensor *out, int32_t n_out,
                    const void *attrs_ptr, char *err, size_t err_len) {
  const lab_gemm_attrs *attrs = attrs_ptr;
  gemm_plan plan;
  if (gemm_plan_make(in, n_in, out, n_out, attrs, &plan, err, err_len)) return 1;
  return gemm_plan_run(&plan, in, &out[0], attrs, err, err_len);
}

/* Whether z overlaps none of a product's n operands. */
static int apart_from(const lab_tensor *z, const lab_tensor *in, int32_t n) {
  for (int32_t k = 0; k < n; k++) {
    if (!lab_views_disjoint(z, &in[k])) return 0;
  }
  return 1;
}

#ifdef LAB_HAVE_NARROW_AVX512
/* Two narrow products of the same A (lab_gemm_pair_kernel): 0, or -1 where they are not that. */
static int narrow_pair(const gemm_plan *p1, const lab_tensor *in1, int32_t n_in1, lab_tensor *z1,
                       const lab_gemm_attrs *attrs1, const gemm_plan *p2, const lab_tensor *in2, int32_t n_in2,
                       lab_tensor *z2, const lab_gemm_attrs *attrs2) {
  const int narrow = p1->route == GEMM_ROUTE_NARROW_AVX512 && p2->route == GEMM_ROUTE_NARROW_AVX512 &&
                     p1->zv.batch == 1 && p2->zv.batch == 1;
  const int same_a = in1[0].data == in2[0].data && p1->a.rs == p2->a.rs && p1->a.cs == p2->a.cs &&
                     p1->a.rows == p2->a.rows && p1->a.cols == p2->a.cols;
  if (!narrow || !same_a || !lab_views_disjoint(z1, z2) || !apart_from(z1, in2, n_in2) || !apart_from(z2, in1, n_in1)) {
    return -1;
  }
  const gemm_plan *plans[2] = {p1, p2};
  const lab_tensor *ins[2] = {in1, in2};
  lab_tensor *zs[2] = {z1, z2};
  const lab_gemm_attrs *attrs[2] = {attrs1, attrs2};
  lab_narrow_product products[2];
  double flops = 0; /* the larger product's: each alone would split its rows only from the threshold */
  for (int q = 0; q < 2; q++) {
    const gemm_plan *pl = plans[q];
    /* Z = beta*C first when C is apart from Z, as each product alone does */
    if (pl->c && !pl->c_is_z) apply_c(pl->c, attrs[q]->beta, zs[q]);
    products[q] = (lab_narrow_product){(const float *)ins[q][1].data, pl->b.rs, pl->b.cs, pl->zv.cols,
                                       (float *)zs[q]->data, pl->zv.rs, (float)attrs[q]->alpha, pl->c != NULL};
    const double own = (double)pl->zv.rows * (double)pl->zv.cols * (double)pl->a.cols;
    if (own > flops) flops = own;
  }
  const int threads = flops < LAB_GEMM_PARALLEL_MIN_FLOPS ? 1 : attrs1->rt->threads;
  lab_gemm_narrow_shared_a_avx512_f32(p1->zv.rows, p1->a.cols, (const float *)in1[0].data, p1->a.rs, p1->a.cs, products,
                                      2, threads, &attrs1->rt->lookahead);
  return 0;
}
#endif

#ifdef LAB_HAVE_SUM2_AVX512
/* A product on the driver's path whose elements are each one multiply-add chain from 0: a float32
 * op(A) and op(B) with contiguous rows, k short of the dot-product tail (hence within one KC panel). */
static int chain_from_zero(const gemm_plan *pl) {
  return pl->route == GEMM_ROUTE_DRIVER && pl->a.cs == 1 && pl->b.cs == 1 && pl->a.cols < DOT_TAIL_K_MIN;
}

/* x·W + b into Z, then Z += h·U (lab_gemm_pair_kernel): 0, or -1 where they are not that. */
static int sum_pair(const gemm_plan *p1, const lab_tensor *in1, int32_t n_in1, lab_tensor *z1,
                    const lab_gemm_attrs *attrs1, const gemm_plan *p2, const lab_tensor *in2, lab_tensor *z2,
                    const lab_gemm_attrs *attrs2) {
  const matrix_view zv = p1->zv;
  const int same_z = z1->data == z2->data && zv.rows == p2->zv.rows && zv.cols == p2->zv.cols &&
                     zv.rs == p2->zv.rs && zv.cs == 1 && p2->zv.cs == 1 && zv.batch == 1 && p2->zv.batch == 1;
  /* the first's C: none, or a bias row added with beta 1 */
  const int bias = p1->c == NULL ||
                   (attrs1->beta == 1 && p1->c->ndim == 2 && p1->c->strides[0] == 0 && p1->c->strides[1] == 1);
  /* small.inc's small-k rows (the first layer's x of 2 columns), with x's rows contiguous */
  const int small_k = p1->route == GEMM_ROUTE_SMALL_K && p1->a.cs == 1;
  /* threads where either product alone would take them: waking the workers costs more than two
   * products under the threshold gain (with the sums, the quadratics meta-iteration on two threads
   * took 1.5 times as long) */
  const int64_t k = p1->a.cols > p2->a.cols ? p1->a.cols : p2->a.cols;
  const double flops = (double)zv.rows * (double)zv.cols * (double)k;
  const int threads = flops < LAB_GEMM_PARALLEL_MIN_FLOPS ? 1 : attrs1->rt->threads;
  if (p1->isa != LAB_ISA_AVX512 || z1->dtype != LAB_FLOAT32 || !same_z || zv.cols % 16 != 0 || !bias ||
      attrs1->alpha != 1 || attrs2->alpha != 1 || !p2->c_is_z || !(chain_from_zero(p1) || small_k) ||
      !chain_from_zero(p2) || !apart_from(z1, in1, n_in1) || !apart_from(z1, in2, 2)) {
    return -1;
  }
  const lab_sum2_first first = {{(const float *)in1[0].data, p1->a.rs, (const float *)in1[1].data, p1->b.rs, p1->a.cols},
                                 p1->c ? (const float *)p1->c->data : NULL,
                                 small_k};
  const lab_sum2_product second = {(const float *)in2[0].data, p2->a.rs, (const float *)in2[1].data, p2->b.rs,
                                   p2->a.cols};
  lab_gemm_sum2_avx512_f32(zv.rows, zv.cols, &first, &second, (float *)z1->data, zv.rs, threads,
                           &attrs1->rt->lookahead);
  return 0;
}
#endif

int lab_gemm_pair_kernel(const lab_tensor *in1, int32_t n_in1, lab_tensor *z1, const void *attrs1, const lab_tensor *in2,
                         int32_t n_in2, lab_tensor *z2, const void *attrs2, char *err, size_t err_len) {
  gemm_plan p1, p2;
  if (gemm_plan_make(in1, n_in1, z1, 1, attrs1, &p1, err, err_len) ||
      gemm_plan_make(in2, n_in2, z2, 1, attrs2, &p2, err, err_len)) {
    err[0] = '\0'; /* each product, run alone, says what is wrong with it */
    return -1;
  }
#ifdef LAB_HAVE_NARROW_AVX512
  if (narrow_pair(&p1, in1, n_in1, z1, attrs1, &p2, in2, n_in2, z2, attrs2) == 0) return 0;
#endif
#ifdef LAB_HAVE_SUM2_AVX512
  if (sum_pair(&p1, in1, n_in1, z1, attrs1, &p2, in2, z2, attrs2) == 0) return 0;
#endif
  (void)n_in2;
  return -1;
}

int lab_gemm_route(const lab_tensor *in, int32_t n_in, const lab_tensor *z, const void *attrs) {
  gemm_plan pl;
  char err[8];
  return gemm_plan_make(in, n_in, z, 1, attrs, &pl, err, sizeof err) ? -1 : (int)pl.route;
}

#ifdef LAB_HAVE_GEMV_AVX512
/* A gemv that sums a column-major op(A) by its columns, one multiply-add chain a row in order of
 * p: the L2L output layer's weight gradient hᵀ·dy (20 × 15,910 · 15,910 × 1). */
static int gemv_by_columns(const gemm_plan *pl) {
  return pl->route == GEMM_ROUTE_GEMV_AVX512 && pl->zv.batch == 1 &&
         lab_gemv_avx512_by_columns(pl->a.cols, pl->a.rs, pl->a.cs);
}
#endif

int64_t lab_gemm_small_m_sums(const lab_tensor *in, int32_t n_in, const lab_tensor *z, const void *attrs) {
  gemm_plan pl;
  char err[8];
  if (gemm_plan_make(in, n_in, z, 1, attrs, &pl, err, sizeof err)) return 0;
#ifdef LAB_HAVE_GEMV_AVX512
  if (gemv_by_columns(&pl)) return LAB_GEMV_AVX512_COLUMN_M_MAX;
#endif
  if (pl.route != GEMM_ROUTE_SMALL_M || pl.zv.batch != 1) return 0;
  return pl.zv.rows * pl.zv.cols;
}

/* A piece of a small-m product's sums added to acc (store 0: in holds op(A)'s and op(B)'s pieces),
 * or Z stored from them (store 1: in is the whole product's operands, C included). */
static void small_m_sums(void *acc, const lab_tensor *in, int32_t n_in, const lab_tensor *z, const lab_gemm_attrs *attrs,
                         int store) {
  gemm_plan pl;
  char err[8];
  if (gemm_plan_make(in, n_in, z, 1, attrs, &pl, err, sizeof err)) return; /* planned whole by lab_gemm_small_m_sums */
#ifdef LAB_HAVE_GEMV_AVX512
  if (gemv_by_columns(&pl)) {
    const lab_tensor *c = pl.c;
    if (store) {
      lab_gemv_columns_store_avx512_f32(pl.zv.rows, acc, c ? (const float *)c->data : NULL, c ? c->strides[c->ndim == 3] : 0,
                                        (float *)z->data, pl.zv.rs, (float)attrs->alpha, (float)attrs->beta);
    } else {
      lab_gemv_columns_add_avx512_f32(pl.zv.rows, pl.a.cols, (const float *)in[0].data, pl.a.cs,
                                      (const float *)in[1].data, pl.b.rs, acc);
    }
    return;
  }
#endif
  if (z->dtype == LAB_FLOAT32) {
    const small_problem_f32 pr = SMALL_PROBLEM(float, &pl, in, z, attrs->alpha, attrs->beta, 0);
    if (store) small_m_finish_f32(&pr, acc);
    else small_m_add_f32(&pr, acc);
  } else {
    const small_problem_f64 pr = SMALL_PROBLEM(double, &pl, in, z, attrs->alpha, attrs->beta, 0);
    if (store) small_m_finish_f64(&pr, acc);
    else small_m_add_f64(&pr, acc);
  }
}

void lab_gemm_small_m_add(void *acc, const lab_tensor *pieces, const lab_tensor *z, const void *attrs) {
  small_m_sums(acc, pieces, 2, z, attrs, 0);
}

void lab_gemm_small_m_store(const void *acc, const lab_tensor *in, int32_t n_in, lab_tensor *z, const void *attrs) {
  small_m_sums((void *)acc, in, n_in, z, attrs, 1);
}

int64_t lab_gemm_k_piece(const lab_tensor *in, int32_t n_in, const lab_tensor *z, const void *attrs) {
  const int route = lab_gemm_route(in, n_in, z, attrs);
  if (route != GEMM_ROUTE_DRIVER && route != GEMM_ROUTE_DRIVER_TRANSPOSED && route != GEMM_ROUTE_WGRAD_AVX512) return 0;
  /* the dot-product tail (a float32 op(A) with contiguous rows) joins from k = DOT_TAIL_K_MIN;
   * pieces at least that long each make the whole product's choice */
  _Static_assert(DOT_TAIL_K_MIN <= GEMM_KC_F32, "a float32 k-piece must be long enough for the dot tail");
  return z->dtype == LAB_FLOAT32 ? GEMM_KC_F32 : GEMM_KC_F64;
}
