// The native executor's ProgramSpec (native/program.ts, built by the cpu backend's bridges) →
// the CUDA executor's tape: one flat Float64Array that liblabcuda.so reads once
// (native/cuda/plan.cu; format in native/cuda/README.md). The CUDA executor has fewer kernel
// families than the CPU one, so some kernels are rewritten here into others:
//   copy, fill, binary_crossentropy  → elementwise programs;
//   concatenate                      → one elementwise copy per input into its slab of the output;
//   inc/set_subtensor                → copy x into z (unless in place), then an elementwise add or
//                                      copy on the slice view of z;
//   advanced_inc/set_subtensor       → copy x into z (unless in place), then a scatter;
//   softmax family and the losses    → the row kernel with a mode;
//   cuda_kernel (a CudaOp's kernel)   → a user step (inputs packed, the kernel launched, outputs
//                                      unpacked);
//   js                               → a host step (its inputs come back to the host and its
//                                      outputs go back to the device: HostFromGpu/GpuFromHost).
import { contiguousStrides } from '../../core/ndarray.ts';
import {
  NATIVE_DTYPE_CODES,
  type BufferRole,
  type ProgramSpec,
  type ScalarExpr,
  type StepSpec,
  type View,
} from '../../../native/program.ts';
import type { UserKernelAttrs } from './cudaOp.ts';

const TAPE_MAGIC = 1279541057; // plan.cu's kTapeMagic
const TAPE_VERSION = 1;

/** Opcodes of the elementwise programs: keep in sync with native/cuda/ew_scalar.inc. */
export const EW_OPCODES = [
  'input', 'const', 'store',
  'add', 'sub', 'mul', 'div', 'neg', 'pow', 'sqr', 'sqrt', 'rsqrt', 'exp', 'log', 'log1p', 'expm1',
  'abs', 'sign', 'tanh', 'sigmoid', 'softplus', 'relu', 'maximum', 'minimum', 'clip', 'where',
  'lt', 'le', 'gt', 'ge', 'eq', 'ne', 'and', 'or', 'not', 'xor', 'identity', 'cast',
] as const; // prettier-ignore

/** The stack depth the CUDA interpreter allows (kEwMaxStack in native/cuda/kernels.cuh). */
const MAX_STACK = 24;
/** Operands (inputs and outputs) of one elementwise step, as on the CPU. */
const MAX_OPERANDS = 32;

const KIND = {
  elementwise: 0,
  gemm: 1,
  reduce: 2,
  rows: 3,
  take: 4,
  scatter: 5,
  random: 6,
  host: 7,
  user: 8,
  conv: 9,
  pool: 10,
} as const;
const ROLE: Record<BufferRole, number> = { input: 0, output: 1, shared: 2, temp: 3, constant: 4 };
const REDUCE = ['sum', 'mean', 'prod', 'max', 'min', 'argmax', 'logsumexp', 'var'];
const ROW_MODE: Record<string, number> = {
  softmax: 0,
  log_softmax: 1,
  softmax_grad: 2,
  log_softmax_grad: 3,
  softmax_cross_entropy: 4,
  softmax_cross_entropy_grad: 5,
  categorical_crossentropy: 6,
};

/** Native kernels the CUDA executor runs on the device; any other step runs on the host. */
export const CUDA_KERNELS: ReadonlySet<string> = new Set([
  'elementwise', 'gemm', 'reduce', 'copy', 'fill', 'concatenate', 'take', 'inc_subtensor', 'set_subtensor',
  'advanced_inc_subtensor', 'advanced_set_subtensor', 'random', 'binary_crossentropy', ...Object.keys(ROW_MODE),
  'conv2d', 'conv2d_grad_input', 'conv2d_grad_weight', 'pool2d',
]); // prettier-ignore
const CONV_MODE: Record<string, number> = { conv2d: 0, conv2d_grad_input: 1, conv2d_grad_weight: 2 };
const POOL_MODE: Record<string, number> = { max: 0, avg: 1, max_grad: 2, max_gradgrad: 3, avg_grad: 4 };

type Instr = [op: number, arg: number, value: number];

