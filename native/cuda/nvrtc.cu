// Straight-line elementwise kernels compiled at run time with NVRTC. libnvrtc is loaded with
// dlopen, so the library works (with the interpreter of elementwise.cu) where it is missing.
// A composite's postfix program becomes CUDA source specialised to its dtypes and rank (shape and
// strides are parameters, so programs share kernels; the scalar semantics are ew_scalar.inc,
// embedded as text); the compiled CUBIN is cached in memory by source and on disk by a hash of
// source, architecture and NVRTC version, the full identity checked on load, compiled under an
// flock and renamed into place (cubinFor). Users' CUDA kernels (K_USER steps) are compiled and
// cached the same way, or loaded from a file nvcc compiled.
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "program.cuh"

#define LAB_EW_SCALAR_SOURCE(...) #__VA_ARGS__
static const char *const kScalarSource =
#include "ew_scalar.inc"
    ;
#undef LAB_EW_SCALAR_SOURCE

namespace labcuda {

namespace {

typedef int (*CreateFn)(void **, const char *, const char *, int, const char *const *, const char *const *);
typedef int (*CompileFn)(void *, int, const char *const *);
typedef int (*SizeFn)(void *, size_t *);
typedef int (*GetFn)(void *, char *);
typedef int (*DestroyFn)(void **);
typedef int (*VersionFn)(int *, int *);

struct Nvrtc {
  bool loaded = false;
  std::string why;
  CreateFn create = nullptr;
  CompileFn compile = nullptr;
  SizeFn cubin_size = nullptr, log_size = nullptr;
  GetFn cubin = nullptr, log = nullptr;
  DestroyFn destroy = nullptr;
  int major = 0, minor = 0;
};

std::mutex mutex;  // guards the NVRTC handle and the in-memory cache

Nvrtc &nvrtc() {
  static Nvrtc n;
  static bool tried = false;
  if (tried) return n;
  tried = true;
  if (getenv("LAB_CUDA_NVRTC") && strcmp(getenv("LAB_CUDA_NVRTC"), "0") == 0) {
    n.why = "LAB_CUDA_NVRTC=0";
    return n;
  }
  const char *names[] = {"libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12",
                         "/usr/local/cuda/targets/x86_64-linux/lib/libnvrtc.so",
                         "/usr/local/cuda/lib64/libnvrtc.so"};
  void *h = nullptr;
  for (const char *name : names)
    if ((h = dlopen(name, RTLD_NOW | RTLD_LOCAL)) != nullptr) break;
  if (!h) {
    n.why = "libnvrtc not found (dlopen)";
    return n;
  }
  n.create = reinterpret_cast<CreateFn>(dlsym(h, "nvrtcCreateProgram"));
  n.compile = reinterpret_cast<CompileFn>(dlsym(h, "nvrtcCompileProgram"));
  n.cubin_size = reinterpret_cast<SizeFn>(dlsym(h, "nvrtcGetCUBINSize"));
  n.cubin = reinterpret_cast<GetFn>(dlsym(h, "nvrtcGetCUBIN"));
  n.log_size = reinterpret_cast<SizeFn>(dlsym(h, "nvrtcGetProgramLogSize"));
  n.log = reinterpret_cast<GetFn>(dlsym(h, "nvrtcGetProgramLog"));
  n.destroy = reinterpret_cast<DestroyFn>(dlsym(h, "nvrtcDestroyProgram"));
  VersionFn version = reinterpret_cast<VersionFn>(dlsym(h, "nvrtcVersion"));
  if (!n.create || !n.compile || !n.cubin_size || !n.cubin || !n.log_size || !n.log || !n.destroy || !version) {
    n.why = "libnvrtc lacks an expected symbol";
    return n;
  }
  version(&n.major, &n.minor);
  n.loaded = true;
  return n;
}

uint64_t fnv1a(const std::string &s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string cacheDir() {
  if (const char *dir = getenv("LAB_CUDA_CACHE")) return dir;
  const char *home = getenv("HOME");
  return std::string(home ? home : "/tmp") + "/.cache/curriculum-lab/cuda-kernels";
}

void makeDirs(const std::string &path) {
  for (size_t i = 1; i <= path.size(); i++)
    if (i == path.size() || path[i] == '/') mkdir(path.substr(0, i).c_str(), 0755);
}

bool readFile(const std::string &path, std::vector<char> *out) {
  FILE *f = fopen(path.c_str(), "rb");
  if (!f) return false;
  fseek(f, 0, SEEK_END);
  const long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  out->resize(n > 0 ? static_cast<size_t>(n) : 0);
  const bool ok = n > 0 && fread(out->data(), 1, out->size(), f) == out->size();
  fclose(f);
  return ok;
}

void writeAtomically(const std::string &path, const std::vector<char> &data) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE *f = fopen(tmp.c_str(), "wb");
  if (!f) return;
  const bool ok = fwrite(data.data(), 1, data.size(), f) == data.size();
  fclose(f);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) unlink(tmp.c_str());
}

// An exclusive flock on `path`, waiting up to two minutes (as the C ops' cache); -1 when the
// file cannot be opened or the wait runs out: the caller then compiles without it.
int lockEntry(const std::string &path) {
  const int fd = open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  for (int waited_ms = 0; waited_ms < 120000; waited_ms += 20) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
    usleep(20000);
  }
  close(fd);
  return -1;
}

