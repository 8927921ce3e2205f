// The engine's public API, Theano-style:
//   import * as T from '…/engine/index.ts'
//   const x = T.matrix('x'); const W = T.shared(T.randn([784, 20], { seed: 1 }), 'W');
//   const cost = T.mean(T.sqr(T.sigmoid(T.dot(x, W)))); const gW = T.grad(cost, W);
//   const step = T.fn([x], cost, { updates: [[W, W.sub(gW.mul(0.1))]] }); T.debugprint(step);
import './core/variableMethods.ts';
// The native cpu backend registers itself where the addon loads, so `backend: 'auto'` (every
// fn's default) runs natively wherever it can; `js` stays available as the reference.
import './backends/cpu.ts';
// The cuda backend registers itself only where liblabcuda.so loads and a GPU answers; `auto`
// then prefers it (engine/backends/cuda/).
import './backends/cuda.ts';
import { bernoulliDraw, normalDraw, uniformDraw } from './ops/random.ts';

// Values and the IR.
export { NDArray, type Shape } from './core/ndarray.ts';
export { dtypes, type DType } from './core/dtype.ts';
export { TensorType, type StaticShape } from './core/type.ts';
export { Apply, Constant, SharedVariable, Variable } from './core/graph.ts';
export { Op, UndefinedGrad, type GradEntry, type NativeKernel, type Props } from './core/graph.ts';
export { rand, randn, Rng } from './random/rng.ts';

// Building graphs.
export {
  asVariable,
  constant,
  matrix,
  scalar,
  shared,
  tensor,
  tensor3,
  vector,
  type TensorLike,
} from './tensor.ts';
export {
  abs,
  add,
  and,
  cast,
  clip,
  div,
  eq,
  exp,
  expm1,
  ge,
  gt,
  identity,
  le,
  log,
  log1p,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  not,
  or,
  pow,
  relu,
  rsqrt,
  sigmoid,
  sign,
  softplus,
  sqr,
  sqrt,
  sub,
  tanh,
  where,
  xor,
} from './ops/math.ts';
export { argmax, logsumexp, max, mean, min, prod, sum, variance, variance as var } from './ops/reduce.ts';
export { dot, matmul, outer } from './ops/linalg.ts';
export { dimshuffle, expandDims, squeeze, transpose } from './ops/dimshuffle.ts';
export { flatten, reshape } from './ops/reshape.ts';
export { concatenate, split, stack } from './ops/join.ts';
export { broadcastTo, fill, onesLike, shapeOf as shape, zerosLike } from './ops/shapeOps.ts';
export { incSubtensor, setSubtensor, subtensor, type SliceSpec } from './ops/subtensor.ts';
export { advancedIncSubtensor, advancedSetSubtensor, take } from './ops/take.ts';
export {
  binaryCrossentropy,
  categoricalCrossentropy,
  logSoftmax,
  mse,
  oneHot,
  sigmoidBinaryCrossentropy,
  softmax,
  softmaxCrossEntropy,
} from './ops/nnet.ts';
export { stopGradient } from './ops/control.ts';
export { conv2d, type Conv2dOptions } from './ops/conv.ts';
export { avgPool2d, maxPool2d, type Pool2dOptions } from './ops/pool.ts';

/** Symbolic random tensors (seeded Philox draws): T.random.uniform([2, 3], { seed: 1 }). */
export const random = { uniform: uniformDraw, normal: normalDraw, bernoulli: bernoulliDraw };

// Differentiation.
export { grad, type GradOptions } from './grad/grad.ts';
export { verifyGrad, type VerifyGradOptions } from './grad/verifyGrad.ts';

// Which engine this is and where it can run: pick a backend by name, or let `auto` choose.
export { availableBackends, backendDevice, engineVersion } from './info.ts';
export { registeredBackends, type Backend, type BackendChoice } from './backends/backend.ts';
export {
  cpuBackendAvailable,
  cpuBackendUnavailableReason,
  cpuDenormals,
  setCpuDenormals,
} from './backends/cpu.ts';
export { cudaBackendAvailable, cudaStatus, type CudaStatus } from './backends/cuda.ts';

// Compiling and printing.
export { fn, type CompiledFunction, type FnOptions } from './compile/fn.ts';
export { debugprint } from './printing/debugprint.ts';
export { pprint } from './printing/pprint.ts';
export { toJSON } from './printing/toJSON.ts';

// Writing your own ops (README "Writing your own op"): declared types, expression ops, C ops.
export {
  COp,
  CompileError,
  CompilerUnavailableError,
  ElementwiseExpr,
  TypedOp,
  clearCompiledOps,
  elementwise,
  listCompiledOps,
  type CCode,
  type InputType,
  type OutputType,
} from './custom/index.ts';
// CUDA ops: a kernel and its launch configuration (they run their `perform` off the GPU).
export { CudaOp, type CudaCode, type CudaLaunch } from './backends/cuda/cudaOp.ts';

// Writing ops: errors that name the op, the shapes and the user's line.
export { buildError, describe as describeVariable, runError } from './ops/opError.ts';
