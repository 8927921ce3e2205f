// Test helpers for the native kernels: single-step programs over (possibly strided) views,
// n-d index walking for the float64 reference implementations, and seeded test data.
import { loadNativeAddon, type NativeAddon } from '../../native/addon.ts';
import type {
  BufferSpec,
  NativeArray,
  NativeDType,
  ProgramHandle,
  ScalarExpr,
  ScalarOpName,
  StepSpec,
  View,
} from '../../native/program.ts';

export const addon: NativeAddon = loadNativeAddon();

export interface Operand {
  dtype: NativeDType;
  shape: number[];
  /** Backing memory; when absent for an output, a fresh contiguous buffer. */
  data?: NativeArray;
  offset?: number;
  strides?: number[];
}

export function contiguousStrides(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let n = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = n;
    n *= shape[d];
  }
  return strides;
}

export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function allocate(dtype: NativeDType, n: number): NativeArray {
  if (dtype === 'float32') return new Float32Array(n);
  if (dtype === 'float64') return new Float64Array(n);
  if (dtype === 'int32') return new Int32Array(n);
  return new Uint8Array(n);
}

/** Calls f with every multi-index of shape, in row-major order. */
export function forEachIndex(shape: number[], f: (index: number[]) => void): void {
  if (shape.some((n) => n === 0)) return;
  const index = shape.map(() => 0);
  for (;;) {
    f(index.slice());
    let d = shape.length - 1;
    while (d >= 0 && ++index[d] === shape[d]) index[d--] = 0;
    if (d < 0) return;
  }
}

export function offsetOf(
  op: { offset?: number; strides?: number[]; shape: number[] },
  index: number[],
): number {
  const strides = op.strides ?? contiguousStrides(op.shape);
  return index.reduce((acc, i, d) => acc + i * strides[d], op.offset ?? 0);
}

/** Element at a multi-index of an operand's view. */
export function at(op: Operand, index: number[]): number {
  return op.data![offsetOf(op, index)];
}

/** The view's elements in row-major order, as plain numbers. */
export function viewValues(op: Operand): number[] {
  const out: number[] = [];
  forEachIndex(op.shape, (index) => out.push(at(op, index)));
  return out;
}

function viewOf(buffer: number, op: Operand): View {
  return {
    buffer,
    offset: op.offset ?? 0,
    shape: op.shape,
    strides: op.strides ?? contiguousStrides(op.shape),
  };
}

/**
 * Runs one kernel step. Inputs are bound in place (their `data` with their view); outputs are
 * buffers of the same size as `data` that start with its values (when given, for strided output
 * views) or contiguous fresh ones. Returns the output operands with `data` filled by the kernel.
 */
/** Runs one step in a program of its own; `reserve` float32 elements of working memory that no
 * step touches make the program as large as a long unroll's (the kernels' choices that depend on
 * a program's size: runtime.h's prefetch_ahead). */
export function runStep(
  kernel: StepSpec['kernel'],
  inputs: Operand[],
  outputs: Operand[],
  attrs: Record<string, unknown> = {},
  reserve = 0,
): Operand[] {
  const outs = outputs.map((o) => ({ ...o, data: o.data ?? allocate(o.dtype, sizeOf(o.shape)) }));
  const buffers = [
    ...inputs.map((i) => ({ dtype: i.dtype, size: i.data!.length, role: 'input' as const })),
    // An output given with data starts with those values (an arena buffer with init), as a
    // reused buffer would in a real program: a kernel must write every element of its view.
    ...outputs.map((o) =>
      o.data
        ? { dtype: o.dtype, size: o.data.length, role: 'temp' as const, init: o.data }
        : { dtype: o.dtype, size: sizeOf(o.shape), role: 'output' as const },
    ),
    ...(reserve > 0 ? [{ dtype: 'float32' as const, size: reserve, role: 'temp' as const }] : []),
  ];
  const step = {
    kernel,
    inputs: inputs.map((op, i) => viewOf(i, op)),
    outputs: outs.map((op, i) => viewOf(inputs.length + i, op)),
    attrs,
  } as StepSpec;
  const program = addon.createProgram({
    buffers,
    steps: [step],
    inputs: inputs.map((_, i) => i),
    outputs: outs.map((_, i) => inputs.length + i),
  });
  const results = addon.run(
    program,
    inputs.map((i) => i.data!),
  );
  return outs.map((o, i) => ({ ...o, data: results[i] }));
}

/** Deterministic pseudo-random numbers for test data (mulberry32), independent of the engine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` values uniform in [lo, hi) as the dtype's typed array. */
export function randomArray(
  dtype: NativeDType,
  n: number,
  random: () => number,
  lo = -2,
  hi = 2,
): NativeArray {
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = lo + (hi - lo) * random();
    out[i] = dtype === 'int32' ? Math.floor(v) : dtype === 'bool' ? (v > (lo + hi) / 2 ? 1 : 0) : v;
  }
  return out;
}