function opcode(name: string): number {
  const i = (EW_OPCODES as readonly string[]).indexOf(name);
  if (i < 0) throw new Error(`cuda backend: scalar op '${name}' has no CUDA opcode`);
  return i;
}

function emit(expr: ScalarExpr, code: Instr[]): void {
  if ('input' in expr) code.push([0, expr.input, 0]);
  else if ('const' in expr) code.push([1, 0, expr.const]);
  else {
    for (const a of expr.args) emit(a, code);
    // A cast without a dtype is the identity: the store converts.
    if (expr.op === 'cast')
      code.push(
        expr.dtype ? [opcode('cast'), NATIVE_DTYPE_CODES[expr.dtype], 0] : [opcode('identity'), 0, 0],
      );
    else code.push([opcode(expr.op), 0, 0]);
  }
}

/** Postfix code for the outputs' expressions: every expression first, then the stores, so each
 * element is read before any output (possibly the same memory, in place) is written. */
export function elementwiseCode(outputs: readonly ScalarExpr[]): Instr[] {
  const code: Instr[] = [];
  for (const e of outputs) emit(e, code);
  for (let k = outputs.length - 1; k >= 0; k--) code.push([2, k, 0]);
  return code;
}

function stackDepth(code: readonly Instr[]): number {
  const arity = (op: number): number =>
    op <= 1 ? 0 : ['clip', 'where'].includes(EW_OPCODES[op]) ? 3 : BINARY.has(EW_OPCODES[op]) ? 2 : 1;
  let depth = 0;
  let max = 0;
  for (const [op] of code) {
    depth += (op === 2 ? -1 : 1) - (op === 2 ? 0 : arity(op));
    max = Math.max(max, depth);
  }
  return max;
}

const BINARY = new Set([
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'lt', 'le', 'gt', 'ge', 'eq', 'ne', 'and', 'or', 'xor',
]); // prettier-ignore

/** A CUDA op's step (engine/backends/cuda/cudaOp.ts), in the executor's step form. */
export interface UserKernelStep {
  kernel: 'cuda_kernel';
  inputs: View[];
  outputs: View[];
  attrs: UserKernelAttrs & { opName?: string };
}

/** The steps the tape takes: the native executor's, plus CUDA ops' kernels. */
export type CudaStepSpec = StepSpec | UserKernelStep;

/** A program spec whose steps may include CUDA ops' kernels. */
export type CudaProgramSpec = Omit<ProgramSpec, 'steps'> & { steps: CudaStepSpec[] };

/** Can the CUDA executor run this native step on the device? */
export function runsOnDevice(step: StepSpec): boolean {
  if (!CUDA_KERNELS.has(step.kernel)) return false;
  if (step.kernel === 'elementwise') {
    const operands = step.inputs.length + step.outputs.length;
    return operands <= MAX_OPERANDS && stackDepth(elementwiseCode(step.attrs.outputs)) <= MAX_STACK;
  }
  return true;
}

function sameView(a: View, b: View): boolean {
  return (
    a.buffer === b.buffer &&
    a.offset === b.offset &&
    a.shape.length === b.shape.length &&
    a.shape.every((d, i) => d === b.shape[i] && a.strides[i] === b.strides[i])
  );
}

/** One step of the tape before encoding. */
interface TapeStep {
  kind: number;
  kernel: string;
  op: string;
  inputs: View[];
  outputs: View[];
  attrs: number[];
}

function ew(kernel: string, op: string, inputs: View[], outputs: View[], code: Instr[]): TapeStep {
  return { kind: KIND.elementwise, kernel, op, inputs, outputs, attrs: [code.length, ...code.flat()] };
}

function copyStep(kernel: string, op: string, from: View, to: View): TapeStep {
  return ew(kernel, op, [from], [to], elementwiseCode([{ input: 0 }]));
}

function isContiguous(v: View): boolean {
  const want = contiguousStrides(v.shape);
  return v.shape.every((d, i) => d <= 1 || v.strides[i] === want[i]);
}

