// createProgram parses a program spec (native/PROGRAM.md) into a C lab_program once; run binds
// the caller's typed arrays, executes every step in C (one crossing per call) and returns the
// outputs in fresh V8 typed arrays. JavaScript steps are called back synchronously.
#include "program_binding.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../kernels/common.h"
#include "../kernels/fp_mode.h"
#include "../kernels/shape.h"
#include "executor.h"
#include "kernel_registry.h"
#include "napi_util.h"
#include "row_blocks.h"

namespace lab {
namespace {

// Marks handles made by createProgram so run() can reject any other object safely.
const napi_type_tag kProgramTag = {0x6c61625f70726f67ULL, 0x72616d5f68616e64ULL};

struct ProgramHandle {
  lab_program *program = nullptr;
  std::vector<int32_t> inputs, outputs;    // buffer indices, in call order
  std::vector<std::string> step_names;     // attrs.opName, else the kernel name
  std::vector<std::string> step_kernels;
  std::vector<int32_t> step_callback;      // index into callbacks, -1 for native steps
  std::vector<Napi::FunctionReference> callbacks;
  std::vector<void *> bound;  // per buffer: memory bound for the current run (reused, no allocation per run)
  std::vector<char> filled;   // per output: written directly by the steps this run
  bool running = false;
  ~ProgramHandle() { lab_program_free(program); }
};

struct RunContext {
  Napi::Env env;
  ProgramHandle *handle;
  lab_fp_mode caller_mode;  // the thread's mode before the run, which JavaScript steps run under
  lab_fp_mode run_mode;     // the mode the native steps run under
};

// Sets the thread's floating-point mode for a scope and puts the previous one back at its end,
// an exception included.
class FpModeScope {
 public:
  explicit FpModeScope(lab_fp_mode mode) : previous_(lab_fp_mode_get()) {
    if (mode != previous_) lab_fp_mode_set(mode);
  }
  ~FpModeScope() {
    if (lab_fp_mode_get() != previous_) lab_fp_mode_set(previous_);
  }
  FpModeScope(const FpModeScope &) = delete;
  FpModeScope &operator=(const FpModeScope &) = delete;

