// Attribute parsers of the built-in kernels. The attrs of each kernel are documented in
// native/PROGRAM.md and typed in native/program.ts; keep the three in step.
#include "kernel_registry.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "../kernels/conv.h"
#include "../kernels/elementwise.h"
#include "../kernels/gemm/gemm.h"
#include "../kernels/pool.h"
#include "../kernels/random.h"
#include "../kernels/reduce.h"
#include "../kernels/shape.h"
#include "../kernels/softmax.h"
#include "napi_util.h"
#include "user_kernels.h"

namespace lab {
namespace {

// Zeroed attrs owned until the parser hands them over (a throwing field check frees them).
template <typename T>
using Owned = std::unique_ptr<T, decltype(&std::free)>;

template <typename T>
Owned<T> Allocate() {
  Owned<T> p(static_cast<T *>(std::calloc(1, sizeof(T))), std::free);
  if (!p) throw SpecError("out of memory for kernel attrs");
  return p;
}

int32_t ResolveAxis(int64_t axis, int32_t ndim, const char *what) {
  const int64_t resolved = axis < 0 ? axis + ndim : axis;
  if (resolved < 0 || resolved >= ndim) {
    throw SpecError(std::string(what) + " " + std::to_string(axis) + " is out of range for a " + std::to_string(ndim) + "-d view");
  }
  return static_cast<int32_t>(resolved);
}

ParsedAttrs ParseGemm(const Napi::Object &a, const StepInfo &step) {
  auto g = Allocate<lab_gemm_attrs>();
  g->trans_a = BoolField(a, "transA", false);
  g->trans_b = BoolField(a, "transB", false);
  g->alpha = NumberField(a, "alpha", 1.0);
  g->beta = NumberField(a, "beta", step.input_dtypes.size() == 3 ? 1.0 : 0.0);
  g->rt = step.rt;
  return {g.release(), std::free};
}

// An elementwise step's expression trees as native/wireSpec.ts packs them (it checked their
// structure and named any bad node by its path): [trees, then per tree its node count and its
// nodes in post-order, four numbers each: kind (0 input, 1 const, 2 op), the input index or op
// code, the constant, the cast dtype or -1]. Only what memory safety needs is checked again;
// arity and input indices are lab_ew_compile's to report.
ParsedAttrs ParseElementwise(const Napi::Object &, const StepInfo &step) {
  size_t at = 0;
  const auto next = [&step, &at]() {
    if (at >= step.n_exprs) throw SpecError("the packed expressions end early");
    return step.exprs[at++];
  };
  const auto code = [&next](int64_t lo, int64_t hi) {
    const int64_t c = IntegerOf(next(), [] { return "a packed expression code"; });
    if (c < lo || c >= hi) throw SpecError("a packed expression code is out of range");
    return static_cast<int>(c);
  };
  const int n_outputs = code(0, 1 << 16);
  std::vector<lab_ew_node> nodes;
  std::vector<int> sizes;
  for (int o = 0; o < n_outputs; o++) {
    const int count = code(1, 1 << 24);
    for (int k = 0; k < count; k++) {
      lab_ew_node node{};
      node.kind = static_cast<lab_ew_node_kind>(code(LAB_EW_INPUT, LAB_EW_APPLY + 1));
      const double operand = next();
      node.value = next();
      node.cast_dtype = code(-1, LAB_BOOL + 1);
      if (node.kind == LAB_EW_INPUT) {
        const int64_t input = IntegerOf(operand, [] { return "input"; });
        node.input = input >= 0 && input <= INT32_MAX ? static_cast<int>(input) : -1;  // lab_ew_compile rejects -1
      }
      if (node.kind == LAB_EW_APPLY) {
        const int64_t op = IntegerOf(operand, [] { return "op"; });
        if (op < 0 || op >= LAB_EW_OP_COUNT) throw SpecError("a packed expression op is out of range");
        node.op = static_cast<int>(op);
      }
      nodes.push_back(node);
    }
    sizes.push_back(count);
  }
  if (sizes.size() != step.output_dtypes.size()) {
    throw SpecError("attrs.outputs has " + std::to_string(sizes.size()) + " expressions but the step has " +
                    std::to_string(step.output_dtypes.size()) + " outputs");
  }
  char err[512];
  lab_ew_attrs *p = lab_ew_compile(nodes.data(), sizes.data(), static_cast<int>(sizes.size()), step.input_dtypes.data(),
                                   static_cast<int>(step.input_dtypes.size()), step.output_dtypes.data(), step.rt, err, sizeof err);
  if (!p) throw SpecError(err);
  return {p, lab_ew_free};
}

ParsedAttrs ParseReduce(const Napi::Object &a, const StepInfo &step) {
  const std::string op = StringField(a, "op");
  const int code = lab_reduce_op_from_name(op.c_str());
  if (code < 0) throw SpecError("unknown reduce op '" + op + "' (sum, mean, prod, max, min, argmax, logsumexp, var)");
  if (step.input_ndims.size() != 1) throw SpecError("reduce takes exactly one input");
  const int32_t ndim = step.input_ndims[0];
  uint32_t mask = 0;
  if (Has(a, "axes")) {
    for (int64_t axis : IntegerArray(a, "axes")) mask |= 1u << ResolveAxis(axis, ndim, "axes entry");
  } else {
    mask = ndim >= 32 ? ~0u : (1u << ndim) - 1; // no axes: reduce everything
  }
  auto r = Allocate<lab_reduce_attrs>();
  r->op = static_cast<lab_reduce_op>(code);
  r->axes_mask = mask;
  r->rt = step.rt;
  return {r.release(), std::free};
}

template <lab_softmax_kind Kind>
ParsedAttrs ParseSoftmax(const Napi::Object &a, const StepInfo &step) {
  auto s = Allocate<lab_softmax_attrs>();
  s->kind = Kind;
  s->axis = static_cast<int>(IntegerField(a, "axis", -1));
  s->rt = step.rt;
  return {s.release(), std::free};
}

template <lab_loss_kind Kind>
ParsedAttrs ParseLoss(const Napi::Object &, const StepInfo &step) {
  auto l = Allocate<lab_loss_attrs>();
  l->kind = Kind;
  l->rt = step.rt;
  return {l.release(), std::free};
}

template <lab_shape_kind Kind>
ParsedAttrs ParseShape(const Napi::Object &a, const StepInfo &) {
  auto s = Allocate<lab_shape_attrs>();
  s->kind = Kind;
  s->axis = static_cast<int>(IntegerField(a, "axis", 0));
  s->value = Kind == LAB_FILL ? RequiredNumber(a, "value") : 0.0;
  if (Kind == LAB_INC_SUBTENSOR || Kind == LAB_SET_SUBTENSOR) {
    const std::vector<int64_t> begin = IntegerArray(a, "begin");
    const std::vector<int64_t> step = Has(a, "step") ? IntegerArray(a, "step") : std::vector<int64_t>(begin.size(), 1);
    if (begin.size() > LAB_MAX_NDIM || step.size() != begin.size()) {
      throw SpecError("begin and step must have one entry per axis (at most 8)");
    }
    s->slice_ndim = static_cast<int>(begin.size());
    for (size_t d = 0; d < begin.size(); d++) s->begin[d] = begin[d], s->step[d] = step[d];
  }
  return {s.release(), std::free};
}

ParsedAttrs ParseRandom(const Napi::Object &a, const StepInfo &) {
  const std::string dist = StringField(a, "dist");
  auto r = Allocate<lab_random_attrs>();
  if (dist == "uniform") r->dist = LAB_RANDOM_UNIFORM;
  else if (dist == "normal") r->dist = LAB_RANDOM_NORMAL;
  else if (dist == "bernoulli") r->dist = LAB_RANDOM_BERNOULLI;
  else {
    throw SpecError("dist must be 'uniform', 'normal' or 'bernoulli', got '" + dist + "'");
  }
  const int64_t seed = IntegerField(a, "seed", -1), stream = IntegerField(a, "stream", 0), start = IntegerField(a, "start", 0);
  if (seed < 0 || stream < 0 || stream > 0xFFFFFFFFll || start < 0) {
    throw SpecError("seed (required) and start must be integers in [0, 2^53), stream in [0, 2^32)");
  }
  r->seed = static_cast<uint64_t>(seed);
  r->stream = static_cast<uint32_t>(stream);
  r->start = static_cast<uint64_t>(start);
  r->advance = BoolField(a, "advance", false);
  r->low = NumberField(a, "low", 0.0);
  r->high = NumberField(a, "high", 1.0);
  r->mean = NumberField(a, "mean", 0.0);
  r->std = NumberField(a, "std", 1.0);
  r->p = NumberField(a, "p", 0.5);
  return {r.release(), std::free};
}

// A pair of integers (stride, padding, dilation, kernel): `[a, b]`, at least `min` each.
void ParsePair(const Napi::Object &a, const char *key, int64_t fallback, int64_t min, int64_t out[2]) {
  if (!Has(a, key)) {
    out[0] = out[1] = fallback;
    return;
  }
  const std::vector<int64_t> v = IntegerArray(a, key);
  if (v.size() != 2 || v[0] < min || v[1] < min) {
    throw SpecError(std::string(key) + " must be a pair of integers, each at least " + std::to_string(min));
  }
  out[0] = v[0];
  out[1] = v[1];
}

template <lab_conv_mode Mode>
ParsedAttrs ParseConv(const Napi::Object &a, const StepInfo &step) {
  auto c = Allocate<lab_conv_attrs>();
  c->mode = Mode;
  ParsePair(a, "stride", 1, 1, c->stride);
  ParsePair(a, "padding", 0, 0, c->padding);
  ParsePair(a, "dilation", 1, 1, c->dilation);
  c->groups = IntegerField(a, "groups", 1);
  if (c->groups < 1) throw SpecError("groups must be a positive integer");
  const std::string algorithm = Has(a, "algorithm") ? StringField(a, "algorithm") : "auto";
  if (algorithm == "auto") c->algorithm = LAB_CONV_AUTO;
  else if (algorithm == "gemm") c->algorithm = LAB_CONV_GEMM;
  else if (algorithm == "direct") c->algorithm = LAB_CONV_DIRECT;
  else if (algorithm == "avx512") c->algorithm = LAB_CONV_AVX512;
  else throw SpecError("algorithm must be 'auto', 'gemm', 'direct' or 'avx512', got '" + algorithm + "'");
  c->rt = step.rt;
  return {c.release(), std::free};
}

ParsedAttrs ParsePool(const Napi::Object &a, const StepInfo &step) {
  const std::string mode = StringField(a, "mode");
  auto p = Allocate<lab_pool_attrs>();
  if (mode == "max") p->mode = LAB_POOL_MAX;
  else if (mode == "avg") p->mode = LAB_POOL_AVG;
  else if (mode == "max_grad") p->mode = LAB_POOL_MAX_GRAD;
  else if (mode == "max_gradgrad") p->mode = LAB_POOL_MAX_GRADGRAD;
  else if (mode == "avg_grad") p->mode = LAB_POOL_AVG_GRAD;
  else throw SpecError("mode must be 'max', 'avg', 'max_grad', 'max_gradgrad' or 'avg_grad', got '" + mode + "'");
  if (!Has(a, "kernel")) throw SpecError("kernel (a pair of window sizes) is required");
  ParsePair(a, "kernel", 1, 1, p->kernel);
  ParsePair(a, "stride", 0, 1, p->stride);
  if (!Has(a, "stride")) p->stride[0] = p->kernel[0], p->stride[1] = p->kernel[1];
  ParsePair(a, "padding", 0, 0, p->padding);
  if (2 * p->padding[0] > p->kernel[0] || 2 * p->padding[1] > p->kernel[1]) {
    throw SpecError("padding must be at most half the kernel");
  }
  p->ceil_mode = BoolField(a, "ceilMode", false);
  p->count_include_pad = BoolField(a, "countIncludePad", true);
  const std::string algorithm = Has(a, "algorithm") ? StringField(a, "algorithm") : "auto";
  if (algorithm != "auto" && algorithm != "direct") throw SpecError("algorithm must be 'auto' or 'direct', got '" + algorithm + "'");
  p->direct = algorithm == "direct";
  p->rt = step.rt;
  return {p.release(), std::free};
}

const KernelEntry kKernels[] = {
    {"elementwise", lab_elementwise_kernel, ParseElementwise},
    {"gemm", lab_gemm_kernel, ParseGemm},
    {"reduce", lab_reduce_kernel, ParseReduce},
    {"softmax", lab_softmax_kernel, ParseSoftmax<LAB_SOFTMAX>},
    {"log_softmax", lab_softmax_kernel, ParseSoftmax<LAB_LOG_SOFTMAX>},
    {"softmax_grad", lab_softmax_kernel, ParseSoftmax<LAB_SOFTMAX_GRAD>},
    {"log_softmax_grad", lab_softmax_kernel, ParseSoftmax<LAB_LOG_SOFTMAX_GRAD>},
    {"softmax_cross_entropy", lab_loss_kernel, ParseLoss<LAB_SOFTMAX_CROSS_ENTROPY>},
    {"softmax_cross_entropy_grad", lab_loss_kernel, ParseLoss<LAB_SOFTMAX_CROSS_ENTROPY_GRAD>},
    {"categorical_crossentropy", lab_loss_kernel, ParseLoss<LAB_CATEGORICAL_CROSSENTROPY>},
    {"binary_crossentropy", lab_loss_kernel, ParseLoss<LAB_BINARY_CROSSENTROPY>},
    {"copy", lab_shape_kernel, ParseShape<LAB_COPY>},
    {"fill", lab_shape_kernel, ParseShape<LAB_FILL>},
    {"concatenate", lab_shape_kernel, ParseShape<LAB_CONCATENATE>},
    {"take", lab_shape_kernel, ParseShape<LAB_TAKE>},
    {"inc_subtensor", lab_shape_kernel, ParseShape<LAB_INC_SUBTENSOR>},
    {"set_subtensor", lab_shape_kernel, ParseShape<LAB_SET_SUBTENSOR>},
    {"advanced_inc_subtensor", lab_shape_kernel, ParseShape<LAB_ADVANCED_INC_SUBTENSOR>},
    {"advanced_set_subtensor", lab_shape_kernel, ParseShape<LAB_ADVANCED_SET_SUBTENSOR>},
    {"random", lab_random_kernel, ParseRandom},
    {"conv2d", lab_conv_kernel, ParseConv<LAB_CONV_FORWARD>},
    {"conv2d_grad_input", lab_conv_kernel, ParseConv<LAB_CONV_GRAD_INPUT>},
    {"conv2d_grad_weight", lab_conv_kernel, ParseConv<LAB_CONV_GRAD_WEIGHT>},
    {"pool2d", lab_pool_kernel, ParsePool},
    {"user_kernel", lab_user_kernel, ParseUserKernel},
};

}  // namespace

const KernelEntry *FindKernel(const std::string &name) {
  for (const KernelEntry &k : kKernels) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

std::string KernelNames() {
  std::string names;
  for (const KernelEntry &k : kKernels) names += (names.empty() ? "" : ", ") + std::string(k.name);
  return names + ", js";
}

}  // namespace lab
