// concatenate's row path (one memcpy per input row, native/kernels/shape.c) and the strided
// fallback, against a JavaScript reference: last and middle axes, 3-d views whose outer axes
// coalesce or do not (padded rows, permuted batches), size-1 axes with stride 0, an empty
// input, every dtype. Also the float32 sums that read memory directly (native/kernels/reduce.c:
// over axis 0, and over a contiguous last axis) against a float64 sum. Self-contained: builds its own one-step programs from the addon's spec.
import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/addon.ts';
import type { NativeArray, NativeDType, ProgramSpec, View } from '../../native/program.ts';

const addon = loadNativeAddon();

const arrays: Record<NativeDType, (n: number) => NativeArray> = {
  float32: (n) => new Float32Array(n),
  float64: (n) => new Float64Array(n),
  int32: (n) => new Int32Array(n),
  bool: (n) => new Uint8Array(n),
};

/** A view of `shape` over its own buffer with the given strides and offset 1, filled with
 * distinct values (0/1 for bool). */
function operand(dtype: NativeDType, shape: number[], strides: number[], seed: number) {
  const size = 1 + shape.reduce((s, d, i) => s + (d - 1) * strides[i], 0) + 1 + 2;
  const data = arrays[dtype](Math.max(size, 1));
  for (let i = 0; i < data.length; i++) {
    data[i] =
      dtype === 'bool'
        ? Number((i * seed) % 3 === 0)
        : dtype === 'int32'
          ? seed * 1000 + i
          : seed * 1000 + i * 0.5;
  }
  return { shape, strides, offset: 1, data };
}

type Operand = ReturnType<typeof operand>;

function valueAt(op: Operand, index: number[]): number {
  return op.data[op.offset + index.reduce((s, x, d) => s + x * op.strides[d], 0)];
}

function forEachIndex(shape: number[], f: (index: number[]) => void): void {
  const count = shape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < count; flat++) {
    const index: number[] = [];
    let rest = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
    f(index);
  }
}

const contiguous = (shape: number[]) => shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));

/** Runs one step with constant inputs and a contiguous output of `outShape`; returns its data. */
function runStep(
  kernel: string,
  dtype: NativeDType,
  inputs: Operand[],
  outShape: number[],
  attrs: object,
): NativeArray {
  const view = (buffer: number, op: Operand): View => ({
    buffer,
    offset: op.offset,
    shape: op.shape,
    strides: op.strides,
  });
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const spec: ProgramSpec = {
    buffers: [
      ...inputs.map((op) => ({ dtype, size: op.data.length, role: 'constant' as const, init: op.data })),
      { dtype, size: outSize, role: 'output' },
    ],
    inputs: [],
    outputs: [inputs.length],
    steps: [
      {
        kernel,
        inputs: inputs.map((op, i) => view(i, op)),
        outputs: [{ buffer: inputs.length, offset: 0, shape: outShape, strides: contiguous(outShape) }],
        attrs,
      },
    ],
  } as ProgramSpec;
  return addon.run(addon.createProgram(spec), [])[0];
}

interface ConcatCase {
  name: string;
  axis: number;
  parts: { shape: number[]; strides?: number[] }[];
}