 private:
  lab_fp_mode previous_;
};

lab_role ParseRole(const std::string &role) {
  if (role == "input") return LAB_ROLE_INPUT;
  if (role == "output") return LAB_ROLE_OUTPUT;
  if (role == "shared") return LAB_ROLE_SHARED;
  if (role == "temp") return LAB_ROLE_TEMP;
  if (role == "constant") return LAB_ROLE_CONSTANT;
  throw SpecError("role must be 'input', 'output', 'shared', 'temp' or 'constant', got '" + role + "'");
}

// The spec's numbers as createProgram receives them, packed by native/wireSpec.ts: every view of
// every step, and every elementwise step's expression trees, in flat typed arrays read here
// without a Node-API call per field (read as objects, an unrolled graph's ~10^4 views and
// expression nodes were most of createProgram's time).
struct Wire {
  const double *views = nullptr;
  size_t n_views = 0;
  size_t next_view = 0;       // views are read in step order
  const int32_t *layout = nullptr;  // per step: inputs, outputs, offset of its expressions (-1: none)
  const double *exprs = nullptr;
  size_t n_exprs = 0;
};

// One view: [buffer, offset, shape length, strides length, shape..., strides...].
lab_view ReadView(Wire &w) {
  const double *v = w.views + w.next_view;
  if (w.next_view + 4 > w.n_views) throw SpecError("the packed views end early");
  lab_view view{};
  view.buffer = static_cast<int32_t>(IntegerOf(v[0], [] { return "buffer"; }));
  view.offset = IntegerOf(v[1], [] { return "offset"; });
  const int64_t ndim = IntegerOf(v[2], [] { return "shape length"; });
  if (ndim != IntegerOf(v[3], [] { return "strides length"; }) || ndim < 0 || ndim > LAB_MAX_NDIM) {
    throw SpecError("shape and strides must have the same length, at most " + std::to_string(LAB_MAX_NDIM));
  }
  if (w.next_view + 4 + 2 * static_cast<size_t>(ndim) > w.n_views) throw SpecError("the packed views end early");
  for (int64_t k = 0; k < ndim; k++) {
    view.shape[k] = IntegerOf(v[4 + k], [k] { return "shape[" + std::to_string(k) + "]"; });
    view.strides[k] = IntegerOf(v[4 + ndim + k], [k] { return "strides[" + std::to_string(k) + "]"; });
  }
  view.ndim = static_cast<int32_t>(ndim);
  w.next_view += 4 + 2 * static_cast<size_t>(ndim);
  return view;
}

// `count` views named key[0], key[1], ... in errors, appended to `views`.
void ReadViews(Wire &w, int32_t count, const char *key, std::vector<lab_view> &views) {
  for (int32_t i = 0; i < count; i++) {
    try {
      views.push_back(ReadView(w));
    } catch (const SpecError &e) {
      throw SpecError(std::string(key) + "[" + std::to_string(i) + "]: " + e.what());
    }
  }
}

ProgramHandle *UnwrapHandle(const Napi::Value &v) {
  if (!v.IsExternal() || !v.As<Napi::External<ProgramHandle>>().CheckTypeTag(&kProgramTag)) {
    throw Napi::TypeError::New(v.Env(), "expected a program handle returned by createProgram");
  }
  return v.As<Napi::External<ProgramHandle>>().Data();
}

std::string StepLabel(const ProgramHandle &h, int32_t step) {
  return "step " + std::to_string(step) + " '" + h.step_names[step] + "' (kernel " + h.step_kernels[step] + ")";
}

std::vector<lab_buffer> ParseBuffers(const Napi::Array &list) {
  std::vector<lab_buffer> buffers(list.Length());
  for (uint32_t b = 0; b < list.Length(); b++) {
    try {
      if (!list.Get(b).IsObject()) throw SpecError("must be {dtype, size, role}");
      Napi::Object o = list.Get(b).As<Napi::Object>();
      buffers[b].dtype = ParseDtype(StringField(o, "dtype"));
      buffers[b].size = IntegerField(o, "size", -1);
      buffers[b].role = ParseRole(StringField(o, "role"));
      if (buffers[b].size < 0) throw SpecError("size must be a non-negative integer");
    } catch (const SpecError &e) {
      throw SpecError("buffers[" + std::to_string(b) + "]: " + e.what());
    }
  }
  return buffers;
}

// Copies each buffer's `init` typed array into the arena (shared and constant buffers).
void InitBuffers(const Napi::Array &list, lab_program *program) {
  for (uint32_t b = 0; b < list.Length(); b++) {
    Napi::Object o = list.Get(b).As<Napi::Object>();
    if (!Has(o, "init")) continue;
    const lab_buffer &buf = program->buffers[b];
    if (buf.role == LAB_ROLE_INPUT || buf.role == LAB_ROLE_OUTPUT) {
      throw SpecError("buffers[" + std::to_string(b) + "]: only arena buffers (shared, constant, temp) take init");
    }
    const void *data = CheckedTypedArray(Field(o, "init"), buf.dtype, buf.size, [b] { return "buffers[" + std::to_string(b) + "].init"; });
    std::memcpy(lab_program_buffer(program, static_cast<int32_t>(b)), data, static_cast<size_t>(buf.size) * lab_dtype_size(buf.dtype));
  }
}

std::vector<int32_t> ParseBufferList(const Napi::Object &spec, const char *key, const lab_program *program, bool inputs) {
  std::vector<int32_t> list;
  for (int64_t b : IntegerArray(spec, key)) {
    if (b < 0 || b >= program->n_buffers) throw SpecError(std::string(key) + ": buffer " + std::to_string(b) + " does not exist");
    const lab_role role = program->buffers[b].role;
    if (inputs != (role == LAB_ROLE_INPUT)) {
      throw SpecError(std::string(key) + ": buffer " + std::to_string(b) + (inputs ? " must have role 'input'" : " is an input; outputs cannot return inputs"));
    }
    list.push_back(static_cast<int32_t>(b));
  }
  return list;
}

void ParseStep(Napi::Env env, const Napi::Object &step, int32_t index, const Napi::Array &callbacks, Wire &wire,
               ProgramHandle &h) {
  const std::string kernel = StringField(step, "kernel");
  Napi::Object attrs = Has(step, "attrs") ? ObjectField(step, "attrs") : Napi::Object::New(env);
  h.step_kernels.push_back(kernel);
  h.step_names.push_back(Has(attrs, "opName") ? StringField(attrs, "opName") : kernel);
  const int32_t *layout = wire.layout + 3 * static_cast<size_t>(index);
  const int32_t n_inputs = layout[0], n_outputs = layout[1];
  if (n_inputs < 0 || n_outputs < 0) throw SpecError("the packed layout has a negative view count");
  std::vector<lab_view> views;
  ReadViews(wire, n_inputs, "inputs", views);
  ReadViews(wire, n_outputs, "outputs", views);

  ParsedAttrs parsed{nullptr, nullptr};
  lab_kernel_fn fn = nullptr;
  int32_t callback = -1;
  if (kernel == "js") {
    const int64_t c = IntegerField(attrs, "callback", -1);
    if (c < 0 || c >= callbacks.Length() || !callbacks.Get(static_cast<uint32_t>(c)).IsFunction()) {
      throw SpecError("attrs.callback must index a function in spec.callbacks (got " + std::to_string(c) + ")");
    }
    callback = static_cast<int32_t>(c);
  } else {
    const KernelEntry *entry = FindKernel(kernel);
    if (!entry) throw SpecError("unknown kernel '" + kernel + "'; known kernels: " + KernelNames());
    StepInfo info;
    info.rt = &h.program->rt;
    if (layout[2] >= 0 && static_cast<size_t>(layout[2]) < wire.n_exprs) {
      info.exprs = wire.exprs + layout[2];
      info.n_exprs = wire.n_exprs - static_cast<size_t>(layout[2]);
    }
    for (int32_t i = 0; i < n_inputs + n_outputs; i++) {
      const int32_t b = views[i].buffer;
      if (b < 0 || b >= h.program->n_buffers) continue;  // reported with context by lab_program_set_step
      (i < n_inputs ? info.input_dtypes : info.output_dtypes).push_back(h.program->buffers[b].dtype);
      (i < n_inputs ? info.input_ndims : info.output_ndims).push_back(views[i].ndim);
    }
    parsed = entry->parse(attrs, info);
    fn = entry->fn;
  }
  h.step_callback.push_back(callback);
  char err[512];
  if (lab_program_set_step(h.program, index, fn, parsed.attrs, parsed.free_attrs, views.data(), n_inputs, n_outputs, err, sizeof err)) {
    throw SpecError(err);
  }
}

// Runs a JavaScript step: copies of the input views go in as contiguous typed arrays, the
// returned typed arrays are checked and copied into the output views.
int ForeignStep(void *ctx, int32_t step, const lab_tensor *in, int32_t n_in, lab_tensor *out, int32_t n_out, char *err, size_t err_len) {
  RunContext *rc = static_cast<RunContext *>(ctx);
  ProgramHandle &h = *rc->handle;
  // JavaScript numbers keep IEEE denormals whatever the program's native steps do.
  FpModeScope javascript_mode(rc->caller_mode);
  try {
    Napi::HandleScope scope(rc->env);
    Napi::Array args = Napi::Array::New(rc->env, n_in);
    for (int32_t k = 0; k < n_in; k++) {
      lab_tensor dst = in[k];
      Napi::TypedArray a = NewTypedArray(rc->env, in[k].dtype, static_cast<size_t>(lab_tensor_size(&in[k])), &dst.data);
      lab_contiguous_strides(dst.ndim, dst.shape, dst.strides);
      lab_copy_view(&in[k], &dst);
      args.Set(static_cast<uint32_t>(k), a);
    }
    Napi::Array shapes = Napi::Array::New(rc->env, n_out);
    for (int32_t o = 0; o < n_out; o++) {
      Napi::Array shape = Napi::Array::New(rc->env, out[o].ndim);
      for (int32_t d = 0; d < out[o].ndim; d++) shape.Set(static_cast<uint32_t>(d), Napi::Number::New(rc->env, static_cast<double>(out[o].shape[d])));
      shapes.Set(static_cast<uint32_t>(o), shape);
    }
    Napi::Value result = h.callbacks[h.step_callback[step]].Call({args, shapes});
    if (!result.IsArray() || result.As<Napi::Array>().Length() != static_cast<uint32_t>(n_out)) {
      throw SpecError("the JavaScript step must return an array of " + std::to_string(n_out) + " typed arrays");
    }
    for (int32_t o = 0; o < n_out; o++) {
      lab_tensor src = out[o];
      src.data = CheckedTypedArray(result.As<Napi::Array>().Get(static_cast<uint32_t>(o)), out[o].dtype, lab_tensor_size(&out[o]),
                                   [o] { return "returned output " + std::to_string(o); });
      lab_contiguous_strides(src.ndim, src.shape, src.strides);
      lab_copy_view(&src, &out[o]);
    }
    return 0;
  } catch (const Napi::Error &e) {
    return lab_fail(err, err_len, "the JavaScript step threw: %s", e.Message().c_str());
  } catch (const std::exception &e) {
    return lab_fail(err, err_len, "%s", e.what());
  }
}

}  // namespace

Napi::Value CreateProgram(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    throw Napi::TypeError::New(env, "createProgram(spec): spec must be {buffers, steps, inputs, outputs, callbacks?} as packed by native/wireSpec.ts");
  }
  Napi::Object spec = info[0].As<Napi::Object>();
  auto handle = std::make_unique<ProgramHandle>();
  int32_t step = -1;
  try {
    Napi::Array buffer_list = ArrayField(spec, "buffers");
    Napi::Array steps = ArrayField(spec, "steps");
    Napi::Array callbacks = Has(spec, "callbacks") ? ArrayField(spec, "callbacks") : Napi::Array::New(env);
    Wire wire;
    wire.views = static_cast<const double *>(CheckedTypedArray(Field(spec, "views"), LAB_FLOAT64, "spec.views", &wire.n_views));
    wire.exprs = static_cast<const double *>(CheckedTypedArray(Field(spec, "exprs"), LAB_FLOAT64, "spec.exprs", &wire.n_exprs));
    wire.layout = static_cast<const int32_t *>(CheckedTypedArray(Field(spec, "layout"), LAB_INT32, static_cast<int64_t>(steps.Length()) * 3,
                                                                 [] { return "spec.layout (three per step)"; }));
    const std::vector<lab_buffer> buffers = ParseBuffers(buffer_list);
    char err[512];
    handle->program = lab_program_new(buffers.data(), static_cast<int32_t>(buffers.size()), static_cast<int32_t>(steps.Length()), err, sizeof err);
    if (!handle->program) throw SpecError(err);
    InitBuffers(buffer_list, handle->program);
    handle->inputs = ParseBufferList(spec, "inputs", handle->program, true);
    handle->outputs = ParseBufferList(spec, "outputs", handle->program, false);
    for (int32_t b : handle->outputs) handle->program->buffers[b].returned = 1;
    handle->bound.assign(static_cast<size_t>(handle->program->n_buffers), nullptr);
    handle->filled.assign(handle->outputs.size(), 0);
    for (uint32_t c = 0; c < callbacks.Length(); c++) {
      Napi::Value f = callbacks.Get(c);
      handle->callbacks.push_back(f.IsFunction() ? Napi::Persistent(f.As<Napi::Function>()) : Napi::FunctionReference());
    }
    for (step = 0; step < static_cast<int32_t>(steps.Length()); step++) {
      // Each step's handles are released after it: an unrolled graph's ~10^5 property reads
      // would otherwise pile up in the call's scope until it returns.
      Napi::HandleScope step_scope(env);
      const Napi::Value value = steps.Get(static_cast<uint32_t>(step));
      if (!value.IsObject()) throw SpecError("must be {kernel, inputs, outputs, attrs}");
      ParseStep(env, value.As<Napi::Object>(), step, callbacks, wire, *handle);
    }
    step = -1;
    if (wire.next_view != wire.n_views) throw SpecError("spec.views holds more numbers than the steps' views");
    for (int32_t b = 0; b < handle->program->n_buffers; b++) {
      bool returned = false;
      for (int32_t o : handle->outputs) returned |= o == b;
      if (handle->program->buffers[b].role == LAB_ROLE_OUTPUT && !returned) {
        throw SpecError("buffer " + std::to_string(b) + " has role 'output' but is not listed in spec.outputs");
      }
    }
  } catch (const SpecError &e) {
    std::string where = "createProgram: ";
    if (step >= 0) {
      const bool named = static_cast<size_t>(step) < handle->step_names.size();
      where += "steps[" + std::to_string(step) + "]" + (named ? " '" + handle->step_names[step] + "'" : std::string()) + ": ";
    }
    throw Napi::Error::New(env, where + e.what());
  }
  Napi::External<ProgramHandle> external =
      Napi::External<ProgramHandle>::New(env, handle.release(), [](Napi::Env, ProgramHandle *h) { delete h; });
  external.TypeTag(&kProgramTag);
  return external;
}

