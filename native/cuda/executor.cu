// The CUDA program executor's C ABI (lab_cuda.h). A run: reset the error flag, copy the inputs
// into their arena slots, launch every step on the program's stream (or replay the CUDA graph
// captured on an earlier run), copy the outputs out, synchronise once and read the error flag.
// Every CUDA call is checked; a failure names the step, its kernel and its op.
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <string>
#include <vector>

#include "program.cuh"

using labcuda::Step;

namespace {

void setError(char *err, size_t len, const std::string &msg) {
  if (err && len > 0) snprintf(err, len, "%s", msg.c_str());
}

std::string stepLabel(size_t i, const Step &s) {
  return "step " + std::to_string(i) + " '" + s.op + "' (kernel " + s.kernel + ")";
}

std::string cudaText(cudaError_t st) { return std::string(cudaGetErrorName(st)) + ": " + cudaGetErrorString(st); }

labcuda::LaunchCtx ctxFor(const lab_cuda_program *p, size_t i) {
  return labcuda::LaunchCtx{p->stream, p->err, static_cast<int32_t>(i), p->sm_count};
}

cudaError_t launchEw(const lab_cuda_program *p, size_t i, const labcuda::EwLaunch &l) {
  const labcuda::LaunchCtx ctx = ctxFor(p, i);
  if (l.compiled) return labcuda::launchCompiled(ctx, l, p->meta);
  return labcuda::launchElementwise(ctx, l.plan, reinterpret_cast<const labcuda::EwPlan *>(p->meta + l.plan_off),
                                    reinterpret_cast<const labcuda::EwOperand *>(p->meta + l.ops_off),
                                    reinterpret_cast<const labcuda::EwInstr *>(p->meta + l.code_off));
}

// The message for an error a kernel raised on the device.
std::string deviceErrorText(const lab_cuda_program *p, const labcuda::DeviceError &e) {
  const size_t i = static_cast<size_t>(e.step);
  const Step &s = p->steps[i < p->steps.size() ? i : 0];
  char msg[512];
  switch (e.code) {
    case labcuda::kErrIndex:
      snprintf(msg, sizeof msg, "%s: index %lld at position %lld of the indices is out of bounds for axis %d with size %lld",
               s.kernel.c_str(), e.a, e.b, s.gather.axis, e.c);
      break;
    case labcuda::kErrLabel:
      snprintf(msg, sizeof msg, "%s: label %lld in row %lld is out of range: there are %lld classes (labels must be in [0, %lld))",
               s.kernel.c_str(), e.a, e.b, e.c, e.c);
      break;
    case labcuda::kErrEmptyReduce:
      snprintf(msg, sizeof msg, "%s: max/min/argmax of an empty set of values is undefined", s.kernel.c_str());
      break;
    case labcuda::kErrNegativeOffset:
      snprintf(msg, sizeof msg, "%s: the random draw's offset must be non-negative, got %lld", s.kernel.c_str(), e.a);
      break;
    default: snprintf(msg, sizeof msg, "%s: adding into a tensor of this dtype is not supported on the GPU", s.kernel.c_str());
  }
  return stepLabel(i, s) + ": " + msg;
}

// Host step: pack each input into staging, copy it to the host, call back, and bring the
// outputs back the same way (this is where GpuFromHost / HostFromGpu happen).
int runHostStep(lab_cuda_program *p, size_t i, lab_cuda_host_fn host_fn, void *host_ctx, std::string *error) {
  Step &s = p->steps[i];
  cudaError_t st = cudaSuccess;
  for (size_t k = 0; k < s.packs.size() && st == cudaSuccess; k++) {
    st = launchEw(p, i, s.packs[k]);
    if (st == cudaSuccess)
      st = cudaMemcpyAsync(s.host_in_mem[k].data(), s.staging_in[k], s.host_in_mem[k].size(), cudaMemcpyDeviceToHost, p->stream);
  }
  labcuda::DeviceError flag{};
  if (st == cudaSuccess) st = cudaMemcpyAsync(&flag, p->err, sizeof flag, cudaMemcpyDeviceToHost, p->stream);
  if (st == cudaSuccess) st = cudaStreamSynchronize(p->stream);
  if (st != cudaSuccess) {
    *error = stepLabel(i, s) + ": copying its inputs to the host failed: " + cudaText(st);
    return 1;
  }
  if (flag.code != 0) {
    *error = deviceErrorText(p, flag);
    return 1;
  }
  if (!host_fn) {
    *error = stepLabel(i, s) + ": the step runs on the host but no host callback was given";
    return 1;
  }
  for (size_t k = 0; k < s.host_in.size(); k++) s.host_in[k].data = s.host_in_mem[k].data();
  for (size_t k = 0; k < s.host_out.size(); k++) s.host_out[k].data = s.host_out_mem[k].data();
  char msg[1024] = "";
  if (host_fn(host_ctx, s.callback, s.host_in.data(), static_cast<int32_t>(s.host_in.size()), s.host_out.data(),
              static_cast<int32_t>(s.host_out.size()), msg, sizeof msg) != 0) {
    *error = stepLabel(i, s) + ": " + msg;
    return 1;
  }
  for (size_t k = 0; k < s.unpacks.size() && st == cudaSuccess; k++) {
    st = cudaMemcpyAsync(s.staging_out[k], s.host_out_mem[k].data(), s.host_out_mem[k].size(), cudaMemcpyHostToDevice, p->stream);
    if (st == cudaSuccess) st = launchEw(p, i, s.unpacks[k]);
  }
  if (st != cudaSuccess) {
    *error = stepLabel(i, s) + ": copying its outputs to the device failed: " + cudaText(st);
    return 1;
  }
  return 0;
}

cudaError_t launchUser(lab_cuda_program *p, size_t i);

cudaError_t launchStep(lab_cuda_program *p, size_t i) {
  const Step &s = p->steps[i];
  const labcuda::LaunchCtx ctx = ctxFor(p, i);
  switch (s.kind) {
    case labcuda::K_ELEMENTWISE: return launchEw(p, i, s.ew);
    case labcuda::K_GEMM: return labcuda::launchGemm(ctx, s.gemm);
    case labcuda::K_REDUCE: return labcuda::launchReduce(ctx, s.reduce);
    case labcuda::K_ROWS: return labcuda::launchRows(ctx, s.rows);
    case labcuda::K_TAKE: return labcuda::launchTake(ctx, s.gather);
    case labcuda::K_SCATTER: return labcuda::launchScatter(ctx, s.gather);
    case labcuda::K_RANDOM: return labcuda::launchRandom(ctx, s.random);
    case labcuda::K_USER: return launchUser(p, i);
    case labcuda::K_CONV: return labcuda::launchConv(ctx, s.conv);
    case labcuda::K_POOL: return labcuda::launchPool(ctx, s.pool);
    default: return cudaErrorInvalidValue;
  }
}

// A user's kernel: pack the inputs into staging, launch with (inputs…, outputs…, n, scalars…),
// unpack the outputs.
cudaError_t launchUser(lab_cuda_program *p, size_t i) {
  Step &s = p->steps[i];
  cudaError_t st = cudaSuccess;
  for (size_t k = 0; k < s.packs.size() && st == cudaSuccess; k++) st = launchEw(p, i, s.packs[k]);
  std::vector<void *> args;
  for (char *&b : s.staging_in) args.push_back(&b);
  for (char *&b : s.staging_out) args.push_back(&b);
  args.push_back(&s.user_n);
  for (double &x : s.scalars) args.push_back(&x);
  if (st == cudaSuccess)
    st = cudaLaunchKernel(reinterpret_cast<const void *>(s.user_kernel), s.grid, s.block, args.data(), s.shared_bytes,
                          p->stream);
  for (size_t k = 0; k < s.unpacks.size() && st == cudaSuccess; k++) st = launchEw(p, i, s.unpacks[k]);
  return st;
}

// Launches every step in order; host steps synchronise in between.
int launchAll(lab_cuda_program *p, lab_cuda_host_fn host_fn, void *host_ctx, std::string *error) {
  const bool timed = p->profiling && p->events.size() == p->steps.size() + 1;
  for (size_t i = 0; i < p->steps.size(); i++) {
    if (timed) cudaEventRecord(p->events[i], p->stream);
    if (p->steps[i].kind == labcuda::K_HOST) {
      if (runHostStep(p, i, host_fn, host_ctx, error) != 0) return 1;
      continue;
    }
    const cudaError_t st = launchStep(p, i);
    if (st != cudaSuccess) {
      *error = stepLabel(i, p->steps[i]) + ": launch failed: " + cudaText(st);
      return 1;
    }
  }
  if (timed) cudaEventRecord(p->events.back(), p->stream);
  return 0;
}

// After a profiled run has synchronised: adds each step's time to the totals.
void collectProfile(lab_cuda_program *p) {
  if (!p->profiling || p->events.size() != p->steps.size() + 1) return;
  for (size_t i = 0; i < p->steps.size(); i++) {
    float ms = 0;
    if (cudaEventElapsedTime(&ms, p->events[i], p->events[i + 1]) == cudaSuccess) p->step_ms[i] += ms;
  }
  p->profiled_runs++;
}

// Captures the steps into a graph once; false (and graphs off for this program) if that fails.
// Each step is captured on its own and becomes a child-graph node that depends only on the steps
// whose buffers it touches (read after write, write after read, write after write), so steps
// that share no data run concurrently: a meta-iteration's weight-gradient products and
// optimizer updates overlap the chain through time. LAB_CUDA_GRAPH_CHAIN=1 orders every step
// after the previous one instead (the order of a plain stream capture), for comparison.
bool captureGraph(lab_cuda_program *p) {
  static const bool chain = getenv("LAB_CUDA_GRAPH_CHAIN") && strcmp(getenv("LAB_CUDA_GRAPH_CHAIN"), "1") == 0;
  cudaGraph_t graph = nullptr;
  if (cudaGraphCreate(&graph, 0) != cudaSuccess) return false;
  std::vector<cudaGraphNode_t> nodes(p->steps.size(), nullptr);
  std::vector<int64_t> last_writer(p->buffers.size(), -1);
  std::vector<std::vector<int64_t>> readers(p->buffers.size());
  bool ok = true;
  for (size_t i = 0; i < p->steps.size() && ok; i++) {
    const Step &s = p->steps[i];
    std::vector<int64_t> after;
    if (chain && i > 0) after.push_back(static_cast<int64_t>(i) - 1);
    for (int32_t b : s.reads) after.push_back(last_writer[b]);
    for (int32_t b : s.writes) {
      after.push_back(last_writer[b]);
      after.insert(after.end(), readers[b].begin(), readers[b].end());
    }
    std::sort(after.begin(), after.end());
    after.erase(std::unique(after.begin(), after.end()), after.end());
    std::vector<cudaGraphNode_t> deps;
    for (int64_t k : after)
      if (k >= 0 && k != static_cast<int64_t>(i)) deps.push_back(nodes[k]);
    cudaGraph_t child = nullptr;
    ok = cudaStreamBeginCapture(p->stream, cudaStreamCaptureModeThreadLocal) == cudaSuccess;
    if (ok) {
      const bool launched = launchStep(p, i) == cudaSuccess;
      ok = cudaStreamEndCapture(p->stream, &child) == cudaSuccess && launched && child;
    }
    size_t kernels = 0;
    if (ok) ok = cudaGraphGetNodes(child, nullptr, &kernels) == cudaSuccess;
    // A step with nothing to do (an empty tensor) still passes its ordering on.
    if (ok)
      ok = (kernels == 0 ? cudaGraphAddEmptyNode(&nodes[i], graph, deps.data(), deps.size())
                         : cudaGraphAddChildGraphNode(&nodes[i], graph, deps.data(), deps.size(), child)) == cudaSuccess;
    if (child) cudaGraphDestroy(child);
    for (int32_t b : s.reads) readers[b].push_back(static_cast<int64_t>(i));
    for (int32_t b : s.writes) {
      last_writer[b] = static_cast<int64_t>(i);
      readers[b].clear();
    }
  }
  if (!ok || cudaGraphInstantiate(&p->graph_exec, graph, 0) != cudaSuccess) {
    cudaGraphDestroy(graph);
    p->graph_exec = nullptr;
    cudaGetLastError();  // clear the capture's error so the eager run starts clean
    return false;
  }
  p->graph = graph;
  return true;
}

}  // namespace

