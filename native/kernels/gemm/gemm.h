/*
 * GEMM: Z = alpha * op(A) * op(B) + beta * C, op = identity or transpose, over strided views.
 * 3-d views are a batch of matrices (batch stride 0 broadcasts one operand over the batch).
 *
 * Structure (Goto/BLIS): the driver blocks the problem so a KC x NC panel of op(B) stays in L3
 * and an MC x KC block of op(A) in L2, packs both into contiguous micro-panels (this is also
 * where transposes are absorbed: packing reads through the strides, nothing else is copied),
 * and calls an MR x NR register-blocked micro-kernel. Micro-kernels exist per instruction set
 * (AVX-512, AVX2+FMA, portable) and are chosen at run time.
 */
#ifndef LAB_GEMM_H
#define LAB_GEMM_H

#include "../../include/lab_kernel.h"
#include "../runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lab_gemm_attrs {
  int trans_a;
  int trans_b;
  double alpha;
  double beta;
  lab_runtime *rt; /* threads, ISA choice and packing scratch of the owning program */
} lab_gemm_attrs;

/* inputs [A, B] or [A, B, C]; outputs [Z]. C has Z's rank and shape (stride 0 broadcasts). */
int lab_gemm_kernel(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs,
                    int32_t n_outputs, const void *attrs, char *err, size_t err_len);

/* Two adjacent products computed together, each Z with the bits lab_gemm_kernel gives it:
 * - of the same A (the same view), both on the narrow AVX-512 path (gemm/narrow_avx512.h), neither
 *   Z overlapping an operand of the other or the other Z: A's rows are transposed once for both
 *   (the LSTM's dz₂·Wh₂ᵀ and dz₂·Wx₂ᵀ);
 * - into the same Z, the first x·W (+ a bias row), the second adding h·U to it in place, alpha and
 *   beta 1, float32 rows on AVX-512, each product on a path whose elements are single multiply-add
 *   chains (the driver within one KC panel, or small.inc's small-k rows for the first), Z apart
 *   from every other operand: Z written once (gemm/sum2_avx512.h; the LSTM's gates).
 * Returns 0 when it computed both, -1 when they do not pair (nothing computed: run each with
 * lab_gemm_kernel). */
int lab_gemm_pair_kernel(const lab_tensor *inputs1, int32_t n_inputs1, lab_tensor *z1, const void *attrs1,
                         const lab_tensor *inputs2, int32_t n_inputs2, lab_tensor *z2, const void *attrs2, char *err,
                         size_t err_len);

/* The path a product takes through the kernel (each path has its own order of additions), as a
 * number, or -1 when its views do not plan. Row blocks (native/src/row_blocks.h) run a product
 * block of Z's rows by block only where every block takes the whole product's path, so the
 * blocks' results keep the whole product's bits. */
int lab_gemm_route(const lab_tensor *inputs, int32_t n_inputs, const lab_tensor *z, const void *attrs);

/* The blocked driver adds each element's sum over k to Z in pieces of a fixed length, in order
 * (accumulating into Z after the first). For a product it runs, that length (else 0): the same
 * product split along k into consecutive calls over multiples of it, every call after the first
 * accumulating into Z in place (C = Z, beta 1), makes the same additions when each call takes the
 * driver too and is at least one piece long. Row blocks (native/src/row_blocks.h) run weight
 * gradients xᵀ·dy over the rows of a chain that way. */
int64_t lab_gemm_k_piece(const lab_tensor *inputs, int32_t n_inputs, const lab_tensor *z, const void *attrs);

/* A product on the unpacked small-m path (op(A) of at most 4 rows: the weight gradient xᵀ·dy of
 * a layer with few inputs) or a gemv summing a column-major op(A) by its columns (the weight
 * gradient hᵀ·dy of a layer with one output), summed over consecutive pieces of k the way row
 * blocks run it: its accumulators' element count (m × n of Z's type, or the gemv's 32 floats; 0
 * when the product takes another path), then
 * lab_gemm_small_m_add for each piece — pieces[0], pieces[1] the piece's op(A) columns and op(B)
 * rows — into the accumulators (zeroed before the first), and lab_gemm_small_m_store, Z = beta·C
 * + alpha·acc from the whole product's views. The same multiply-adds in the same order as the
 * whole product: the same bits. */
int64_t lab_gemm_small_m_sums(const lab_tensor *inputs, int32_t n_inputs, const lab_tensor *z, const void *attrs);
void lab_gemm_small_m_add(void *acc, const lab_tensor *pieces, const lab_tensor *z, const void *attrs);
void lab_gemm_small_m_store(const void *acc, const lab_tensor *inputs, int32_t n_inputs, lab_tensor *z,
                            const void *attrs);