// RAII for lockEntry: closing the descriptor drops the lock (the kernel drops it if we die).
struct EntryLock {
  int fd;
  ~EntryLock() {
    if (fd >= 0) close(fd);
  }
};

// CUBIN for `source` on sm_<major><minor>: from the disk cache, else compiled (and cached).
// The cache entry is keyed by a hash of everything that determines the binary, and the whole of
// that identity is stored beside it and compared on load, so a hash collision is a miss, never a
// wrong kernel. Processes compiling the same kernel take turns under an flock; the second loads
// the first one's build. Files are written under a temporary name and renamed into place.
bool cubinFor(const std::string &source, int major, int minor, std::vector<char> *cubin, std::string *why) {
  Nvrtc &n = nvrtc();
  if (!n.loaded) {
    *why = n.why;
    return false;
  }
  const std::string arch = "--gpu-architecture=sm_" + std::to_string(major) + std::to_string(minor);
  const std::string identity = source + "|" + arch + "|nvrtc " + std::to_string(n.major) + "." + std::to_string(n.minor);
  char key[40];
  snprintf(key, sizeof key, "%016llx", static_cast<unsigned long long>(fnv1a(identity)));
  const std::string dir = cacheDir(), base = dir + "/" + key, path = base + ".cubin", identity_path = base + ".key";
  const auto cached = [&]() {
    std::vector<char> stored;
    return readFile(identity_path, &stored) && stored.size() == identity.size() &&
           std::equal(stored.begin(), stored.end(), identity.begin()) && readFile(path, cubin);
  };
  if (cached()) return true;
  makeDirs(dir);
  const EntryLock lock{lockEntry(base + ".lock")};
  if (lock.fd >= 0 && cached()) return true;
  void *prog = nullptr;
  if (n.create(&prog, source.c_str(), "lab_kernel.cu", 0, nullptr, nullptr) != 0) {
    *why = "nvrtcCreateProgram failed";
    return false;
  }
  const char *opts[] = {arch.c_str(), "--std=c++17", "-default-device"};
  const int status = n.compile(prog, 3, opts);
  size_t size = 0;
  if (status != 0) {
    n.log_size(prog, &size);
    std::string log(size, '\0');
    if (size) n.log(prog, &log[0]);
    *why = "NVRTC could not compile the kernel:\n" + log;
    n.destroy(&prog);
    return false;
  }
  n.cubin_size(prog, &size);
  cubin->resize(size);
  n.cubin(prog, cubin->data());
  n.destroy(&prog);
  writeAtomically(path, *cubin);
  writeAtomically(identity_path, std::vector<char>(identity.begin(), identity.end()));
  return true;
}

// Loaded kernels by (source, name, arch): a program built again reuses the module.
std::map<std::string, cudaKernel_t> &loaded() {
  static std::map<std::string, cudaKernel_t> m;
  return m;
}

cudaKernel_t loadKernel(const std::string &source, const std::string &name, int major, int minor, std::string *why) {
  std::lock_guard<std::mutex> lock(mutex);
  const std::string key = name + "|" + std::to_string(major) + std::to_string(minor) + "|" + source;
  auto it = loaded().find(key);
  if (it != loaded().end()) return it->second;
  std::vector<char> cubin;
  if (!cubinFor(source, major, minor, &cubin, why)) return nullptr;
  cudaLibrary_t lib = nullptr;
  cudaKernel_t kernel = nullptr;
  cudaError_t st = cudaLibraryLoadData(&lib, cubin.data(), nullptr, nullptr, 0, nullptr, nullptr, 0);
  if (st == cudaSuccess) st = cudaLibraryGetKernel(&kernel, lib, name.c_str());
  if (st != cudaSuccess) {
    *why = std::string("loading the compiled kernel failed: ") + cudaGetErrorString(st);
    return nullptr;
  }
  loaded()[key] = kernel;
  return kernel;
}

const char *ctype(int32_t dtype) {
  switch (dtype) {
    case LAB_FLOAT32: return "float";
    case LAB_FLOAT64: return "double";
    case LAB_INT32: return "int";
    default: return "unsigned char";
  }
}

std::string literal(double v) {
  long long bits;
  memcpy(&bits, &v, sizeof bits);
  char s[64];
  snprintf(s, sizeof s, "T(__longlong_as_double(0x%016llxLL))", bits);
  return s;
}

