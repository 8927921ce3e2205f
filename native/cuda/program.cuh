// Internal to liblabcuda.so: a program as the executor holds it. plan.cu builds it from the tape
// (engine/backends/cuda/tape.ts writes the tape; native/cuda/README.md documents the format),
// executor.cu runs it.
#ifndef LAB_CUDA_PROGRAM_CUH
#define LAB_CUDA_PROGRAM_CUH

#include <string>
#include <vector>

#include "kernels.cuh"
#include "lab_cuda.h"

namespace labcuda {

enum StepKind : int32_t {
  K_ELEMENTWISE = 0, K_GEMM, K_REDUCE, K_ROWS, K_TAKE, K_SCATTER, K_RANDOM, K_HOST, K_USER, K_CONV, K_POOL, K_COUNT
};

struct TapeView {
  int32_t buffer;
  int64_t offset;
  int32_t ndim;
  int64_t shape[kMaxNdim];
  int64_t strides[kMaxNdim];
};

// One step as read from the tape, before any device memory exists.
struct TapeStep {
  int32_t kind;
  std::string kernel, op;  // the native kernel it implements and the op's printed name
  std::vector<TapeView> inputs, outputs;
  std::vector<double> attrs;
};

// An elementwise launch: its plan on the host, and where plan, operands and code sit in the
// program's device metadata block.
struct EwLaunch {
  EwPlan plan;
  std::vector<EwOperand> ops;
  std::vector<EwInstr> code;
  size_t plan_off = 0, ops_off = 0, code_off = 0;
  void *compiled = nullptr;  // a cudaKernel_t from NVRTC, or null: the interpreter runs it
};

struct Step {
  int32_t kind;
  std::string kernel, op;
  // The buffers the step reads and writes: a captured graph orders steps by these alone, so
  // steps that share no data may run at the same time.
  std::vector<int32_t> reads, writes;
  EwLaunch ew;
  GemmArgs gemm;
  ReduceArgs reduce;
  RowArgs rows;
  GatherArgs gather;
  RandomArgs random;
  ConvArgs conv;
  PoolArgs pool;
  // A user's CUDA kernel (K_USER): the compiled kernel, its launch configuration and the
  // scalars passed after the pointers and the element count.
  void *user_kernel = nullptr;
  dim3 grid, block;
  unsigned shared_bytes = 0;
  std::vector<double> scalars;
  long long user_n = 0;
  // Host and user steps: device staging of each input/output (contiguous), the packs/unpacks between
  // staging and the views, and host copies handed to the callback.
  int32_t callback = -1;
  std::vector<EwLaunch> packs, unpacks;
  std::vector<char *> staging_in, staging_out;
  std::vector<lab_cuda_host_tensor> host_in, host_out;
  std::vector<std::vector<char>> host_in_mem, host_out_mem;
};

struct Buffer {
  lab_dtype dtype;
  int64_t size;
  int32_t role;  // as lab_role: input, output, shared, temp, constant
  char *data;    // in the arena
};

}  // namespace labcuda

struct lab_cuda_program {
  std::vector<labcuda::Buffer> buffers;
  std::vector<labcuda::Step> steps;
  std::vector<int32_t> inputs, outputs;
  char *arena = nullptr;
  char *meta = nullptr;  // elementwise plans, operands and code
  labcuda::DeviceError *err = nullptr;
  cudaStream_t stream = nullptr;
  int sm_count = 1;
  bool has_host_steps = false;
  int runs = 0;
  bool graph_failed = false;
  bool graph_replayed = false;
  int nvrtc_kernels = 0;
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t graph_exec = nullptr;
  // The GPU's time of each run: events before the first input copy and after the last output copy.
  cudaEvent_t run_begin = nullptr, run_end = nullptr;
  double last_run_ms = 0;
  // Profiling (lab_cuda_program_profile): an event before each step and after the last.
  bool profiling = false;
  int profiled_runs = 0;
  std::vector<cudaEvent_t> events;
  std::vector<double> step_ms;
};

namespace labcuda {

// Reads the tape into `p` (buffers, arena, steps, metadata). Returns false with a message.
bool buildProgram(lab_cuda_program *p, const double *tape, int64_t len, std::string *error);

// NVRTC-compiled straight-line code for an elementwise plan, or null (no libnvrtc, or it failed:
// the interpreter runs the plan then). nvrtc.cu.
void *compileElementwise(const EwLaunch &launch, int device_major, int device_minor);

// Argument blocks (args.cu): each returns false with the reason in `why`.
bool fail(std::string *error, const std::string &message);
std::string shapeStr(const int64_t *shape, int ndim);
bool planElementwise(const std::vector<DView> &ins, const std::vector<DView> &outs, EwLaunch *l, std::string *why);
EwLaunch identityCopy(const DView &from, const DView &to, std::string *why, bool *ok);
DView contiguous(char *data, lab_dtype dtype, const TapeView &shape_of);
bool planGemm(const TapeStep &s, const std::vector<DView> &in, const DView &z, GemmArgs *g, std::string *why);
bool planReduce(const TapeStep &s, const DView &x, const DView &y, ReduceArgs *r, std::string *why);
bool planRows(const TapeStep &s, const std::vector<DView> &in, const DView &out, RowArgs *r, std::string *why);
bool planConv(const TapeStep &s, const std::vector<DView> &in, const DView &out, ConvArgs *c, std::string *why);
bool planPool(const TapeStep &s, const std::vector<DView> &in, const DView &out, PoolArgs *p, std::string *why);

// A kernel named `name` in CUDA `source`, compiled with NVRTC (cached), or null with why.
void *compileKernel(const std::string &source, const std::string &name, std::string *why);
// A kernel from a CUBIN/PTX file compiled elsewhere (nvcc), or null with why.
void *loadKernelFile(const std::string &path, const std::string &name, std::string *why);

// Launch of a compiled elementwise kernel (nvrtc.cu).
cudaError_t launchCompiled(const LaunchCtx &ctx, const EwLaunch &launch, const char *meta);

}  // namespace labcuda

#endif  // LAB_CUDA_PROGRAM_CUH
