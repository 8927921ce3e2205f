// Tape → program: reads the flat double array engine/backends/cuda/tape.ts writes (format in
// native/cuda/README.md), checks every view against its buffer, lays all buffers out in one
// device arena, and turns each step into the argument block its kernel family takes. Everything
// here happens once per program; a run only launches.
#include <math.h>
#include <stdio.h>

#include <algorithm>
#include <cstring>

#include "program.cuh"

namespace labcuda {

namespace {

constexpr double kTapeMagic = 1279541057.0;  // "LABA" as a number: the tape's first word
constexpr int kTapeVersion = 1;

struct Reader {
  const double *tape;
  int64_t len, pos = 0;
  std::string *error;
  bool ok = true;

  double next(const char *what) {
    if (pos >= len) {
      if (ok) *error = std::string("the program tape ends early, reading ") + what;
      ok = false;
      return 0;
    }
    return tape[pos++];
  }
  int64_t integer(const char *what, int64_t lo, int64_t hi) {
    const double v = next(what);
    if (ok && (v != floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi))) {
      char msg[200];
      snprintf(msg, sizeof msg, "%s is %g at tape position %lld; expected an integer in [%lld, %lld]", what, v,
               static_cast<long long>(pos - 1), static_cast<long long>(lo), static_cast<long long>(hi));
      *error = msg;
      ok = false;
    }
    return static_cast<int64_t>(v);
  }
  std::string text(const char *what) {
    const int64_t n = integer(what, 0, 4096);
    std::string s;
    for (int64_t i = 0; i < n && ok; i++) s.push_back(static_cast<char>(integer(what, 1, 255)));
    return s;
  }
};

std::string where(size_t index, const TapeStep &s) {
  return "steps[" + std::to_string(index) + "] '" + s.op + "' (kernel " + s.kernel + "): ";
}

bool readView(Reader &r, int32_t n_buffers, TapeView *v) {
  v->buffer = static_cast<int32_t>(r.integer("view buffer", 0, n_buffers - 1));
  v->offset = r.integer("view offset", 0, INT64_MAX / 2);
  v->ndim = static_cast<int32_t>(r.integer("view ndim", 0, kMaxNdim));
  for (int d = 0; d < v->ndim; d++) v->shape[d] = r.integer("view shape", 0, INT64_MAX / 2);
  for (int d = 0; d < v->ndim; d++) v->strides[d] = r.integer("view stride", -(INT64_MAX / 2), INT64_MAX / 2);
  return r.ok;
}

// The element range a view touches must lie inside its buffer.
bool viewInBounds(const TapeView &v, int64_t size) {
  int64_t lo = v.offset, hi = v.offset;
  for (int d = 0; d < v.ndim; d++) {
    if (v.shape[d] == 0) return true;
    const int64_t reach = (v.shape[d] - 1) * v.strides[d];
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  return lo >= 0 && hi < size;
}

DView resolve(const lab_cuda_program *p, const TapeView &v) {
  DView d{};
  const Buffer &b = p->buffers[v.buffer];
  d.data = b.data + v.offset * dtypeBytes(b.dtype);
  d.dtype = b.dtype;
  d.ndim = v.ndim;
  for (int i = 0; i < v.ndim; i++) {
    d.shape[i] = v.shape[i];
    d.strides[i] = v.strides[i];
  }
  return d;
}

bool sameView(const TapeView &a, const TapeView &b) {
  if (a.buffer != b.buffer || a.offset != b.offset || a.ndim != b.ndim) return false;
  for (int d = 0; d < a.ndim; d++)
    if (a.shape[d] != b.shape[d] || a.strides[d] != b.strides[d]) return false;
  return true;
}

// Contiguous device staging for every input and output of a host or user step, with the
// elementwise copies between the views and the staging, and the host mirrors.
bool stage(const TapeStep &s, const std::vector<DView> &in, const std::vector<DView> &out, std::vector<char *> &aux,
           Step *st, std::string *why) {
  bool ok = true;
  for (size_t k = 0; k < s.inputs.size() + s.outputs.size() && ok; k++) {
    const bool is_in = k < s.inputs.size();
    const TapeView &v = is_in ? s.inputs[k] : s.outputs[k - s.inputs.size()];
    const DView &d = is_in ? in[k] : out[k - s.inputs.size()];
    char *buf = aux.back();
    aux.pop_back();
    const DView staged = contiguous(buf, static_cast<lab_dtype>(d.dtype), v);
    (is_in ? st->packs : st->unpacks).push_back(is_in ? identityCopy(d, staged, why, &ok) : identityCopy(staged, d, why, &ok));
    lab_cuda_host_tensor t{};
    t.dtype = static_cast<lab_dtype>(d.dtype);
    t.ndim = v.ndim;
    for (int i = 0; i < v.ndim; i++) t.shape[i] = v.shape[i];
    (is_in ? st->host_in : st->host_out).push_back(t);
    (is_in ? st->host_in_mem : st->host_out_mem).emplace_back(static_cast<size_t>(viewSize(d) * dtypeBytes(d.dtype)));
    (is_in ? st->staging_in : st->staging_out).push_back(buf);
  }
  return ok;
}

// attrs: [grid x y z, block x y z, shared bytes, via (0 NVRTC source, 1 compiled file),
//         n_scalars, scalars…, text length, text bytes…, name length, name bytes…]
bool planUser(const TapeStep &s, Step *st, std::string *why) {
  const std::vector<double> &a = s.attrs;
  size_t at = 0;
  const auto take = [&](double *v) {
    if (at >= a.size()) return false;
    *v = a[at++];
    return true;
  };
  double g[7], via, ns;
  for (double &x : g)
    if (!take(&x)) return fail(why, "bad launch attrs");
  if (!take(&via) || !take(&ns)) return fail(why, "bad launch attrs");
  for (int i = 0; i < static_cast<int>(ns); i++) {
    double x;
    if (!take(&x)) return fail(why, "bad scalars");
    st->scalars.push_back(x);
  }
  std::string text[2];
  for (std::string &t : text) {
    double n;
    if (!take(&n)) return fail(why, "bad kernel text");
    for (int i = 0; i < static_cast<int>(n); i++) {
      double c;
      if (!take(&c)) return fail(why, "bad kernel text");
      t.push_back(static_cast<char>(static_cast<int>(c)));
    }
  }
  st->grid = dim3(static_cast<unsigned>(g[0]), static_cast<unsigned>(g[1]), static_cast<unsigned>(g[2]));
  st->block = dim3(static_cast<unsigned>(g[3]), static_cast<unsigned>(g[4]), static_cast<unsigned>(g[5]));
  st->shared_bytes = static_cast<unsigned>(g[6]);
  st->user_n = st->host_out.empty() ? 0 : 1;
  for (int d = 0; d < st->host_out[0].ndim; d++) st->user_n *= st->host_out[0].shape[d];
  st->user_kernel = via == 0 ? compileKernel(text[0], text[1], why) : loadKernelFile(text[0], text[1], why);
  return st->user_kernel != nullptr;
}

bool planStep(lab_cuda_program *p, size_t index, const TapeStep &s, std::vector<char *> &aux, Step *st,
              std::string *error) {
  std::string why;
  std::vector<DView> in, out;
  for (const TapeView &v : s.inputs) in.push_back(resolve(p, v));
  for (const TapeView &v : s.outputs) out.push_back(resolve(p, v));
  st->kind = s.kind;
  for (const TapeView &v : s.inputs) st->reads.push_back(v.buffer);
  for (const TapeView &v : s.outputs) st->writes.push_back(v.buffer);
  st->kernel = s.kernel;
  st->op = s.op;
  bool ok = true;
  switch (s.kind) {
    case K_ELEMENTWISE: {
      const size_t n = s.attrs.size();
      if (n < 1 || n != 1 + 3 * static_cast<size_t>(s.attrs[0])) return fail(error, where(index, s) + "bad attrs");
      for (size_t i = 1; i < n; i += 3)
        st->ew.code.push_back(EwInstr{static_cast<int32_t>(s.attrs[i]), static_cast<int32_t>(s.attrs[i + 1]), s.attrs[i + 2]});
      ok = !out.empty() && planElementwise(in, out, &st->ew, &why);
      break;
    }
    case K_GEMM: {
      ok = out.size() == 1 && planGemm(s, in, out[0], &st->gemm, &why);
      GemmArgs &g = st->gemm;
      const int64_t splits = ok ? gemmSplits(g.batch, g.M, g.N, g.K, p->sm_count) : 1;
      if (splits > 1) {  // auxNeeds reserved the partials for exactly this split
        g.splits = splits;
        g.k_per = (g.K + splits - 1) / splits;
        g.partials = aux.back();
        aux.pop_back();
      }
      break;
    }
    case K_REDUCE: ok = in.size() == 1 && out.size() == 1 && planReduce(s, in[0], out[0], &st->reduce, &why); break;
    case K_ROWS: ok = out.size() == 1 && planRows(s, in, out[0], &st->rows, &why); break;
    case K_CONV: ok = out.size() == 1 && planConv(s, in, out[0], &st->conv, &why); break;
    case K_POOL: ok = out.size() == 1 && planPool(s, in, out[0], &st->pool, &why); break;
    case K_TAKE:
    case K_SCATTER: {
      const bool take = s.kind == K_TAKE;
      if (in.size() != (take ? 2u : 3u) || out.size() != 1 || s.attrs.size() != (take ? 1u : 2u))
        return fail(error, where(index, s) + (take ? "takes [x, indices] -> [y]" : "takes [x, v, indices] -> [z]"));
      GatherArgs &g = st->gather;
      g = GatherArgs{};
      g.x = take ? in[0] : out[0];
      g.idx = take ? in[1] : in[2];
      g.v = take ? out[0] : in[1];
      g.axis = static_cast<int32_t>(s.attrs[0]);
      g.set = take ? 0 : static_cast<int32_t>(s.attrs[1]);
      if (g.axis < 0) g.axis += g.x.ndim;
      if (g.idx.dtype != LAB_INT32) ok = fail(&why, "indices must be int32");
      else if (g.axis < 0 || g.axis >= g.x.ndim) ok = fail(&why, "axis is out of range");
      else if (g.v.ndim != g.x.ndim - 1 + g.idx.ndim) ok = fail(&why, "values must have take's shape");
      else if (!take && !sameView(s.inputs[0], s.outputs[0]))
        ok = fail(&why, "the output view must be x's view (the backend copies x into z first)");
      break;
    }
    case K_RANDOM: {
      if (s.attrs.size() != 7 || out.size() != 1 || in.size() > 1) return fail(error, where(index, s) + "bad attrs");
      RandomArgs &r = st->random;
      r = RandomArgs{};
      r.y = out[0];
      r.dist = static_cast<int32_t>(s.attrs[0]);
      const double seed = s.attrs[1];
      r.key0 = static_cast<uint32_t>(fmod(seed, 4294967296.0));
      r.key1 = static_cast<uint32_t>(floor(seed / 4294967296.0));
      r.stream = static_cast<int32_t>(static_cast<uint32_t>(s.attrs[2]));
      r.size = viewSize(out[0]);
      r.start = reinterpret_cast<long long *>(aux.back());
      aux.pop_back();
      r.advance = s.attrs[4] != 0;
      r.a = s.attrs[5];
      r.b = s.attrs[6];
      r.offset = in.empty() ? nullptr : reinterpret_cast<const int32_t *>(in[0].data);
      const long long start = static_cast<long long>(s.attrs[3]);
      if (cudaMemcpy(r.start, &start, sizeof start, cudaMemcpyHostToDevice) != cudaSuccess)
        ok = fail(&why, "cannot initialise the draw position");
      break;
    }
    case K_HOST: {
      if (s.attrs.size() != 1) return fail(error, where(index, s) + "attrs must be [callback]");
      st->callback = static_cast<int32_t>(s.attrs[0]);
      p->has_host_steps = true;
      ok = stage(s, in, out, aux, st, &why);
      break;
    }
    case K_USER: ok = !out.empty() && stage(s, in, out, aux, st, &why) && planUser(s, st, &why); break;
    default: return fail(error, where(index, s) + "unknown step kind " + std::to_string(s.kind));
  }
  if (!ok) return fail(error, where(index, s) + (why.empty() ? "wrong number of inputs or outputs" : why));
  return true;
}

// Bytes of auxiliary device memory step s needs: a draw position, host staging, or split-K's
// partial products (sized as planStep will split, from the same shapes).
std::vector<size_t> auxNeeds(const TapeStep &s, const std::vector<Buffer> &buffers, int sm_count) {
  std::vector<size_t> needs;
  if (s.kind == K_RANDOM) needs.push_back(sizeof(long long));
  if (s.kind == K_GEMM && s.outputs.size() == 1 && !s.inputs.empty() && s.attrs.size() == 4) {
    const TapeView &z = s.outputs[0], &a = s.inputs[0];
    if (z.ndim >= 2 && a.ndim >= 2) {
      const int64_t batch = z.ndim == 3 ? z.shape[0] : 1, M = z.shape[z.ndim - 2], N = z.shape[z.ndim - 1];
      const int64_t K = s.attrs[0] != 0 ? a.shape[a.ndim - 2] : a.shape[a.ndim - 1];
      const int64_t splits = gemmSplits(batch, M, N, K, sm_count);
      if (splits > 1) needs.push_back(static_cast<size_t>(splits * batch * M * N * dtypeBytes(buffers[z.buffer].dtype)));
    }
  }
  if (s.kind == K_HOST || s.kind == K_USER) {
    for (const auto *list : {&s.inputs, &s.outputs})
      for (const TapeView &v : *list) {
        int64_t n = 1;
        for (int d = 0; d < v.ndim; d++) n *= v.shape[d];
        needs.push_back(static_cast<size_t>(n * dtypeBytes(buffers[v.buffer].dtype)));
      }
  }
  return needs;
}

size_t align256(size_t n) { return (n + 255) & ~static_cast<size_t>(255); }

void appendMeta(std::vector<char> &blob, EwLaunch &l) {
  auto put = [&blob](const void *data, size_t bytes) {
    const size_t at = align256(blob.size());
    blob.resize(at + bytes);
    memcpy(blob.data() + at, data, bytes);
    return at;
  };
  l.plan_off = put(&l.plan, sizeof l.plan);
  l.ops_off = put(l.ops.data(), l.ops.size() * sizeof(EwOperand));
  l.code_off = put(l.code.data(), l.code.size() * sizeof(EwInstr));
}

}  // namespace

bool buildProgram(lab_cuda_program *p, const double *tape, int64_t len, std::string *error) {
  Reader r{tape, len, 0, error};
  if (r.next("magic") != kTapeMagic || r.integer("version", 0, 1000) != kTapeVersion)
    return fail(error, "not a CUDA program tape of version " + std::to_string(kTapeVersion) +
                           " (the engine and native/build/cuda/liblabcuda.so are out of step: run `npm run build:native`)");
  const int32_t nb = static_cast<int32_t>(r.integer("buffer count", 0, 1 << 24));
  const int32_t ns = static_cast<int32_t>(r.integer("step count", 0, 1 << 24));
  const int32_t ni = static_cast<int32_t>(r.integer("input count", 0, nb));
  const int32_t no = static_cast<int32_t>(r.integer("output count", 0, nb));
  for (int32_t b = 0; b < nb && r.ok; b++) {
    Buffer buf{};
    buf.dtype = static_cast<lab_dtype>(r.integer("buffer dtype", 0, 3));
    buf.size = r.integer("buffer size", 0, INT64_MAX / 16);
    buf.role = static_cast<int32_t>(r.integer("buffer role", 0, 4));
    p->buffers.push_back(buf);
  }
  for (int32_t k = 0; k < ni && r.ok; k++) p->inputs.push_back(static_cast<int32_t>(r.integer("input buffer", 0, nb - 1)));
  for (int32_t k = 0; k < no && r.ok; k++) p->outputs.push_back(static_cast<int32_t>(r.integer("output buffer", 0, nb - 1)));
  std::vector<TapeStep> tsteps;
  for (int32_t i = 0; i < ns && r.ok; i++) {
    TapeStep s;
    s.kind = static_cast<int32_t>(r.integer("step kind", 0, K_COUNT - 1));
    const int64_t n_in = r.integer("step input count", 0, 64), n_out = r.integer("step output count", 0, 64);
    s.kernel = r.text("kernel name");
    s.op = r.text("op name");
    for (int64_t k = 0; k < n_in + n_out && r.ok; k++) {
      TapeView v{};
      readView(r, nb, &v);
      (k < n_in ? s.inputs : s.outputs).push_back(v);
    }
    const int64_t n_attrs = r.integer("attr count", 0, 1 << 20);
    for (int64_t k = 0; k < n_attrs && r.ok; k++) s.attrs.push_back(r.next("attr"));
    if (!r.ok) return fail(error, "steps[" + std::to_string(i) + "]: " + *error);
    for (const auto *list : {&s.inputs, &s.outputs})
      for (const TapeView &v : *list)
        if (!viewInBounds(v, p->buffers[v.buffer].size))
          return fail(error, where(tsteps.size(), s) + "a view " + shapeStr(v.shape, v.ndim) + " at offset " +
                                 std::to_string(v.offset) + " reaches outside buffer " + std::to_string(v.buffer) +
                                 " of " + std::to_string(p->buffers[v.buffer].size) + " elements");
    for (const TapeView &v : s.outputs)
      if (p->buffers[v.buffer].role == 0 || p->buffers[v.buffer].role == 4)
        return fail(error, where(tsteps.size(), s) + "writes buffer " + std::to_string(v.buffer) + ", an input or constant");
    tsteps.push_back(std::move(s));
  }
  if (!r.ok) return false;
  if (r.pos != len) return fail(error, "the program tape has " + std::to_string(len - r.pos) + " values left over");

  // One arena: the buffers, the error flag, then every step's auxiliary memory.
  std::vector<size_t> offsets;
  size_t total = 0;
  for (const Buffer &b : p->buffers) {
    offsets.push_back(total);
    total = align256(total + static_cast<size_t>(b.size) * dtypeBytes(b.dtype));
  }
  const size_t err_off = total;
  total = align256(total + sizeof(DeviceError));
  std::vector<std::vector<size_t>> aux_offsets;
  for (const TapeStep &s : tsteps) {
    aux_offsets.emplace_back();
    for (size_t bytes : auxNeeds(s, p->buffers, p->sm_count)) {
      aux_offsets.back().push_back(total);
      total = align256(total + bytes);
    }
  }
  cudaError_t st = cudaMalloc(&p->arena, total > 0 ? total : 256);
  if (st == cudaSuccess) st = cudaMemset(p->arena, 0, total > 0 ? total : 256);
  if (st != cudaSuccess)
    return fail(error, std::string("cannot allocate the program's ") + std::to_string(total) +
                           " bytes of device memory: " + cudaGetErrorString(st));
  for (size_t b = 0; b < p->buffers.size(); b++) p->buffers[b].data = p->arena + offsets[b];
  p->err = reinterpret_cast<DeviceError *>(p->arena + err_off);

  std::vector<char> blob;
  p->steps.resize(tsteps.size());
  for (size_t i = 0; i < tsteps.size(); i++) {
    std::vector<char *> aux;  // consumed from the back
    for (auto it = aux_offsets[i].rbegin(); it != aux_offsets[i].rend(); ++it) aux.push_back(p->arena + *it);
    if (!planStep(p, i, tsteps[i], aux, &p->steps[i], error)) return false;
    Step &s = p->steps[i];
    if (s.kind == K_ELEMENTWISE) appendMeta(blob, s.ew);
    for (EwLaunch &l : s.packs) appendMeta(blob, l);
    for (EwLaunch &l : s.unpacks) appendMeta(blob, l);
  }
  if (!blob.empty()) {
    st = cudaMalloc(&p->meta, blob.size());
    if (st == cudaSuccess) st = cudaMemcpy(p->meta, blob.data(), blob.size(), cudaMemcpyHostToDevice);
    if (st != cudaSuccess) return fail(error, std::string("cannot upload the program's metadata: ") + cudaGetErrorString(st));
  }
  int device = 0, major = 0, minor = 0;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
  cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
  for (Step &s : p->steps) {
    if (s.kind != K_ELEMENTWISE) continue;
    s.ew.compiled = compileElementwise(s.ew, major, minor);
    if (s.ew.compiled) p->nvrtc_kernels++;
  }
  // The arena memset and the uploads above ran on the legacy stream, which the program's
  // non-blocking stream does not wait for: finish them before the first run.
  st = cudaDeviceSynchronize();
  if (st != cudaSuccess) return fail(error, std::string("preparing the program on the GPU failed: ") + cudaGetErrorString(st));
  return true;
}

}  // namespace labcuda
