// Internal to liblabcuda.so: the argument blocks of every kernel family and the launch functions
// the executor calls. Each family lives in its own .cu file; the executor (executor.cu) turns the
// program tape into these blocks once, at program creation.
#ifndef LAB_CUDA_KERNELS_CUH
#define LAB_CUDA_KERNELS_CUH

#include "common.cuh"
#include "../kernels/pool_element.h"  // and conv_element.h

namespace labcuda {

// ---- elementwise (elementwise.cu): a postfix program over the operands, one thread per element.
// Its opcodes and scalar semantics: ew_scalar.inc (shared with the NVRTC source).
#define LAB_EW_SCALAR_SOURCE(...) __VA_ARGS__
#include "ew_scalar.inc"
#undef LAB_EW_SCALAR_SOURCE

constexpr int kEwMaxOperands = 33;  // 32 inputs and outputs in all, as the CPU kernel
constexpr int kEwMaxStack = 24;

struct EwInstr {
  int32_t op;
  int32_t arg;   // input or output index, or the dtype of a cast
  double value;  // a constant
};

struct EwOperand {
  char *data;
  int32_t dtype;
  int32_t pad;
  int64_t strides[kMaxNdim];  // over the plan's (coalesced) shape
};

struct EwPlan {
  int32_t n_in, n_out, ndim, n_code;
  int32_t compute;  // LAB_FLOAT32, LAB_FLOAT64 or LAB_INT32 (integer composites)
  int32_t pad;
  int64_t n;
  int64_t shape[kMaxNdim];
};

// The opcode's name, for errors.
const char *ewName(int32_t op);

// `plan`, `ops` (n_in + n_out) and `code` are device copies; `host` is the same plan on the host.
cudaError_t launchElementwise(const LaunchCtx &ctx, const EwPlan &host, const EwPlan *plan,
                              const EwOperand *ops, const EwInstr *code);

// ---- gemm (gemm.cu): Z = alpha op(A) op(B) + beta C, batched, any strides.
struct GemmArgs {
  const char *A, *B, *C;
  char *Z;
  int32_t dtype;  // float32 or float64, all operands
  int32_t has_c;
  int64_t batch, M, N, K;
  int64_t a_b, a_m, a_k;  // strides of op(A): batch, row, column
  int64_t b_b, b_k, b_n;
  int64_t c_b, c_m, c_n;
  int64_t z_b, z_m, z_n;
  double alpha, beta;
  // Split-K: `splits` blocks share one tile of Z, each over k_per of K, writing alpha * partial
  // products into `partials` (splits x batch x M x N, contiguous); a second kernel sums them in
  // slice order (deterministic) and adds beta C. splits == 1: one pass straight into Z.
  int64_t splits, k_per;
  char *partials;
};
cudaError_t launchGemm(const LaunchCtx &ctx, const GemmArgs &g);
// How many K slices a GEMM of this size gets: enough blocks for `sm_count` SMs when its tiles of
// Z alone are too few and K is long (the lab's weight gradients: 20 x 80 over 15,910 rows).
int64_t gemmSplits(int64_t batch, int64_t M, int64_t N, int64_t K, int sm_count);

// ---- reduce (reduce.cu): one output element per kept index, the reduced axes walked inside.
enum ReduceOp : int32_t { RED_SUM = 0, RED_MEAN, RED_PROD, RED_MAX, RED_MIN, RED_ARGMAX, RED_LOGSUMEXP, RED_VAR };
struct ReduceArgs {
  const char *x;
  char *y;
  int32_t x_dtype, y_dtype, op, nk, nr, pad;
  int64_t n_out, n_red;
  int64_t kshape[kMaxNdim], kx[kMaxNdim], ky[kMaxNdim];  // kept axes: sizes, x strides, y strides
  int64_t rshape[kMaxNdim], rx[kMaxNdim];                // reduced axes: sizes, x strides
};
cudaError_t launchReduce(const LaunchCtx &ctx, const ReduceArgs &r);

// ---- row kernels (rows.cu): the softmax family and the losses over one axis, a warp per row.
enum RowMode : int32_t {
  ROW_SOFTMAX = 0, ROW_LOG_SOFTMAX, ROW_SOFTMAX_GRAD, ROW_LOG_SOFTMAX_GRAD, ROW_SCE, ROW_SCE_GRAD, ROW_CCE
};
struct RowView {
  char *data;
  int32_t dtype, pad;
  int64_t rstrides[kMaxNdim];  // over the row axes
  int64_t astride;             // along the reduced axis (0 for per-row values: labels, losses)
};
struct RowArgs {
  int32_t mode, n_in, nd, pad;
  int64_t rows, len;  // len: the axis length (classes)
  int64_t rshape[kMaxNdim];
  RowView in[3];
  RowView out;
};
cudaError_t launchRows(const LaunchCtx &ctx, const RowArgs &r);

// ---- take / advanced subtensors (gather.cu).
struct GatherArgs {
  DView x;    // the indexed tensor: take's source, or the destination z of a scatter
  DView idx;  // int32
  DView v;    // take's output, or the values a scatter writes (take's shape)
  int32_t axis;
  int32_t set;  // scatter: 1 = set (last wins), 0 = add
};
cudaError_t launchTake(const LaunchCtx &ctx, const GatherArgs &g);
cudaError_t launchScatter(const LaunchCtx &ctx, const GatherArgs &g);

// ---- random (random.cu): Philox4x32-10 per engine/random/philox.ts.
enum RandomDist : int32_t { RAND_UNIFORM = 0, RAND_NORMAL, RAND_BERNOULLI };
struct RandomArgs {
  DView y;
  int32_t dist, stream;
  uint32_t key0, key1;
  int64_t size;
  long long *start;       // device slot: the element index of the first draw (advances per run)
  const int32_t *offset;  // device int32 scalar (the draw number), or null
  double a, b;            // low/high, mean/std, or p
  int32_t advance, pad;
};
cudaError_t launchRandom(const LaunchCtx &ctx, const RandomArgs &r);

// ---- convolution (conv.cu) and pooling (pool.cu): one thread per output element through the
// element functions the CPU kernels share (native/kernels/conv_element.h, pool_element.h).
struct ConvArgs {
  int32_t mode;  // 0 forward [x, w], 1 grad input [dy, w], 2 grad weight [x, dy]
  int32_t pad;
  lab_conv_geom g;
  lab_el_view a, b;  // the two inputs the mode reads, in that order
  DView out;
  int64_t n_out;
};
cudaError_t launchConv(const LaunchCtx &ctx, const ConvArgs &c);

struct PoolArgs {
  int32_t mode;  // 0 max, 1 avg, 2 max grad [x, y, dy], 3 max grad-grad [x, y, g], 4 avg grad [dy]
  int32_t pad;
  lab_pool_geom g;
  lab_el_view in[3];
  DView out;
  int64_t n_out;
};
cudaError_t launchPool(const LaunchCtx &ctx, const PoolArgs &p);

}  // namespace labcuda

#endif  // LAB_CUDA_KERNELS_CUH