const cases: ConcatCase[] = [
  {
    name: 'the LSTM gates: four 37x20 along the last axis',
    axis: 1,
    parts: Array(4).fill({ shape: [37, 20] }),
  },
  {
    name: 'columns broadcast by stride 0',
    axis: 1,
    parts: [
      { shape: [9, 1], strides: [1, 0] },
      { shape: [9, 1], strides: [1, 0] },
    ],
  },
  {
    name: 'one-element columns (copied as one strided run each) beside wider rows',
    axis: 1,
    parts: [{ shape: [11, 1], strides: [3, 1] }, { shape: [11, 3] }, { shape: [11, 1], strides: [1, 0] }],
  },
  { name: 'padded input rows', axis: 1, parts: [{ shape: [6, 5], strides: [8, 1] }, { shape: [6, 3] }] },
  { name: 'axis 0', axis: 0, parts: [{ shape: [2, 7] }, { shape: [5, 7] }, { shape: [1, 7] }] },
  { name: '3-d, middle axis', axis: 1, parts: [{ shape: [3, 2, 4] }, { shape: [3, 5, 4] }] },
  {
    name: '3-d, outer axes padded (not coalescible: the strided path)',
    axis: 2,
    parts: [{ shape: [3, 4, 2], strides: [20, 4, 1] }, { shape: [3, 4, 3] }],
  },
  {
    name: 'a transposed input (the strided path)',
    axis: 1,
    parts: [{ shape: [4, 3], strides: [1, 4] }, { shape: [4, 2] }],
  },
  { name: 'an empty input', axis: 1, parts: [{ shape: [5, 0] }, { shape: [5, 3] }] },
  {
    name: 'size-1 outer axis with stride 0',
    axis: 2,
    parts: [{ shape: [1, 4, 2], strides: [0, 2, 1] }, { shape: [1, 4, 1] }],
  },
];

describe.each(['float32', 'float64', 'int32', 'bool'] as const)('concatenate, %s', (dtype) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, tc) => {
    const inputs = tc.parts.map((p, k) => operand(dtype, p.shape, p.strides ?? contiguous(p.shape), k + 2));
    const outShape = [...tc.parts[0].shape];
    outShape[tc.axis] = tc.parts.reduce((s, p) => s + p.shape[tc.axis], 0);
    const got = Array.from(runStep('concatenate', dtype, inputs, outShape, { axis: tc.axis }));
    const want: number[] = [];
    forEachIndex(outShape, (index) => {
      let position = index[tc.axis];
      let k = 0;
      while (position >= tc.parts[k].shape[tc.axis]) position -= tc.parts[k++].shape[tc.axis];
      const at = [...index];
      at[tc.axis] = position;
      want.push(valueAt(inputs[k], at));
    });
    expect(got).toEqual(want);
  });
});

describe('float32 sum over axis 0', () => {
  it.each([
    ['1280x80 (the bias gradient)', [1280, 80], [80, 1]],
    ['padded rows', [33, 17], [20, 1]],
    ['3-d, reduced outer axis', [6, 5, 9], [45, 9, 1]],
  ] as const)('%s matches a float64 sum', (_, shape, strides) => {
    const x = operand('float32', [...shape], [...strides], 3);
    for (let i = 0; i < x.data.length; i++) x.data[i] = Math.sin(i * 0.37) * 10;
    const outShape = [1, ...shape.slice(1)];
    const got = runStep('reduce', 'float32', [x], outShape, { op: 'sum', axes: [0] });
    const want: number[] = [];
    forEachIndex(outShape, (index) => {
      let s = 0;
      for (let r = 0; r < shape[0]; r++) s += valueAt(x, [r, ...index.slice(1)]);
      want.push(Math.fround(s));
    });
    expect(Array.from(got)).toEqual(want);
  });
});

describe('float32 sum over the contiguous last axis', () => {
  it.each([
    ['128x10x10 (the quadratics)', [128, 10, 10]],
    ['runs longer than one 256-element tile', [5, 300]],
    ['runs shorter than eight', [7, 3]],
  ] as const)('%s matches a float64 sum', (_, shape) => {
    const x = operand('float32', [...shape], contiguous([...shape]), 3);
    for (let i = 0; i < x.data.length; i++) x.data[i] = Math.cos(i * 0.71) * 10;
    const last = shape.length - 1;
    const outShape = [...shape.slice(0, last), 1];
    const got = runStep('reduce', 'float32', [x], outShape, { op: 'sum', axes: [last] });
    const want: number[] = [];
    forEachIndex(outShape, (index) => {
      let s = 0;
      for (let r = 0; r < shape[last]; r++) s += valueAt(x, [...index.slice(0, last), r]);
      want.push(s);
    });
    want.forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(1e-6 * (Math.abs(w) + 10)));
  });
});
