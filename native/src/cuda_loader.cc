// The addon's door to the GPU: loads liblabcuda.so with dlopen at run time (never linked), so
// the addon builds, loads and runs where there is no CUDA library, driver or device. The
// library's C ABI is native/cuda/lab_cuda.h; the programs it runs arrive as the tape
// engine/backends/cuda/tape.ts writes. Results are V8-allocated typed arrays filled by the
// library (no external buffers).
#include "cuda_loader.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstring>

#include <memory>
#include <string>
#include <vector>

#include "../cuda/lab_cuda.h"
#include "napi_util.h"

namespace lab {

namespace {

const napi_type_tag kCudaProgramTag = {0x6c616263756461ull, 0x70726f6772616d31ull};

struct CudaProgram {
  lab_cuda_program *program;
  const CudaApi *api;
  std::vector<int32_t> inputs, outputs;
};

// Host steps call back into JavaScript synchronously, on the thread that called run.
struct HostContext {
  Napi::Env env;
  Napi::Array callbacks;
};

int HostStep(void *ctx, int32_t callback, const lab_cuda_host_tensor *inputs, int32_t n_inputs,
             lab_cuda_host_tensor *outputs, int32_t n_outputs, char *err, size_t err_len) {
  HostContext *host = static_cast<HostContext *>(ctx);
  Napi::Env env = host->env;
  try {
    Napi::Value fn = host->callbacks.Get(static_cast<uint32_t>(callback));
    if (!fn.IsFunction()) throw SpecError("callback " + std::to_string(callback) + " is not a function");
    Napi::Array ins = Napi::Array::New(env, n_inputs);
    for (int32_t k = 0; k < n_inputs; k++) {
      int64_t n = 1;
      for (int d = 0; d < inputs[k].ndim; d++) n *= inputs[k].shape[d];
      void *data = nullptr;
      Napi::TypedArray a = NewTypedArray(env, inputs[k].dtype, static_cast<size_t>(n), &data);
      memcpy(data, inputs[k].data, static_cast<size_t>(n) * lab_dtype_size(inputs[k].dtype));
      ins.Set(static_cast<uint32_t>(k), a);
    }
    Napi::Array shapes = Napi::Array::New(env, n_outputs);
    for (int32_t k = 0; k < n_outputs; k++) {
      Napi::Array shape = Napi::Array::New(env, outputs[k].ndim);
      for (int d = 0; d < outputs[k].ndim; d++) shape.Set(static_cast<uint32_t>(d), Napi::Number::New(env, static_cast<double>(outputs[k].shape[d])));
      shapes.Set(static_cast<uint32_t>(k), shape);
    }
    Napi::Value result = fn.As<Napi::Function>().Call({ins, shapes});
    if (!result.IsArray() || result.As<Napi::Array>().Length() != static_cast<uint32_t>(n_outputs))
      throw SpecError("the callback must return an array of " + std::to_string(n_outputs) + " typed arrays");
    Napi::Array outs = result.As<Napi::Array>();
    for (int32_t k = 0; k < n_outputs; k++) {
      int64_t n = 1;
      for (int d = 0; d < outputs[k].ndim; d++) n *= outputs[k].shape[d];
      void *src = CheckedTypedArray(outs.Get(static_cast<uint32_t>(k)), outputs[k].dtype, n,
                                    [k] { return "result " + std::to_string(k); });
      memcpy(outputs[k].data, src, static_cast<size_t>(n) * lab_dtype_size(outputs[k].dtype));
    }
    return 0;
  } catch (const Napi::Error &e) {
    snprintf(err, err_len, "%s", e.Message().c_str());
  } catch (const std::exception &e) {
    snprintf(err, err_len, "%s", e.what());
  }
  return 1;
}

CudaProgram *ProgramArg(const Napi::CallbackInfo &info, const char *fn) {
  if (info.Length() < 1 || !info[0].IsExternal() ||
      !info[0].As<Napi::External<CudaProgram>>().CheckTypeTag(&kCudaProgramTag)) {
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": the first argument must be a program from cudaCreateProgram");
  }
  return info[0].As<Napi::External<CudaProgram>>().Data();
}

template <typename F>
bool Resolve(void *handle, const char *name, F *fn) {
  *fn = reinterpret_cast<F>(dlsym(handle, name));
  return *fn != nullptr;
}

}  // namespace