/** Same-size views of different shapes: one of them must be contiguous to reshape. */
function reshapePair(x: View, y: View, op: string): [View, View] {
  if (x.shape.length === y.shape.length && x.shape.every((d, i) => d === y.shape[i])) return [x, y];
  if (isContiguous(y)) return [x, { ...y, shape: [...x.shape], strides: contiguousStrides(x.shape) }];
  if (isContiguous(x)) return [{ ...x, shape: [...y.shape], strides: contiguousStrides(y.shape) }, y];
  throw new Error(`cuda backend: ${op}: a copy between two non-contiguous views of different shapes`);
}

function sliceView(
  z: View,
  begin: readonly number[],
  step: readonly number[],
  shape: readonly number[],
): View {
  return {
    buffer: z.buffer,
    offset: z.offset + begin.reduce((s, b, a) => s + b * z.strides[a], 0),
    shape: [...shape],
    strides: z.strides.map((s, a) => s * (step[a] ?? 1)),
  };
}

function textCodes(text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  return [bytes.length, ...bytes];
}

function tapeSteps(step: CudaStepSpec): TapeStep[] {
  const op = step.attrs.opName ?? step.kernel;
  const k = step.kernel;
  const { inputs, outputs } = step;
  const base = { kernel: k, op, inputs, outputs };
  switch (step.kernel) {
    case 'elementwise':
      return [ew(k, op, inputs, outputs, elementwiseCode(step.attrs.outputs))];
    case 'copy': {
      const [x, y] = reshapePair(inputs[0], outputs[0], op);
      return [copyStep(k, op, x, y)];
    }
    case 'fill':
      return [ew(k, op, [], outputs, elementwiseCode([{ const: step.attrs.value }]))];
    case 'binary_crossentropy': {
      // −(t·log p + (1−t)·log1p(−p))
      const p: ScalarExpr = { input: 0 };
      const t: ScalarExpr = { input: 1 };
      const expr: ScalarExpr = {
        op: 'neg',
        args: [
          {
            op: 'add',
            args: [
              { op: 'mul', args: [t, { op: 'log', args: [p] }] },
              {
                op: 'mul',
                args: [
                  { op: 'sub', args: [{ const: 1 }, t] },
                  { op: 'log1p', args: [{ op: 'neg', args: [p] }] },
                ],
              },
            ],
          },
        ],
      };
      return [ew(k, op, inputs, outputs, elementwiseCode([expr]))];
    }
    case 'gemm': {
      const { transA = false, transB = false, alpha = 1 } = step.attrs;
      const beta = step.attrs.beta ?? (inputs.length === 3 ? 1 : 0);
      return [{ ...base, kind: KIND.gemm, attrs: [transA ? 1 : 0, transB ? 1 : 0, alpha, beta] }];
    }
    case 'reduce': {
      const axes = step.attrs.axes ?? inputs[0].shape.map((_, i) => i);
      return [{ ...base, kind: KIND.reduce, attrs: [REDUCE.indexOf(step.attrs.op), axes.length, ...axes] }];
    }
    case 'softmax':
    case 'log_softmax':
    case 'softmax_grad':
    case 'log_softmax_grad':
      return [{ ...base, kind: KIND.rows, attrs: [ROW_MODE[k], step.attrs.axis ?? -1] }];
    case 'softmax_cross_entropy':
    case 'softmax_cross_entropy_grad':
    case 'categorical_crossentropy':
      return [{ ...base, kind: KIND.rows, attrs: [ROW_MODE[k], 1] }];
    case 'concatenate': {
      const [y] = outputs;
      const axis =
        (step.attrs.axis ?? 0) < 0 ? (step.attrs.axis ?? 0) + y.shape.length : (step.attrs.axis ?? 0);
      let at = 0;
      return inputs.map((x) => {
        const slab = { ...y, offset: y.offset + at * y.strides[axis], shape: [...x.shape] };
        at += x.shape[axis];
        return copyStep(k, op, x, slab);
      });
    }
    case 'take':
      return [{ ...base, kind: KIND.take, attrs: [step.attrs.axis ?? 0] }];
    case 'inc_subtensor':
    case 'set_subtensor': {
      const [x, v] = inputs;
      const [z] = outputs;
      const slice = sliceView(z, step.attrs.begin, step.attrs.step ?? [], v.shape);
      const write =
        k === 'inc_subtensor'
          ? ew(
              k,
              op,
              [slice, v],
              [slice],
              elementwiseCode([{ op: 'add', args: [{ input: 0 }, { input: 1 }] }]),
            )
          : copyStep(k, op, v, slice);
      return sameView(x, z) ? [write] : [copyStep(k, op, x, z), write];
    }
    case 'advanced_inc_subtensor':
    case 'advanced_set_subtensor': {
      const [x, v, idx] = inputs;
      const [z] = outputs;
      const scatter: TapeStep = {
        ...base,
        kind: KIND.scatter,
        inputs: [z, v, idx],
        attrs: [step.attrs.axis ?? 0, k === 'advanced_set_subtensor' ? 1 : 0],
      };
      return sameView(x, z) ? [scatter] : [copyStep(k, op, x, z), scatter];
    }
    case 'random': {
      const a = step.attrs;
      const [lo, hi] =
        a.dist === 'uniform'
          ? [a.low ?? 0, a.high ?? 1]
          : a.dist === 'normal'
            ? [a.mean ?? 0, a.std ?? 1]
            : [a.p ?? 0.5, 0];
      const dist = ['uniform', 'normal', 'bernoulli'].indexOf(a.dist);
      return [
        {
          ...base,
          kind: KIND.random,
          attrs: [dist, a.seed, a.stream ?? 0, a.start ?? 0, a.advance ? 1 : 0, lo, hi],
        },
      ];
    }
    case 'conv2d':
    case 'conv2d_grad_input':
    case 'conv2d_grad_weight': {
      const { stride = [1, 1], padding = [0, 0], dilation = [1, 1], groups = 1 } = step.attrs;
      return [
        { ...base, kind: KIND.conv, attrs: [CONV_MODE[k], ...stride, ...padding, ...dilation, groups] },
      ];
    }
    case 'pool2d': {
      const a = step.attrs;
      const { stride = a.kernel, padding = [0, 0], ceilMode = false, countIncludePad = true } = a;
      const flags = [ceilMode ? 1 : 0, countIncludePad ? 1 : 0];
      return [
        {
          ...base,
          kind: KIND.pool,
          attrs: [POOL_MODE[a.mode], ...a.kernel, ...stride, ...padding, ...flags],
        },
      ];
    }
    case 'js':
      return [{ ...base, kind: KIND.host, attrs: [step.attrs.callback] }];
    case 'cuda_kernel': {
      const a = step.attrs;
      const launch = [...a.grid, ...a.block, a.sharedBytes, a.via, a.scalars.length, ...a.scalars];
      return [
        { ...base, kind: KIND.user, attrs: [...launch, ...textCodes(a.text), ...textCodes(a.kernelName)] },
      ];
    }
    default:
      throw new Error(
        `cuda backend: kernel '${(step as StepSpec).kernel}' (${op}) has no CUDA form; it should have run on the host`,
      );
  }
}

function pushText(out: number[], text: string): void {
  // plan.cu reads at most 4096 bytes of a name.
  const bytes = new TextEncoder().encode(text).subarray(0, 4096);
  out.push(bytes.length, ...bytes);
}

/** The tape for `spec` (whose steps must all satisfy runsOnDevice or be 'js'). */
export function encodeTape(spec: CudaProgramSpec): Float64Array {
  const steps = spec.steps.flatMap(tapeSteps);
  const out: number[] = [TAPE_MAGIC, TAPE_VERSION, spec.buffers.length, steps.length];
  out.push(spec.inputs.length, spec.outputs.length);
  for (const b of spec.buffers) out.push(NATIVE_DTYPE_CODES[b.dtype], b.size, ROLE[b.role]);
  out.push(...spec.inputs, ...spec.outputs);
  for (const s of steps) {
    out.push(s.kind, s.inputs.length, s.outputs.length);
    pushText(out, s.kernel);
    pushText(out, s.op);
    for (const v of [...s.inputs, ...s.outputs])
      out.push(v.buffer, v.offset, v.shape.length, ...v.shape, ...v.strides);
    out.push(s.attrs.length, ...s.attrs);
  }
  return Float64Array.from(out);
}