Napi::Value RunProgram(const Napi::CallbackInfo &info, const RuntimeSettings &settings) {
  Napi::Env env = info.Env();
  ProgramHandle &h = *UnwrapHandle(info[0]);
  if (info.Length() < 2 || !info[1].IsArray()) throw Napi::TypeError::New(env, "run(program, inputs): inputs must be an array of typed arrays");
  Napi::Array inputs = info[1].As<Napi::Array>();
  lab_program *p = h.program;
  if (inputs.Length() != h.inputs.size()) {
    throw Napi::Error::New(env, "run: the program takes " + std::to_string(h.inputs.size()) + " inputs, got " + std::to_string(inputs.Length()));
  }
  if (h.running) throw Napi::Error::New(env, "run: this program is already running (a JavaScript step called run on its own program)");
  std::vector<void *> &bound = h.bound;
  for (int32_t b : h.outputs) bound[b] = nullptr; // a repeated output is then copied, not re-bound
  try {
    for (uint32_t i = 0; i < inputs.Length(); i++) {
      const lab_buffer &buf = p->buffers[h.inputs[i]];
      bound[h.inputs[i]] = CheckedTypedArray(inputs.Get(i), buf.dtype, buf.size, [&h, i] {
        return "run: input " + std::to_string(i) + " (buffer " + std::to_string(h.inputs[i]) + ")";
      });
    }
  } catch (const SpecError &e) {
    throw Napi::TypeError::New(env, e.what());
  }
  // Output-role buffers are written by the steps straight into their V8 typed arrays.
  Napi::Array results = Napi::Array::New(env, h.outputs.size());
  std::vector<char> &filled = h.filled;
  std::fill(filled.begin(), filled.end(), 0);
  for (size_t o = 0; o < h.outputs.size(); o++) {
    const int32_t b = h.outputs[o];
    if (p->buffers[b].role != LAB_ROLE_OUTPUT || bound[b]) continue;
    Napi::TypedArray a = NewTypedArray(env, p->buffers[b].dtype, static_cast<size_t>(p->buffers[b].size), &bound[b]);
    results.Set(static_cast<uint32_t>(o), a);
    filled[o] = 1;
  }
  p->rt.threads = settings.threads;
  p->rt.isa = settings.isa;
  // Optional third argument: a Float64Array with one entry per step that accumulates step times.
  double *step_seconds = nullptr;
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    try {
      step_seconds = static_cast<double *>(CheckedTypedArray(info[2], LAB_FLOAT64, p->n_steps, [] { return "run: stepSeconds"; }));
    } catch (const SpecError &e) {
      throw Napi::TypeError::New(env, e.what());
    }
  }
  const lab_fp_mode caller_mode = lab_fp_mode_get();
  RunContext ctx{env, &h, caller_mode, settings.flush_denormals ? lab_fp_mode_flushing(caller_mode) : caller_mode};
  char err[1024];
  int32_t failed = -1;
  h.running = true;
  int status;
  {
    FpModeScope native_mode(ctx.run_mode);
    status = lab_program_run(p, bound.data(), ForeignStep, &ctx, err, sizeof err, &failed, step_seconds);
  }
  h.running = false;
  if (status != 0) throw Napi::Error::New(env, StepLabel(h, failed) + ": " + err);
  for (size_t o = 0; o < h.outputs.size(); o++) {
    if (filled[o]) continue;
    const int32_t b = h.outputs[o];
    const lab_buffer &buf = p->buffers[b];
    const size_t bytes = static_cast<size_t>(buf.size) * lab_dtype_size(buf.dtype);
    void *data;
    Napi::TypedArray a = NewTypedArray(env, buf.dtype, static_cast<size_t>(buf.size), &data);
    if (bytes) std::memcpy(data, bound[b] ? bound[b] : lab_program_buffer(p, b), bytes);
    results.Set(static_cast<uint32_t>(o), a);
  }
  return results;
}

