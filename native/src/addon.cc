// Node-API entry point of the native engine. Context-aware: all state lives in the
// per-environment instance data (NODE_API_ADDON), never in process globals, so the
// addon loads in several worker threads and processes at once.
#include <napi.h>

#include <string>

#include "../include/lab_kernel.h"
#include "../kernels/axpb.h"
#include "../kernels/conv.h"
#include "../kernels/elementwise.h"
#include "../kernels/elementwise_jit.h"
#include "../kernels/fp_mode.h"
#include "../kernels/runtime.h"
#include "file_lock.h"
#include "cuda_loader.h"
#include "program_binding.h"
#include "user_kernels.h"

namespace {

// axpb(a, x, b) -> Float32Array. The result is allocated by V8 (Napi::Float32Array::New)
// and written in place: C-owned memory is never handed to JavaScript (Electron forbids
// external buffers).
Napi::Value Axpb(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsNumber() || !info[1].IsTypedArray() ||
      !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "axpb(a: number, x: Float32Array, b: number): wrong arguments");
  }
  Napi::TypedArray typed = info[1].As<Napi::TypedArray>();
  if (typed.TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, "axpb: x must be a Float32Array");
  }
  Napi::Float32Array x = typed.As<Napi::Float32Array>();
  const size_t n = x.ElementLength();
  Napi::Float32Array out = Napi::Float32Array::New(env, n);
  lab_axpb_f32(info[0].As<Napi::Number>().FloatValue(), x.Data(),
               info[2].As<Napi::Number>().FloatValue(), out.Data(), static_cast<int64_t>(n));
  return out;
}