extern "C" {

int lab_cuda_abi_version(void) { return LAB_CUDA_ABI_VERSION; }

int lab_cuda_probe(char *msg, size_t msg_len) {
  // Without the driver library the runtime only says "insufficient driver"; name the real cause.
  void *driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (!driver) {
    const char *why = dlerror();
    setError(msg, msg_len, std::string("no NVIDIA driver: libcuda.so.1 cannot be loaded (") + (why ? why : "not found") + ")");
    return 0;
  }
  dlclose(driver);
  int n = 0;
  const cudaError_t st = cudaGetDeviceCount(&n);
  if (st != cudaSuccess) {
    setError(msg, msg_len, "no usable CUDA device: " + cudaText(st));
    return 0;
  }
  if (n == 0) {
    setError(msg, msg_len, "the CUDA driver reports no devices");
    return 0;
  }
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) {
    char text[300];
    snprintf(text, sizeof text, "%s (compute capability %d.%d, %.1f GiB)", prop.name, prop.major, prop.minor,
             static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0));
    setError(msg, msg_len, text);
  }
  return n;
}

lab_cuda_program *lab_cuda_program_create(const double *tape, int64_t tape_len, char *err, size_t err_len) {
  lab_cuda_program *p = new lab_cuda_program();
  std::string error;
  cudaError_t st = cudaStreamCreateWithFlags(&p->stream, cudaStreamNonBlocking);
  if (st != cudaSuccess) error = "cannot create a CUDA stream: " + cudaText(st);
  if (st == cudaSuccess && (cudaEventCreate(&p->run_begin) != cudaSuccess || cudaEventCreate(&p->run_end) != cudaSuccess))
    p->run_begin = p->run_end = nullptr;  // runs go untimed; nothing else depends on them
  int device = 0;
  if (st == cudaSuccess) {
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&p->sm_count, cudaDevAttrMultiProcessorCount, device);
  }
  if (st != cudaSuccess || !labcuda::buildProgram(p, tape, tape_len, &error)) {
    setError(err, err_len, "createProgram (cuda): " + error);
    lab_cuda_program_free(p);
    return nullptr;
  }
  return p;
}