namespace {

int32_t ArenaBuffer(const Napi::CallbackInfo &info, const ProgramHandle &h, const char *fn) {
  const int32_t n = h.program->n_buffers;
  if (info.Length() < 2 || !info[1].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(fn) + "(program, buffer): buffer must be a buffer index");
  const int32_t b = info[1].As<Napi::Number>().Int32Value();
  if (b < 0 || b >= n || h.program->buffers[b].arena_offset < 0) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": buffer " + std::to_string(b) + " is not a shared, constant or temp buffer of this program");
  }
  return b;
}

}  // namespace

Napi::Value GetShared(const Napi::CallbackInfo &info) {
  ProgramHandle &h = *UnwrapHandle(info[0]);
  const int32_t b = ArenaBuffer(info, h, "getShared");
  const lab_buffer &buf = h.program->buffers[b];
  void *data;
  Napi::TypedArray a = NewTypedArray(info.Env(), buf.dtype, static_cast<size_t>(buf.size), &data);
  std::memcpy(data, lab_program_buffer(h.program, b), static_cast<size_t>(buf.size) * lab_dtype_size(buf.dtype));
  return a;
}

Napi::Value RowChains(const Napi::CallbackInfo &info) {
  ProgramHandle &h = *UnwrapHandle(info[0]);
  Napi::Int32Array out = Napi::Int32Array::New(info.Env(), static_cast<size_t>(h.program->n_steps));
  for (int32_t i = 0; i < h.program->n_steps; i++) out[i] = lab_row_chain_length(h.program, i);
  return out;
}