// Kernel parameters of a compiled composite: operand pointers, the (coalesced) shape and every
// operand's strides. They are parameters, not literals, so one compiled kernel serves every
// program with the same expression, dtypes and rank. The kernel declares them at its own operand
// count and rank (a few dozen bytes, where fixed maximum sizes made every launch carry 2.4 KB);
// these buffers hold the largest case, packed in the kernel's order.
struct LaunchPtrs {
  char *p[kEwMaxOperands];
};
struct LaunchGeometry {
  long long words[kMaxNdim + kEwMaxOperands * kMaxNdim];  // shape[rank], then strides[operands][rank]
};

// The rank the kernel declares its geometry with (at least 1: C++ has no empty arrays).
int declaredRank(const EwPlan &p) { return p.ndim > 0 ? p.ndim : 1; }

// How each operand of a plan is addressed, and whether 32-bit offsets suffice.
struct Layouts {
  enum Kind { kRowMajor, kBroadcast, kStrided };
  std::vector<Kind> kind;
  bool needCoordinates = false;
  bool narrow = true;
};

Layouts layoutsOf(const EwLaunch &l) {
  const EwPlan &p = l.plan;
  constexpr long long kNarrowLimit = 1LL << 30;  // margin for the grid stride added past the end
  Layouts out;
  out.narrow = p.n < kNarrowLimit;
  for (const EwOperand &o : l.ops) {
    bool rowMajor = true, broadcast = true;
    long long expected = 1, reach = 0;
    for (int d = p.ndim - 1; d >= 0; d--) {
      rowMajor = rowMajor && (p.shape[d] == 1 || o.strides[d] == expected);
      broadcast = broadcast && (p.shape[d] == 1 || o.strides[d] == 0);
      expected *= p.shape[d];
      reach += (p.shape[d] - 1) * (o.strides[d] < 0 ? -o.strides[d] : o.strides[d]);
    }
    out.narrow = out.narrow && reach < kNarrowLimit;
    const Layouts::Kind k = broadcast ? Layouts::kBroadcast : rowMajor ? Layouts::kRowMajor : Layouts::kStrided;
    out.needCoordinates = out.needCoordinates || k == Layouts::kStrided;
    out.kind.push_back(k);
  }
  return out;
}

// The CUDA source of one elementwise plan.
std::string elementwiseSource(const EwLaunch &l) {
  const EwPlan &p = l.plan;
  const std::string ops = std::to_string(l.ops.size()), dims = std::to_string(declaredRank(p));
  std::string s = kScalarSource;
  s += "\nstruct LabEwPtrs { char *p[" + ops + "]; };\n";
  s += "struct LabEwGeometry { long long shape[" + dims + "]; long long strides[" + ops + "][" + dims + "]; };\n";
  // Index arithmetic, the bulk of a small kernel's work: 32-bit where every offset fits; an operand
  // laid out row-major over the (coalesced) shape is indexed by the element number itself and a
  // broadcast one by 0, so coordinates are computed only when some operand needs them.
  const Layouts layouts = layoutsOf(l);
  const std::string I = layouts.narrow ? "int" : "long long";
  s += std::string("typedef ") + ctype(p.compute) + " T;\ntypedef " + I + " I;\n";
  s += "extern \"C\" __global__ void lab_ew(LabEwPtrs ptrs, LabEwGeometry g, long long n) {\n";
  s += "  for (I e = blockIdx.x * (I)blockDim.x + threadIdx.x; e < (I)n; e += (I)gridDim.x * blockDim.x) {\n";
  if (layouts.needCoordinates) {
    s += "    I r = e;\n";
    for (int d = p.ndim - 1; d >= 0; d--) {
      const std::string ds = std::to_string(d);
      s += "    const I c" + ds + " = r % (I)g.shape[" + ds + "]; r /= (I)g.shape[" + ds + "];\n";
    }
  }
  auto offset = [&](int k) {
    if (layouts.kind[k] == Layouts::kRowMajor) return std::string("e");
    if (layouts.kind[k] == Layouts::kBroadcast) return std::string("0");
    std::string off = "(I)0";
    for (int d = 0; d < p.ndim; d++)
      off += " + c" + std::to_string(d) + " * (I)g.strides[" + std::to_string(k) + "][" + std::to_string(d) + "]";
    return off;
  };
  std::vector<std::string> stack, loadedInput(p.n_in);
  int tmp = 0;
  for (const EwInstr &in : l.code) {
    const std::string t = "t" + std::to_string(tmp++);
    if (in.op == EW_INPUT) {
      if (loadedInput[in.arg].empty()) {
        const EwOperand &o = l.ops[in.arg];
        s += "    const T " + t + " = (T)((const " + ctype(o.dtype) + " *)ptrs.p[" + std::to_string(in.arg) + "])[" +
             offset(in.arg) + "];\n";
        loadedInput[in.arg] = t;
      }
      stack.push_back(loadedInput[in.arg]);
    } else if (in.op == EW_CONST) {
      stack.push_back(literal(in.value));
    } else if (in.op == EW_STORE) {
      const int k = p.n_in + in.arg;
      const EwOperand &o = l.ops[k];
      const std::string v = stack.back();
      stack.pop_back();
      const std::string at = std::string("((") + ctype(o.dtype) + " *)ptrs.p[" + std::to_string(k) + "])[" + offset(k) + "]";
      if (o.dtype == LAB_INT32) s += "    " + at + " = ewToInt32((double)" + v + ");\n";
      else if (o.dtype == LAB_BOOL) s += "    " + at + " = " + v + " != T(0) ? 1 : 0;\n";
      else s += "    " + at + " = (" + ctype(o.dtype) + ")" + v + ";\n";
    } else {
      const int arity = ewArity(in.op);
      std::string args[3] = {"T(0)", "T(0)", "T(0)"};
      for (int k = arity - 1; k >= 0; k--) {
        args[k] = stack.back();
        stack.pop_back();
      }
      s += "    const T " + t + " = ewApply<T>(" + std::to_string(in.op) + ", " + std::to_string(in.arg) + ", " + args[0] +
           ", " + args[1] + ", " + args[2] + ");\n";
      stack.push_back(t);
    }
  }
  s += "  }\n}\n";
  return s;
}

}  // namespace