void lab_cuda_program_io(const lab_cuda_program *p, int32_t *n_inputs, int32_t *n_outputs, int32_t *inputs,
                         int32_t *outputs) {
  if (n_inputs) *n_inputs = static_cast<int32_t>(p->inputs.size());
  if (n_outputs) *n_outputs = static_cast<int32_t>(p->outputs.size());
  if (inputs) memcpy(inputs, p->inputs.data(), p->inputs.size() * sizeof(int32_t));
  if (outputs) memcpy(outputs, p->outputs.data(), p->outputs.size() * sizeof(int32_t));
}

int lab_cuda_program_buffer(const lab_cuda_program *p, int32_t b, lab_dtype *dtype, int64_t *size) {
  if (b < 0 || static_cast<size_t>(b) >= p->buffers.size()) return -1;
  *dtype = p->buffers[b].dtype;
  *size = p->buffers[b].size;
  return 0;
}

int lab_cuda_program_run(lab_cuda_program *p, const void *const *inputs, void *const *outputs, lab_cuda_host_fn host_fn,
                         void *host_ctx, int use_graph, char *err, size_t err_len) {
  std::string error;
  const auto bytesOf = [p](int32_t b) {
    return static_cast<size_t>(p->buffers[b].size) * labcuda::dtypeBytes(p->buffers[b].dtype);
  };
  if (p->run_begin) cudaEventRecord(p->run_begin, p->stream);
  cudaError_t st = cudaMemsetAsync(p->err, 0, sizeof(labcuda::DeviceError), p->stream);
  for (size_t k = 0; k < p->inputs.size() && st == cudaSuccess; k++)
    st = cudaMemcpyAsync(p->buffers[p->inputs[k]].data, inputs[k], bytesOf(p->inputs[k]), cudaMemcpyHostToDevice, p->stream);
  if (st != cudaSuccess) {
    setError(err, err_len, "copying the inputs to the GPU failed: " + cudaText(st));
    return 1;
  }
  const bool graphable = use_graph && !p->profiling && !p->has_host_steps && !p->graph_failed && !p->steps.empty();
  if (graphable && !p->graph_exec && p->runs > 0 && !captureGraph(p)) p->graph_failed = true;
  p->graph_replayed = false;
  if (graphable && p->graph_exec) {
    st = cudaGraphLaunch(p->graph_exec, p->stream);
    if (st != cudaSuccess) {
      setError(err, err_len, "replaying the program's CUDA graph failed: " + cudaText(st));
      return 1;
    }
    p->graph_replayed = true;
  } else if (launchAll(p, host_fn, host_ctx, &error) != 0) {
    cudaStreamSynchronize(p->stream);
    setError(err, err_len, error);
    return 1;
  }
  for (size_t k = 0; k < p->outputs.size() && st == cudaSuccess; k++)
    st = cudaMemcpyAsync(outputs[k], p->buffers[p->outputs[k]].data, bytesOf(p->outputs[k]), cudaMemcpyDeviceToHost, p->stream);
  labcuda::DeviceError flag{};
  if (st == cudaSuccess) st = cudaMemcpyAsync(&flag, p->err, sizeof flag, cudaMemcpyDeviceToHost, p->stream);
  if (st == cudaSuccess && p->run_end) cudaEventRecord(p->run_end, p->stream);
  const cudaError_t sync = cudaStreamSynchronize(p->stream);
  if (st == cudaSuccess) st = sync;
  float run_ms = 0;
  if (st == cudaSuccess && p->run_begin && p->run_end && cudaEventElapsedTime(&run_ms, p->run_begin, p->run_end) == cudaSuccess)
    p->last_run_ms = run_ms;
  p->runs++;
  if (st != cudaSuccess) {
    // An asynchronous kernel fault surfaces here; the steps ran in order, so say so.
    setError(err, err_len, "running the program on the GPU failed (a kernel faulted or a copy failed): " + cudaText(st));
    return 1;
  }
  if (flag.code != 0) {
    setError(err, err_len, deviceErrorText(p, flag));
    return 1;
  }
  if (!p->graph_replayed) collectProfile(p);
  return 0;
}