Napi::Value BlockLocalBuffers(const Napi::CallbackInfo &info) {
  ProgramHandle &h = *UnwrapHandle(info[0]);
  std::vector<int32_t> buffers(static_cast<size_t>(h.program->n_buffers));
  const int32_t n = lab_row_chain_locals(h.program, buffers.data(), h.program->n_buffers);
  Napi::Int32Array out = Napi::Int32Array::New(info.Env(), static_cast<size_t>(n));
  for (int32_t k = 0; k < n; k++) out[k] = buffers[static_cast<size_t>(k)];
  return out;
}

Napi::Value PairedSteps(const Napi::CallbackInfo &info) {
  ProgramHandle &h = *UnwrapHandle(info[0]);
  Napi::Int32Array out = Napi::Int32Array::New(info.Env(), static_cast<size_t>(h.program->n_steps));
  for (int32_t i = 0; i < h.program->n_steps; i++) out[i] = h.program->paired[i];
  return out;
}

Napi::Value Lookahead(const Napi::CallbackInfo &info) {
  ProgramHandle &h = *UnwrapHandle(info[0]);
  const size_t n = static_cast<size_t>(h.program->n_steps);
  Napi::Float64Array listed = Napi::Float64Array::New(info.Env(), n), taken = Napi::Float64Array::New(info.Env(), n);
  for (size_t i = 0; i < n; i++) {
    listed[i] = static_cast<double>(h.program->lookahead_listed[i]);
    taken[i] = static_cast<double>(h.program->lookahead_taken[i]);
  }
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("listed", listed);
  out.Set("taken", taken);
  return out;
}

Napi::Value SetShared(const Napi::CallbackInfo &info) {
  ProgramHandle &h = *UnwrapHandle(info[0]);
  const int32_t b = ArenaBuffer(info, h, "setShared");
  const lab_buffer &buf = h.program->buffers[b];
  if (buf.role != LAB_ROLE_SHARED) throw Napi::RangeError::New(info.Env(), "setShared: buffer " + std::to_string(b) + " is not a shared buffer");
  try {
    const void *data = CheckedTypedArray(info.Length() > 2 ? info[2] : info.Env().Undefined(), buf.dtype, buf.size, [] { return "setShared: the value"; });
    std::memcpy(lab_program_buffer(h.program, b), data, static_cast<size_t>(buf.size) * lab_dtype_size(buf.dtype));
  } catch (const SpecError &e) {
    throw Napi::TypeError::New(info.Env(), e.what());
  }
  return info.Env().Undefined();
}

}  // namespace lab
