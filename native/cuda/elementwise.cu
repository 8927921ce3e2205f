// The generic fused elementwise kernel: a composite's scalar expressions as a postfix program,
// interpreted per element (one thread per output element, grid-stride). It needs no compiler at
// run time; where NVRTC is found the executor compiles the same program to straight-line code
// instead (nvrtc.cu) and this kernel is the fallback. The scalar semantics (ew_scalar.inc) are
// shared with that compiled code.
#include <math.h>

#include "kernels.cuh"

namespace labcuda {

namespace {

template <typename T>
__global__ void elementwiseInterp(const EwPlan *__restrict__ plan, const EwOperand *__restrict__ ops,
                                  const EwInstr *__restrict__ code) {
  __shared__ EwPlan p;
  if (threadIdx.x == 0) p = *plan;
  __syncthreads();
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < p.n; e += step) {
    int64_t coord[kMaxNdim];
    int64_t rest = e;
    for (int d = p.ndim - 1; d >= 0; d--) {
      coord[d] = rest % p.shape[d];
      rest /= p.shape[d];
    }
    T stack[kEwMaxStack];
    int sp = 0;
    for (int pc = 0; pc < p.n_code; pc++) {
      const EwInstr in = code[pc];
      if (in.op == EW_INPUT || in.op == EW_STORE) {
        const EwOperand &o = ops[in.op == EW_INPUT ? in.arg : p.n_in + in.arg];
        int64_t off = 0;
        for (int d = 0; d < p.ndim; d++) off += coord[d] * o.strides[d];
        char *at = o.data + off * dtypeBytes(o.dtype);
        if (in.op == EW_INPUT) stack[sp++] = loadAs<T>(at, o.dtype);
        else storeAs<T>(at, o.dtype, stack[--sp]);
      } else if (in.op == EW_CONST) {
        stack[sp++] = static_cast<T>(in.value);
      } else {
        const int arity = ewArity(in.op);
        sp -= arity;
        const T x = stack[sp];
        const T y = arity > 1 ? stack[sp + 1] : T(0);
        const T z = arity > 2 ? stack[sp + 2] : T(0);
        stack[sp++] = ewApply<T>(in.op, in.arg, x, y, z);
      }
    }
  }
}

}  // namespace

const char *ewName(int32_t op) {
  static const char *const names[] = {
      "input", "const", "store", "add", "sub", "mul", "div", "neg", "pow", "sqr", "sqrt", "rsqrt",
      "exp", "log", "log1p", "expm1", "abs", "sign", "tanh", "sigmoid", "softplus", "relu",
      "maximum", "minimum", "clip", "where", "lt", "le", "gt", "ge", "eq", "ne", "and", "or", "not",
      "xor", "identity", "cast"};
  return op >= 0 && op < EW_OP_COUNT ? names[op] : "?";
}

cudaError_t launchElementwise(const LaunchCtx &ctx, const EwPlan &host, const EwPlan *plan,
                              const EwOperand *ops, const EwInstr *code) {
  if (host.n == 0) return cudaSuccess;
  const int threads = 256;
  const int64_t want = (host.n + threads - 1) / threads;
  const int blocks = static_cast<int>(want < ctx.sm_count * 16 ? want : ctx.sm_count * 16);
  if (host.compute == LAB_FLOAT32)
    elementwiseInterp<float><<<blocks, threads, 0, ctx.stream>>>(plan, ops, code);
  else if (host.compute == LAB_INT32)
    elementwiseInterp<int><<<blocks, threads, 0, ctx.stream>>>(plan, ops, code);
  else
    elementwiseInterp<double><<<blocks, threads, 0, ctx.stream>>>(plan, ops, code);
  return cudaGetLastError();
}

}  // namespace labcuda