Napi::Value CudaLoad(const Napi::CallbackInfo &info, CudaApi *api) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  if (!api->handle) {
    if (info.Length() < 1 || !info[0].IsString())
      throw Napi::TypeError::New(env, "cudaLoad(path): path of liblabcuda.so expected");
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char *why = dlerror();
      api->reason = "cannot load the CUDA library " + path + ": " + (why ? why : "unknown error");
    } else if (!Resolve(h, "lab_cuda_abi_version", &api->abi_version) || !Resolve(h, "lab_cuda_probe", &api->probe) ||
               !Resolve(h, "lab_cuda_program_create", &api->create) || !Resolve(h, "lab_cuda_program_io", &api->io) ||
               !Resolve(h, "lab_cuda_program_buffer", &api->buffer) || !Resolve(h, "lab_cuda_program_run", &api->run) ||
               !Resolve(h, "lab_cuda_program_get", &api->get) || !Resolve(h, "lab_cuda_program_set", &api->set) ||
               !Resolve(h, "lab_cuda_program_stats", &api->stats) ||
               !Resolve(h, "lab_cuda_program_profile", &api->profile) || !Resolve(h, "lab_cuda_program_free", &api->free) ||
               !Resolve(h, "lab_cuda_axpb_f32", &api->axpb) ||
               !Resolve(h, "lab_cuda_nvrtc_available", &api->nvrtc_available)) {
      api->reason = path + " lacks a symbol of the lab_cuda ABI: rebuild it with `npm run build:native`";
    } else if (api->abi_version() != LAB_CUDA_ABI_VERSION) {
      api->reason = path + " has ABI version " + std::to_string(api->abi_version()) + " but the addon expects " +
                    std::to_string(LAB_CUDA_ABI_VERSION) + ": rebuild with `npm run build:native`";
    } else {
      char msg[512] = "";
      api->devices = api->probe(msg, sizeof msg);
      if (api->devices > 0) api->device = msg;
      else api->reason = msg;
      api->handle = h;
    }
  }
  out.Set("loaded", Napi::Boolean::New(env, api->handle != nullptr));
  out.Set("devices", Napi::Number::New(env, api->devices));
  out.Set("device", Napi::String::New(env, api->device));
  out.Set("reason", Napi::String::New(env, api->reason));
  char why[512] = "";
  const bool nvrtc = api->handle && api->devices > 0 && api->nvrtc_available(why, sizeof why) != 0;
  out.Set("nvrtc", Napi::Boolean::New(env, nvrtc));
  out.Set("nvrtcReason", Napi::String::New(env, nvrtc ? "" : why));
  return out;
}

static void RequireDevice(Napi::Env env, const CudaApi *api, const char *fn) {
  if (!api->handle || api->devices < 1)
    throw Napi::Error::New(env, std::string(fn) + ": no usable GPU: " + (api->reason.empty() ? "cudaLoad was not called" : api->reason));
}

Napi::Value CudaCreateProgram(const Napi::CallbackInfo &info, const CudaApi *api) {
  Napi::Env env = info.Env();
  RequireDevice(env, api, "cudaCreateProgram");
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(env, "cudaCreateProgram(tape: Float64Array): wrong arguments");
  Napi::Float64Array tape = info[0].As<Napi::Float64Array>();
  char err[2048] = "";
  lab_cuda_program *p = api->create(tape.Data(), static_cast<int64_t>(tape.ElementLength()), err, sizeof err);
  if (!p) throw Napi::Error::New(env, err);
  auto handle = std::make_unique<CudaProgram>();
  handle->program = p;
  handle->api = api;
  int32_t ni = 0, no = 0;
  api->io(p, &ni, &no, nullptr, nullptr);
  handle->inputs.resize(ni);
  handle->outputs.resize(no);
  api->io(p, &ni, &no, handle->inputs.data(), handle->outputs.data());
  Napi::External<CudaProgram> external = Napi::External<CudaProgram>::New(env, handle.release(), [](Napi::Env, CudaProgram *h) {
    h->api->free(h->program);
    delete h;
  });
  external.TypeTag(&kCudaProgramTag);
  return external;
}

// cudaRun(program, inputs, callbacks, useGraph) -> fresh typed arrays, one per program output.
Napi::Value CudaRun(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CudaProgram *h = ProgramArg(info, "cudaRun");
  const CudaApi *api = h->api;
  if (info.Length() < 2 || !info[1].IsArray()) throw Napi::TypeError::New(env, "cudaRun(program, inputs[], callbacks?, useGraph?)");
  Napi::Array inputs = info[1].As<Napi::Array>();
  if (inputs.Length() != h->inputs.size())
    throw Napi::Error::New(env, "cudaRun: the program takes " + std::to_string(h->inputs.size()) + " inputs, got " +
                                    std::to_string(inputs.Length()));
  std::vector<const void *> in(h->inputs.size());
  try {
    for (size_t k = 0; k < h->inputs.size(); k++) {
      lab_dtype dtype;
      int64_t size;
      api->buffer(h->program, h->inputs[k], &dtype, &size);
      in[k] = CheckedTypedArray(inputs.Get(static_cast<uint32_t>(k)), dtype, size, [k] { return "cudaRun: input " + std::to_string(k); });
    }
  } catch (const SpecError &e) {
    throw Napi::TypeError::New(env, e.what());
  }
  Napi::Array results = Napi::Array::New(env, h->outputs.size());
  std::vector<void *> out(h->outputs.size());
  for (size_t k = 0; k < h->outputs.size(); k++) {
    lab_dtype dtype;
    int64_t size;
    api->buffer(h->program, h->outputs[k], &dtype, &size);
    results.Set(static_cast<uint32_t>(k), NewTypedArray(env, dtype, static_cast<size_t>(size), &out[k]));
  }
  HostContext host{env, info.Length() > 2 && info[2].IsArray() ? info[2].As<Napi::Array>() : Napi::Array::New(env)};
  const bool use_graph = info.Length() > 3 && info[3].ToBoolean().Value();
  char err[2048] = "";
  if (api->run(h->program, in.data(), out.data(), HostStep, &host, use_graph ? 1 : 0, err, sizeof err) != 0)
    throw Napi::Error::New(env, err);
  return results;
}