void *compileElementwise(const EwLaunch &launch, int device_major, int device_minor) {
  std::string why;
  const std::string source = elementwiseSource(launch);
  void *kernel = reinterpret_cast<void *>(loadKernel(source, "lab_ew", device_major, device_minor, &why));
  // Without libnvrtc the interpreter is the plan; a kernel NVRTC refuses is a bug worth seeing
  // once per process (the interpreter still runs it correctly, only slower).
  static bool warned = false;
  if (!kernel && nvrtc().loaded && !warned) {
    warned = true;
    fprintf(stderr, "[liblabcuda] an elementwise kernel runs interpreted: %s\n--- its source ---\n%s\n", why.c_str(),
            source.c_str());
  }
  return kernel;
}

cudaError_t launchCompiled(const LaunchCtx &ctx, const EwLaunch &l, const char *) {
  if (l.plan.n == 0) return cudaSuccess;
  LaunchPtrs ptrs{};
  LaunchGeometry geometry{};
  const int rank = declaredRank(l.plan);
  for (int d = 0; d < l.plan.ndim; d++) geometry.words[d] = l.plan.shape[d];
  for (size_t k = 0; k < l.ops.size(); k++) {
    ptrs.p[k] = l.ops[k].data;
    for (int d = 0; d < l.plan.ndim; d++) geometry.words[rank + k * rank + d] = l.ops[k].strides[d];
  }
  long long n = l.plan.n;
  void *args[] = {&ptrs, &geometry, &n};
  const long long want = (n + 255) / 256;
  const unsigned blocks = static_cast<unsigned>(want < ctx.sm_count * 16 ? want : ctx.sm_count * 16);
  return cudaLaunchKernel(reinterpret_cast<const void *>(l.compiled), dim3(blocks), dim3(256), args, 0, ctx.stream);
}

void *compileKernel(const std::string &source, const std::string &name, std::string *why) {
  int device = 0, major = 0, minor = 0;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
  cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
  return reinterpret_cast<void *>(loadKernel(source, name, major, minor, why));
}

void *loadKernelFile(const std::string &path, const std::string &name, std::string *why) {
  std::vector<char> data;
  if (!readFile(path, &data)) {
    *why = "cannot read the compiled kernel file " + path;
    return nullptr;
  }
  data.push_back('\0');  // PTX is text and must be terminated
  cudaLibrary_t lib = nullptr;
  cudaKernel_t kernel = nullptr;
  cudaError_t st = cudaLibraryLoadData(&lib, data.data(), nullptr, nullptr, 0, nullptr, nullptr, 0);
  if (st == cudaSuccess) st = cudaLibraryGetKernel(&kernel, lib, name.c_str());
  if (st != cudaSuccess) {
    *why = "loading kernel " + name + " from " + path + " failed: " + cudaGetErrorString(st);
    return nullptr;
  }
  return reinterpret_cast<void *>(kernel);
}

}  // namespace labcuda

extern "C" int lab_cuda_nvrtc_available(char *why, size_t why_len) {
  std::lock_guard<std::mutex> lock(labcuda::mutex);
  const labcuda::Nvrtc &n = labcuda::nvrtc();
  if (!n.loaded && why && why_len) snprintf(why, why_len, "%s", n.why.c_str());
  return n.loaded ? 1 : 0;
}
