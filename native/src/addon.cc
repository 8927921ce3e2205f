// Node-API entry point of the native engine. Context-aware: all state lives in the
// per-environment instance data (NODE_API_ADDON), never in process globals, so the
// addon loads in several worker threads and processes at once.
#include <napi.h>

#include "../include/lab_kernel.h"
#include "../kernels/axpb.h"

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
                         });
    exports.Set("abiVersion", Napi::Number::New(env, LAB_KERNEL_ABI_VERSION));
  }

 private:
  Napi::Value AxpbMethod(const Napi::CallbackInfo &info) { return Axpb(info); }
};

}  // namespace

NODE_API_ADDON(LabNative)