Napi::Value CudaGetBuffer(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CudaProgram *h = ProgramArg(info, "cudaGetBuffer");
  lab_dtype dtype;
  int64_t size;
  const int32_t b = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : -1;
  if (h->api->buffer(h->program, b, &dtype, &size) != 0) throw Napi::RangeError::New(env, "cudaGetBuffer: no buffer " + std::to_string(b));
  void *data = nullptr;
  Napi::TypedArray out = NewTypedArray(env, dtype, static_cast<size_t>(size), &data);
  char err[512] = "";
  if (h->api->get(h->program, b, data, err, sizeof err) != 0) throw Napi::Error::New(env, err);
  return out;
}

Napi::Value CudaSetBuffer(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CudaProgram *h = ProgramArg(info, "cudaSetBuffer");
  lab_dtype dtype;
  int64_t size;
  const int32_t b = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : -1;
  if (h->api->buffer(h->program, b, &dtype, &size) != 0) throw Napi::RangeError::New(env, "cudaSetBuffer: no buffer " + std::to_string(b));
  const void *src;
  try {
    src = CheckedTypedArray(info[2], dtype, size, [b] { return "cudaSetBuffer: the value for buffer " + std::to_string(b); });
  } catch (const SpecError &e) {
    throw Napi::TypeError::New(env, e.what());
  }
  char err[512] = "";
  if (h->api->set(h->program, b, src, err, sizeof err) != 0) throw Napi::Error::New(env, err);
  return env.Undefined();
}

Napi::Value CudaStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CudaProgram *h = ProgramArg(info, "cudaStats");
  int32_t graph = 0, nvrtc = 0;
  double last_run_ms = 0;
  h->api->stats(h->program, &graph, &nvrtc, &last_run_ms);
  Napi::Object out = Napi::Object::New(env);
  out.Set("graphReplayed", Napi::Boolean::New(env, graph != 0));
  out.Set("nvrtcKernels", Napi::Number::New(env, nvrtc));
  out.Set("lastRunGpuMs", Napi::Number::New(env, last_run_ms));
  return out;
}

// cudaProfile(program, on) -> {runs, stepMs}: turns per-step timing on or off and returns the
// milliseconds each step has taken, summed over the profiled runs since it was turned on.
Napi::Value CudaProfile(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CudaProgram *h = ProgramArg(info, "cudaProfile");
  if (info.Length() < 2 || !info[1].IsBoolean()) throw Napi::TypeError::New(env, "cudaProfile(program, on: boolean)");
  const int on = info[1].As<Napi::Boolean>().Value() ? 1 : 0;
  int32_t n_steps = 0;
  h->api->profile(h->program, on, nullptr, &n_steps);
  Napi::Float64Array stepMs = Napi::Float64Array::New(env, static_cast<size_t>(n_steps));
  const int runs = h->api->profile(h->program, on, stepMs.Data(), &n_steps);
  Napi::Object out = Napi::Object::New(env);
  out.Set("runs", Napi::Number::New(env, runs));
  out.Set("stepMs", stepMs);
  return out;
}

Napi::Value CudaAxpb(const Napi::CallbackInfo &info, const CudaApi *api) {
  Napi::Env env = info.Env();
  RequireDevice(env, api, "cudaAxpb");
  if (info.Length() != 3 || !info[0].IsNumber() || !info[1].IsTypedArray() || !info[2].IsNumber() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, "cudaAxpb(a: number, x: Float32Array, b: number): wrong arguments");
  Napi::Float32Array x = info[1].As<Napi::Float32Array>();
  void *data = nullptr;
  Napi::TypedArray out = NewTypedArray(env, LAB_FLOAT32, x.ElementLength(), &data);
  const int st = api->axpb(info[0].As<Napi::Number>().FloatValue(), x.Data(), info[2].As<Napi::Number>().FloatValue(),
                           static_cast<float *>(data), static_cast<int64_t>(x.ElementLength()));
  if (st != 0) throw Napi::Error::New(env, "cudaAxpb: CUDA error " + std::to_string(st));
  return out;
}

}  // namespace lab