/*
 * A micro-kernel computes the MR x NR tile acc = sum_p a[p*MR + i] * b[p*NR + j] over kc
 * packed steps, then writes c[i*rs_c + j] = alpha*acc (accumulate = 0) or += alpha*acc.
 * Column stride of c is 1; partial tiles go through a temporary tile.
 */
typedef void (*lab_gemm_micro_f32)(int64_t kc, const float *a, const float *b, float *c,
                                   int64_t rs_c, float alpha, int accumulate);
typedef void (*lab_gemm_micro_f64)(int64_t kc, const double *a, const double *b, double *c,
                                   int64_t rs_c, double alpha, int accumulate);
/* The same with A read in place: element (i, p) at a[i * rs_a + p]. */
typedef void (*lab_gemm_micro_rows_f32)(int64_t kc, const float *a, int64_t rs_a, const float *b,
                                        float *c, int64_t rs_c, float alpha, int accumulate);
typedef void (*lab_gemm_micro_rows_f64)(int64_t kc, const double *a, int64_t rs_a, const double *b,
                                        double *c, int64_t rs_c, double alpha, int accumulate);
/* The same with A element (i, p) at a[i * rs_a + p * cs_a] and B row p at b + p * rs_b; with
 * `prefetch_a`, A's elements LAB_GEMM_PREFETCH_K steps of p ahead are prefetched as it goes (an A
 * read in place from memory, on its first pass). */
typedef void (*lab_gemm_micro_strided_f32)(int64_t kc, const float *a, int64_t rs_a, int64_t cs_a,
                                           const float *b, int64_t rs_b, float *c, int64_t rs_c,
                                           float alpha, int accumulate, int prefetch_a);
typedef void (*lab_gemm_micro_strided_f64)(int64_t kc, const double *a, int64_t rs_a, int64_t cs_a,
                                           const double *b, int64_t rs_b, double *c, int64_t rs_c,
                                           double alpha, int accumulate, int prefetch_a);
/* How far ahead along k the strided kernels prefetch A: 48 steps, 3.8 KiB of a 20-wide layer's
 * saved h (hᵀ·dz, MNIST's weight gradients over 768-row chain blocks of an h saved long before:
 * 21.7 → 19.0 µs a block from memory, 16.5 either way from cache; 16 steps ahead 19.3). */
#define LAB_GEMM_PREFETCH_K 48

/* The strided kernel for 1 ≤ rows < MR rows (MR ≤ 12), writing the rows × NR tile into c. */
typedef void (*lab_gemm_micro_edge_f32)(int rows, int64_t kc, const float *a, int64_t rs_a,
                                        int64_t cs_a, const float *b, int64_t rs_b, float *c,
                                        int64_t rs_c, float alpha, int accumulate);
typedef void (*lab_gemm_micro_edge_f64)(int rows, int64_t kc, const double *a, int64_t rs_a,
                                        int64_t cs_a, const double *b, int64_t rs_b, double *c,
                                        int64_t rs_c, double alpha, int accumulate);

typedef struct lab_gemm_isa_f32 {
  int mr, nr;
  lab_gemm_micro_f32 kernel;
  lab_gemm_micro_rows_f32 kernel_rows;
  lab_gemm_micro_strided_f32 kernel_strided;
  lab_gemm_micro_edge_f32 kernel_edge;
  /* The strided and edge kernels NR / 2 columns wide (one vector), for a product's last columns
   * when they fill no more than half a tile: the full-width kernels would multiply zeros. */
  lab_gemm_micro_strided_f32 half_strided;
  lab_gemm_micro_edge_f32 half_edge;
} lab_gemm_isa_f32;

typedef struct lab_gemm_isa_f64 {
  int mr, nr;
  lab_gemm_micro_f64 kernel;
  lab_gemm_micro_rows_f64 kernel_rows;
  lab_gemm_micro_strided_f64 kernel_strided;
  lab_gemm_micro_edge_f64 kernel_edge;
  /* The strided and edge kernels NR / 2 columns wide (one vector), for a product's last columns
   * when they fill no more than half a tile: the full-width kernels would multiply zeros. */
  lab_gemm_micro_strided_f64 half_strided;
  lab_gemm_micro_edge_f64 half_edge;
} lab_gemm_isa_f64;

/* The micro-kernel for an ISA (never LAB_ISA_AUTO; the caller resolves it first). */
lab_gemm_isa_f32 lab_gemm_micro_kernel_f32(lab_isa isa);
lab_gemm_isa_f64 lab_gemm_micro_kernel_f64(lab_isa isa);

#ifdef __cplusplus
}
#endif

#endif /* LAB_GEMM_H */