/** A contiguous random operand. */
export function randomOperand(
  dtype: NativeDType,
  shape: number[],
  random: () => number,
  lo = -2,
  hi = 2,
): Operand {
  return { dtype, shape, data: randomArray(dtype, sizeOf(shape), random, lo, hi) };
}

/** The same values as `op` laid out transposed in memory (a non-contiguous view of new memory). */
export function permutedView(op: Operand, perm: number[]): Operand {
  // Materialise op with axes permuted, then view it back in the original axis order.
  const pshape = perm.map((p) => op.shape[p]);
  const data = allocate(op.dtype, sizeOf(pshape) + 3);
  const pstrides = contiguousStrides(pshape);
  const strides = new Array<number>(op.shape.length);
  perm.forEach((p, d) => (strides[p] = pstrides[d]));
  const view: Operand = { dtype: op.dtype, shape: op.shape, data, offset: 3, strides };
  forEachIndex(op.shape, (index) => (data[offsetOf(view, index)] = at(op, index)));
  return view;
}

/** A view broadcasting `op` (whose shape has 1s on broadcast axes) to `shape` with stride 0. */
export function broadcastView(op: Operand, shape: number[]): Operand {
  const strides = op.strides ?? contiguousStrides(op.shape);
  return { ...op, shape, strides: shape.map((n, d) => (op.shape[d] === 1 && n !== 1 ? 0 : strides[d])) };
}

/** Asserts |got - want| <= atol + rtol*|want| elementwise, with NaN == NaN and inf == inf. */
export function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol = rtol,
): void {
  if (got.length !== want.length) throw new Error(`length ${got.length} != expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) ? Number.isNaN(g) : g === w || Math.abs(g - w) <= atol + rtol * Math.abs(w)) continue;
    throw new Error(`element ${i}: got ${g}, expected ${w} (rtol ${rtol}, atol ${atol})`);
  }
}

export const tolerance: Record<'float32' | 'float64', number> = { float32: 2e-5, float64: 1e-12 };

/** Per step, whether it ran in a row-block chain started by an earlier step (native/src/row_blocks.h),
 * from addon.rowChains after a run. */
export function chainedSteps(lengths: Int32Array): boolean[] {
  const chained = new Array<boolean>(lengths.length).fill(false);
  lengths.forEach((n, i) => {
    for (let j = i + 1; j < i + n; j++) chained[j] = true;
  });
  return chained;
}

export const input = (i: number): ScalarExpr => ({ input: i });
export const apply = (op: ScalarOpName, ...args: ScalarExpr[]): ScalarExpr => ({ op, args });

/** `rows` rows of `cols` elements of a buffer from `offset` on, rows `pitch` elements apart. */
export const rowsOf = (buffer: number, rows: number, cols: number, offset = 0, pitch = cols): View => ({
  buffer,
  offset,
  shape: [rows, cols],
  strides: [pitch, 1],
});

/**
 * Creates a program of `steps` as written, or `apart` (a copy between every two of them, so that
 * the executor pairs and chains none of them), on `threads` threads (1 unless given), and hands it
 * to `use` with `own`, which keeps a per-step array's entries for the given steps (the copies'
 * dropped). The thread count is put back afterwards.
 */
export function asWrittenOrApart<T>(
  p: { buffers: BufferSpec[]; steps: StepSpec[]; outputs: number[] },
  options: { apart?: boolean; threads?: number },
  use: (program: ProgramHandle, own: <E>(all: ArrayLike<E>) => E[]) => T,
): T {
  const buffers: BufferSpec[] = [...p.buffers, { dtype: 'float32', size: 8, role: 'temp' }];
  const scratch = buffers.length - 1;
  const copy: StepSpec = {
    kernel: 'copy',
    inputs: [{ buffer: scratch, offset: 0, shape: [4], strides: [1] }],
    outputs: [{ buffer: scratch, offset: 4, shape: [4], strides: [1] }],
    attrs: {},
  };
  const steps = options.apart ? p.steps.flatMap((s, i) => (i === 0 ? [s] : [copy, s])) : p.steps;
  const own = <E>(all: ArrayLike<E>): E[] => Array.from(all).filter((_, i) => !options.apart || i % 2 === 0);
  const before = addon.getThreads();
  addon.setThreads(options.threads ?? 1);
  try {
    return use(addon.createProgram({ buffers, inputs: [], outputs: p.outputs, steps }), own);
  } finally {
    addon.setThreads(before);
  }
}