int lab_cuda_program_profile(lab_cuda_program *p, int on, double *step_ms, int32_t *n_steps) {
  if (on && !p->profiling) {
    p->events.assign(p->steps.size() + 1, nullptr);
    for (cudaEvent_t &e : p->events)
      if (cudaEventCreate(&e) != cudaSuccess) e = nullptr;
    p->step_ms.assign(p->steps.size(), 0.0);
    p->profiled_runs = 0;
  }
  if (!on && p->profiling) {
    for (cudaEvent_t e : p->events)
      if (e) cudaEventDestroy(e);
    p->events.clear();
  }
  p->profiling = on != 0;
  if (n_steps) *n_steps = static_cast<int32_t>(p->steps.size());
  if (step_ms && !p->step_ms.empty()) memcpy(step_ms, p->step_ms.data(), p->step_ms.size() * sizeof(double));
  return p->profiled_runs;
}

int lab_cuda_program_get(lab_cuda_program *p, int32_t b, void *host, char *err, size_t err_len) {
  if (b < 0 || static_cast<size_t>(b) >= p->buffers.size()) {
    setError(err, err_len, "getShared (cuda): buffer " + std::to_string(b) + " does not exist");
    return 1;
  }
  const size_t bytes = static_cast<size_t>(p->buffers[b].size) * labcuda::dtypeBytes(p->buffers[b].dtype);
  cudaError_t st = cudaMemcpyAsync(host, p->buffers[b].data, bytes, cudaMemcpyDeviceToHost, p->stream);
  if (st == cudaSuccess) st = cudaStreamSynchronize(p->stream);
  if (st != cudaSuccess) {
    setError(err, err_len, "getShared (cuda): copying buffer " + std::to_string(b) + " to the host failed: " + cudaText(st));
    return 1;
  }
  return 0;
}

