// The program format the native executor runs (native/PROGRAM.md is the prose version; the C
// parser is native/src/program_binding.cc and native/src/kernel_registry.cc). A compiler emits
// a ProgramSpec once per shape signature; the backend hands it to createProgram and then calls
// run() once per function call.

export type NativeDType = 'float32' | 'float64' | 'int32' | 'bool';

/** Each dtype's code in the executors' C interface (lab_dtype, native/include/lab_kernel.h). */
export const NATIVE_DTYPE_CODES: Readonly<Record<NativeDType, number>> = {
  float32: 0,
  float64: 1,
  int32: 2,
  bool: 3,
};

/** The typed array that holds each dtype (bool: one byte per element, 0 or 1). */
export type NativeArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * input: bound per run to the caller's typed array, read in place (read-only for steps).
 * output: bound per run to a fresh V8 typed array that the steps write; must be listed in outputs.
 * shared: arena slot that persists across runs (weights); getShared/setShared copy out/in.
 * temp: arena scratch between steps. constant: arena slot filled once from `init` (read-only).
 */
export type BufferRole = 'input' | 'output' | 'shared' | 'temp' | 'constant';

export interface BufferSpec {
  dtype: NativeDType;
  /** Elements. */
  size: number;
  role: BufferRole;
  /** Initial contents for shared/constant/temp buffers (exactly `size` elements of the dtype). */
  init?: NativeArray;
}

/** A strided window onto a buffer. Offsets and strides count elements; stride 0 broadcasts. */
export interface View {
  buffer: number;
  offset: number;
  shape: number[];
  strides: number[];
}

/** One node of a fused elementwise expression. */
export type ScalarExpr =
  { input: number } | { const: number } | { op: ScalarOpName; args: ScalarExpr[]; dtype?: NativeDType };

export type ScalarOpName =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'neg'
  | 'pow'
  | 'sqr'
  | 'sqrt'
  | 'rsqrt'
  | 'exp'
  | 'log'
  | 'log1p'
  | 'expm1'
  | 'abs'
  | 'sign'
  | 'tanh'
  | 'sigmoid'
  | 'softplus'
  | 'relu'
  | 'maximum'
  | 'minimum'
  | 'clip'
  | 'where'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'eq'
  | 'ne'
  | 'and'
  | 'or'
  | 'not'
  | 'xor'
  | 'identity'
  | 'cast';

/** Every step may name the op it implements; errors then say which op failed. */
interface NamedAttrs {
  opName?: string;
}

export interface ElementwiseAttrs extends NamedAttrs {
  /** One expression per output view. */
  outputs: ScalarExpr[];
}

export interface GemmAttrs extends NamedAttrs {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  /** Default 1 with a C input, else unused. */
  beta?: number;
}

export type ReduceOpName = 'sum' | 'mean' | 'prod' | 'max' | 'min' | 'argmax' | 'logsumexp' | 'var';

export interface ReduceAttrs extends NamedAttrs {
  op: ReduceOpName;
  /** Reduced axes (negative counts from the end); default: all. */
  axes?: number[];
}

export interface AxisAttrs extends NamedAttrs {
  /** Default -1 for the softmax family, 0 for take/concatenate/advanced subtensors. */
  axis?: number;
}

export interface FillAttrs extends NamedAttrs {
  value: number;
}

export interface SliceAttrs extends NamedAttrs {
  /** Per axis: first index and step of the slice the values go to; the values' view gives the lengths. */
  begin: number[];
  step?: number[];
}

export interface RandomAttrs extends NamedAttrs {
  dist: 'uniform' | 'normal' | 'bernoulli';
  seed: number;
  stream?: number;
  /** Element index of the first draw (default 0). */
  start?: number;
  /** Advance `start` by the output size after every run, so each call draws fresh numbers. */
  advance?: boolean;
  low?: number;
  high?: number;
  mean?: number;
  std?: number;
  p?: number;
}

