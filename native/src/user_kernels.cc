#include "user_kernels.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "napi_util.h"

namespace lab {
namespace {

// Every library the engine compiles exports this (it returns LAB_KERNEL_ABI_VERSION as the
// library saw it), so a library built against another ABI is refused instead of misread.
const char kAbiSymbol[] = "lab_kernel_abi_version";

struct UserKernel {
  void *library;
  lab_kernel_fn fn;
  int32_t n_params;
  double params[1];  // n_params entries (at least one slot so the struct is never empty)
};

void FreeUserKernel(void *p) {
  UserKernel *k = static_cast<UserKernel *>(p);
  if (!k) return;
  if (k->library) dlclose(k->library);
  std::free(k);
}

// Opens `path` and resolves `symbol`; throws SpecError naming what is wrong. The caller owns
// the returned dlopen handle.
void *OpenKernel(const std::string &path, const std::string &symbol, lab_kernel_fn *fn) {
  void *library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    throw SpecError("cannot load the compiled op library " + path + ": " + (why ? why : "unknown dlopen error"));
  }
  using AbiFn = int (*)(void);
  AbiFn abi = reinterpret_cast<AbiFn>(dlsym(library, kAbiSymbol));
  if (!abi || abi() != LAB_KERNEL_ABI_VERSION) {
    dlclose(library);
    throw SpecError(path + " was not built against this engine's kernel ABI (version " + std::to_string(LAB_KERNEL_ABI_VERSION) +
                    "); clear the op cache (`lab cache clear`) and run again");
  }
  *fn = reinterpret_cast<lab_kernel_fn>(dlsym(library, symbol.c_str()));
  if (!*fn) {
    dlclose(library);
    throw SpecError(path + " has no function '" + symbol + "': the op's cFunction must name its kernel function");
  }
  return library;
}

}  // namespace

extern "C" int lab_user_kernel(const lab_tensor *inputs, int32_t n_inputs, lab_tensor *outputs,
                               int32_t n_outputs, const void *attrs, char *err, size_t err_len) {
  const UserKernel *k = static_cast<const UserKernel *>(attrs);
  return k->fn(inputs, n_inputs, outputs, n_outputs, k->params, err, err_len);
}

ParsedAttrs ParseUserKernel(const Napi::Object &a, const StepInfo &) {
  const std::string path = StringField(a, "library"), symbol = StringField(a, "symbol");
  Napi::Array list = Has(a, "params") ? ArrayField(a, "params") : Napi::Array::New(a.Env());
  const uint32_t n = list.Length();
  UserKernel *k = static_cast<UserKernel *>(std::calloc(1, sizeof(UserKernel) + sizeof(double) * (n > 0 ? n - 1 : 0)));
  if (!k) throw SpecError("out of memory for user kernel attrs");
  k->n_params = static_cast<int32_t>(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value v = list.Get(i);
    if (!v.IsNumber()) {
      std::free(k);
      throw SpecError("params[" + std::to_string(i) + "] must be a number");
    }
    k->params[i] = v.As<Napi::Number>().DoubleValue();
  }
  try {
    k->library = OpenKernel(path, symbol, &k->fn);
  } catch (...) {
    std::free(k);
    throw;
  }
  return {k, FreeUserKernel};
}

Napi::Value LoadKernelLibrary(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    throw Napi::TypeError::New(env, "loadKernelLibrary(path: string, symbol: string)");
  }
  lab_kernel_fn fn = nullptr;
  void *library;
  try {
    library = OpenKernel(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(), &fn);
  } catch (const SpecError &e) {
    throw Napi::Error::New(env, e.what());
  }
  return Napi::External<void>::New(env, library, [](Napi::Env, void *handle) { dlclose(handle); });
}

}  // namespace lab