int lab_cuda_program_set(lab_cuda_program *p, int32_t b, const void *host, char *err, size_t err_len) {
  if (b < 0 || static_cast<size_t>(b) >= p->buffers.size()) {
    setError(err, err_len, "setShared (cuda): buffer " + std::to_string(b) + " does not exist");
    return 1;
  }
  const size_t bytes = static_cast<size_t>(p->buffers[b].size) * labcuda::dtypeBytes(p->buffers[b].dtype);
  cudaError_t st = cudaMemcpyAsync(p->buffers[b].data, host, bytes, cudaMemcpyHostToDevice, p->stream);
  if (st == cudaSuccess) st = cudaStreamSynchronize(p->stream);
  if (st != cudaSuccess) {
    setError(err, err_len, "setShared (cuda): copying buffer " + std::to_string(b) + " to the GPU failed: " + cudaText(st));
    return 1;
  }
  return 0;
}

int lab_cuda_program_stats(const lab_cuda_program *p, int32_t *graph_replayed, int32_t *nvrtc_kernels,
                           double *last_run_ms) {
  if (graph_replayed) *graph_replayed = p->graph_replayed ? 1 : 0;
  if (nvrtc_kernels) *nvrtc_kernels = p->nvrtc_kernels;
  if (last_run_ms) *last_run_ms = p->last_run_ms;
  return 0;
}

void lab_cuda_program_free(lab_cuda_program *p) {
  if (!p) return;
  if (p->stream) cudaStreamSynchronize(p->stream);
  for (cudaEvent_t e : p->events)
    if (e) cudaEventDestroy(e);
  if (p->run_begin) cudaEventDestroy(p->run_begin);
  if (p->run_end) cudaEventDestroy(p->run_end);
  if (p->graph_exec) cudaGraphExecDestroy(p->graph_exec);
  if (p->graph) cudaGraphDestroy(p->graph);
  if (p->meta) cudaFree(p->meta);
  if (p->arena) cudaFree(p->arena);
  if (p->stream) cudaStreamDestroy(p->stream);
  delete p;
}

}  // extern "C"