export interface ConvAttrs extends NamedAttrs {
  /** [height, width] each; defaults 1, 0, 1. */
  stride?: number[];
  padding?: number[];
  dilation?: number[];
  groups?: number;
  /** 'auto' (default): 'avx512' where it applies, else im2col + GEMM, direct for depthwise;
   * 'direct' runs the CUDA kernels' arithmetic; 'avx512' the float32 kernel that convolves the
   * padded image (forward, and the input gradient of stride-1 convolutions; AVX-512 CPUs). */
  algorithm?: 'auto' | 'gemm' | 'direct' | 'avx512';
}

export interface PoolAttrs extends NamedAttrs {
  mode: 'max' | 'avg' | 'max_grad' | 'max_gradgrad' | 'avg_grad';
  kernel: number[];
  /** Default: the kernel. */
  stride?: number[];
  padding?: number[];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  /** 'auto' (default): typed loops; 'direct': the CUDA kernel's element functions, one element at a time. */
  algorithm?: 'auto' | 'direct';
}

/** A user's C op (engine/custom/c): a compiled library, its kernel function and its params. */
export interface UserKernelAttrs extends NamedAttrs {
  library: string;
  symbol: string;
  /** Passed to the kernel as its `attrs`: a const double array. */
  params?: number[];
}

export interface JsAttrs extends NamedAttrs {
  /** Index into ProgramSpec.callbacks. */
  callback: number;
}

/** Step kinds with their attrs; `inputs`/`outputs` are views (see native/PROGRAM.md per kernel). */
export type StepSpec =
  | { kernel: 'elementwise'; inputs: View[]; outputs: View[]; attrs: ElementwiseAttrs }
  | { kernel: 'gemm'; inputs: View[]; outputs: View[]; attrs: GemmAttrs }
  | { kernel: 'reduce'; inputs: View[]; outputs: View[]; attrs: ReduceAttrs }
  | {
      kernel: 'softmax' | 'log_softmax' | 'softmax_grad' | 'log_softmax_grad';
      inputs: View[];
      outputs: View[];
      attrs: AxisAttrs;
    }
  | {
      kernel:
        | 'softmax_cross_entropy'
        | 'softmax_cross_entropy_grad'
        | 'categorical_crossentropy'
        | 'binary_crossentropy'
        | 'copy';
      inputs: View[];
      outputs: View[];
      attrs: NamedAttrs;
    }
  | { kernel: 'fill'; inputs: View[]; outputs: View[]; attrs: FillAttrs }
  | {
      kernel: 'concatenate' | 'take' | 'advanced_inc_subtensor' | 'advanced_set_subtensor';
      inputs: View[];
      outputs: View[];
      attrs: AxisAttrs;
    }
  | { kernel: 'inc_subtensor' | 'set_subtensor'; inputs: View[]; outputs: View[]; attrs: SliceAttrs }
  | { kernel: 'random'; inputs: View[]; outputs: View[]; attrs: RandomAttrs }
  | {
      kernel: 'conv2d' | 'conv2d_grad_input' | 'conv2d_grad_weight';
      inputs: View[];
      outputs: View[];
      attrs: ConvAttrs;
    }
  | { kernel: 'pool2d'; inputs: View[]; outputs: View[]; attrs: PoolAttrs }
  | { kernel: 'user_kernel'; inputs: View[]; outputs: View[]; attrs: UserKernelAttrs }
  | { kernel: 'js'; inputs: View[]; outputs: View[]; attrs: JsAttrs };

export type KernelName = StepSpec['kernel'];

/**
 * A JavaScript step: receives contiguous copies of its input views (row-major typed arrays) and
 * the output shapes; returns one typed array per output, of the output buffer's dtype and exactly
 * the output view's element count, in row-major order.
 */
export type JsStepCallback = (inputs: NativeArray[], outputShapes: number[][]) => NativeArray[];

export interface ProgramSpec {
  buffers: BufferSpec[];
  steps: StepSpec[];
  /** Buffer indices of the run() arguments, in order (role 'input'). */
  inputs: number[];
  /** Buffer indices whose contents run() returns, in order (any role but input). */
  outputs: number[];
  callbacks?: JsStepCallback[];
}

/** Opaque: made by createProgram, freed by the garbage collector. */
export interface ProgramHandle {
  readonly __labProgram: unique symbol;
}

export type Isa = 'avx512' | 'avx2' | 'portable';