class LabNative : public Napi::Addon<LabNative> {
 public:
  LabNative(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceMethod("axpb", &LabNative::AxpbMethod),
                             InstanceMethod("createProgram", &LabNative::CreateProgramMethod),
                             InstanceMethod("run", &LabNative::RunMethod),
                             InstanceMethod("getShared", &LabNative::GetSharedMethod),
                             InstanceMethod("setShared", &LabNative::SetSharedMethod),
                             InstanceMethod("rowChains", &LabNative::RowChainsMethod),
                             InstanceMethod("blockLocalBuffers", &LabNative::BlockLocalBuffersMethod),
                             InstanceMethod("pairedSteps", &LabNative::PairedStepsMethod),
                             InstanceMethod("lookahead", &LabNative::LookaheadMethod),
                             InstanceMethod("setThreads", &LabNative::SetThreads),
                             InstanceMethod("getThreads", &LabNative::GetThreads),
                             InstanceMethod("setIsa", &LabNative::SetIsa),
                             InstanceMethod("setDenormals", &LabNative::SetDenormals),
                             InstanceMethod("getDenormals", &LabNative::GetDenormals),
                             InstanceMethod("isaInfo", &LabNative::IsaInfo),
                             InstanceMethod("convImagesPerGemm", &LabNative::ConvImagesPerGemm),
                             InstanceMethod("cudaLoad", &LabNative::CudaLoadMethod),
                             InstanceMethod("cudaCreateProgram", &LabNative::CudaCreateProgramMethod),
                             InstanceMethod("cudaRun", &LabNative::CudaRunMethod),
                             InstanceMethod("cudaGetBuffer", &LabNative::CudaGetBufferMethod),
                             InstanceMethod("cudaSetBuffer", &LabNative::CudaSetBufferMethod),
                             InstanceMethod("cudaStats", &LabNative::CudaStatsMethod),
                             InstanceMethod("cudaProfile", &LabNative::CudaProfileMethod),
                             InstanceMethod("cudaAxpb", &LabNative::CudaAxpbMethod),
                             InstanceMethod("loadKernelLibrary", &LabNative::LoadKernelLibraryMethod),
                             InstanceMethod("configureCompiledComposites", &LabNative::ConfigureCompiledComposites),
                             InstanceMethod("compiledCompositesStats", &LabNative::CompiledCompositesStats),
                             InstanceMethod("waitForCompiledComposites", &LabNative::WaitForCompiledComposites),
                             InstanceMethod("lockFile", &LabNative::LockFileMethod),
                             InstanceMethod("unlockFile", &LabNative::UnlockFileMethod),
                         });
    exports.Set("abiVersion", Napi::Number::New(env, LAB_KERNEL_ABI_VERSION));
    // The elementwise ops by code, for native/wireSpec.ts to pack expressions with.
    Napi::Array ops = Napi::Array::New(env, LAB_EW_OP_COUNT);
    for (uint32_t op = 0; op < LAB_EW_OP_COUNT; op++) ops.Set(op, Napi::String::New(env, lab_ew_op_name(static_cast<int>(op))));
    exports.Set("elementwiseOps", ops);
  }

 private:
  // Thread count, ISA and denormal mode apply to every program run from this instance (this thread/env).
  lab::RuntimeSettings settings_;
  // The CUDA library, loaded on request with dlopen (cuda_loader.cc); empty without a GPU.
  lab::CudaApi cuda_;

  Napi::Value AxpbMethod(const Napi::CallbackInfo &info) { return Axpb(info); }
  Napi::Value CreateProgramMethod(const Napi::CallbackInfo &info) { return lab::CreateProgram(info); }
  Napi::Value RunMethod(const Napi::CallbackInfo &info) { return lab::RunProgram(info, settings_); }
  Napi::Value GetSharedMethod(const Napi::CallbackInfo &info) { return lab::GetShared(info); }
  Napi::Value SetSharedMethod(const Napi::CallbackInfo &info) { return lab::SetShared(info); }
  Napi::Value RowChainsMethod(const Napi::CallbackInfo &info) { return lab::RowChains(info); }
  Napi::Value BlockLocalBuffersMethod(const Napi::CallbackInfo &info) { return lab::BlockLocalBuffers(info); }
  Napi::Value PairedStepsMethod(const Napi::CallbackInfo &info) { return lab::PairedSteps(info); }
  Napi::Value LookaheadMethod(const Napi::CallbackInfo &info) { return lab::Lookahead(info); }
  Napi::Value CudaLoadMethod(const Napi::CallbackInfo &info) { return lab::CudaLoad(info, &cuda_); }
  Napi::Value CudaCreateProgramMethod(const Napi::CallbackInfo &info) { return lab::CudaCreateProgram(info, &cuda_); }
  Napi::Value CudaRunMethod(const Napi::CallbackInfo &info) { return lab::CudaRun(info); }
  Napi::Value CudaGetBufferMethod(const Napi::CallbackInfo &info) { return lab::CudaGetBuffer(info); }
  Napi::Value CudaSetBufferMethod(const Napi::CallbackInfo &info) { return lab::CudaSetBuffer(info); }
  Napi::Value CudaStatsMethod(const Napi::CallbackInfo &info) { return lab::CudaStats(info); }
  Napi::Value CudaProfileMethod(const Napi::CallbackInfo &info) { return lab::CudaProfile(info); }
  Napi::Value CudaAxpbMethod(const Napi::CallbackInfo &info) { return lab::CudaAxpb(info, &cuda_); }
  Napi::Value LoadKernelLibraryMethod(const Napi::CallbackInfo &info) { return lab::LoadKernelLibrary(info); }
  Napi::Value LockFileMethod(const Napi::CallbackInfo &info) { return lab::LockFile(info); }
  Napi::Value UnlockFileMethod(const Napi::CallbackInfo &info) { return lab::UnlockFile(info); }

  Napi::Value SetThreads(const Napi::CallbackInfo &info) {
    const double n = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
    if (n < 1 || n > LAB_MAX_THREADS || n != static_cast<int>(n)) {
      throw Napi::RangeError::New(info.Env(), "setThreads(n): n must be an integer from 1 to " + std::to_string(LAB_MAX_THREADS));
    }
    settings_.threads = static_cast<int>(n);
    return info.Env().Undefined();
  }

  Napi::Value GetThreads(const Napi::CallbackInfo &info) { return Napi::Number::New(info.Env(), settings_.threads); }

  Napi::Value SetIsa(const Napi::CallbackInfo &info) {
    const std::string name = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    const lab_isa all[] = {LAB_ISA_AUTO, LAB_ISA_AVX512, LAB_ISA_AVX2, LAB_ISA_PORTABLE};
    for (lab_isa isa : all) {
      if (name != lab_isa_name(isa)) continue;
      if (!lab_isa_supported(isa)) throw Napi::Error::New(info.Env(), "setIsa: this CPU does not support " + name);
      settings_.isa = isa;
      return info.Env().Undefined();
    }
    throw Napi::TypeError::New(info.Env(), "setIsa(isa): isa must be 'auto', 'avx512', 'avx2' or 'portable', got '" + name + "'");
  }

  // setDenormals('flush' | 'keep'): programs run with denormals flushed to zero, or as IEEE keeps them
  Napi::Value SetDenormals(const Napi::CallbackInfo &info) {
    const std::string mode = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    if (mode != "flush" && mode != "keep") {
      throw Napi::TypeError::New(info.Env(), "setDenormals(mode): mode must be 'flush' or 'keep', got '" + mode + "'");
    }
    if (mode == "flush" && !lab_fp_can_flush()) {
      throw Napi::Error::New(info.Env(), "setDenormals: this build cannot flush denormals on this CPU architecture (x86-64 and AArch64 can)");
    }
    settings_.flush_denormals = mode == "flush";
    return info.Env().Undefined();
  }

  Napi::Value GetDenormals(const Napi::CallbackInfo &info) {
    return Napi::String::New(info.Env(), settings_.flush_denormals ? "flush" : "keep");
  }

  // convImagesPerGemm(batch, rows, positions, elementSize): the conv kernels' images per GEMM
  Napi::Value ConvImagesPerGemm(const Napi::CallbackInfo &info) {
    int64_t args[4];
    for (int i = 0; i < 4; i++) {
      const double v = info.Length() > static_cast<size_t>(i) && info[i].IsNumber() ? info[i].As<Napi::Number>().DoubleValue() : -1;
      if (v < 1 || v != static_cast<int64_t>(v)) {
        throw Napi::RangeError::New(info.Env(), "convImagesPerGemm(batch, rows, positions, elementSize): each must be a positive integer");
      }
      args[i] = static_cast<int64_t>(v);
    }
    return Napi::Number::New(info.Env(), static_cast<double>(lab_conv_images_per_gemm(args[0], args[1], args[2], args[3])));
  }

  // {cacheDir, includeDir, compiler, hotElements}, or {cacheDir: ''} to turn compiling off.
  Napi::Value ConfigureCompiledComposites(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) {
      throw Napi::TypeError::New(env, "configureCompiledComposites({cacheDir, includeDir, compiler, hotElements}): pass an object");
    }
    const Napi::Object o = info[0].As<Napi::Object>();
    const auto text = [&](const char *key) {
      const Napi::Value v = o.Get(key);
      return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
    };
    const Napi::Value hot = o.Get("hotElements");
    const double hot_elements = hot.IsNumber() ? hot.As<Napi::Number>().DoubleValue() : 0;
    char err[512] = "";
    if (lab_ew_jit_configure(text("cacheDir").c_str(), text("includeDir").c_str(), text("compiler").c_str(),
                             static_cast<int64_t>(hot_elements), err, sizeof err)) {
      throw Napi::Error::New(env, err);
    }
    return env.Undefined();
  }

  Napi::Value CompiledCompositesStats(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    lab_ew_jit_stats stats;
    lab_ew_jit_get_stats(&stats);
    Napi::Object out = Napi::Object::New(env);
    out.Set("queued", static_cast<double>(stats.queued));
    out.Set("compiled", static_cast<double>(stats.compiled));
    out.Set("loaded", static_cast<double>(stats.loaded));
    out.Set("failed", static_cast<double>(stats.failed));
    out.Set("rowWalks", static_cast<double>(stats.row_walks));
    out.Set("prefetchedRowWalks", static_cast<double>(stats.prefetched_row_walks));
    out.Set("lastError", stats.last_error);
    return out;
  }

  Napi::Value WaitForCompiledComposites(const Napi::CallbackInfo &info) {
    lab_ew_jit_wait();
    return info.Env().Undefined();
  }

  // {selected: the ISA GEMM uses now, supported: every ISA this CPU can run}
  Napi::Value IsaInfo(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("selected", lab_isa_name(lab_isa_resolve(settings_.isa)));
    Napi::Array supported = Napi::Array::New(env);
    const lab_isa all[] = {LAB_ISA_AVX512, LAB_ISA_AVX2, LAB_ISA_PORTABLE};
    for (lab_isa isa : all) {
      if (lab_isa_supported(isa)) supported.Set(supported.Length(), lab_isa_name(isa));
    }
    out.Set("supported", supported);
    return out;
  }
};

}  // namespace

NODE_API_ADDON(LabNative)
