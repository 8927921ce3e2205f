// The reduce kernel against float64 references computed here by grouping elements per output:
// every op, axis subsets (incl. negative axes and all axes), permuted inputs, strided outputs,
// float32/float64/int32, NaN and -inf handling, empty and size-1 dimensions.
import { describe, expect, it } from 'vitest';
import type { NativeDType, ReduceOpName } from '../../native/program.ts';
import {
  at,
  expectClose,
  forEachIndex,
  type Operand,
  permutedView,
  randomOperand,
  rng,
  runStep,
  viewValues,
} from './helpers.ts';

function reduceRef(op: ReduceOpName, values: number[]): number {
  const n = values.length;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  switch (op) {
    case 'sum':
      return sum(values);
    case 'mean':
      return sum(values) / n;
    case 'prod':
      return values.reduce((a, b) => a * b, 1);
    case 'max':
      return values.some(Number.isNaN) ? NaN : Math.max(...values);
    case 'min':
      return values.some(Number.isNaN) ? NaN : Math.min(...values);
    case 'argmax': {
      const nan = values.findIndex(Number.isNaN);
      if (nan >= 0) return nan;
      return values.indexOf(Math.max(...values));
    }
    case 'logsumexp': {
      const m = Math.max(...values);
      if (!Number.isFinite(m)) return m;
      return m + Math.log(sum(values.map((v) => Math.exp(v - m))));
    }
    case 'var': {
      const mean = sum(values) / n;
      return sum(values.map((v) => (v - mean) ** 2)) / n;
    }
  }
}

function outShape(shape: number[], axes: number[]): number[] {
  const resolved = axes.map((a) => (a < 0 ? a + shape.length : a));
  return shape.map((n, d) => (resolved.includes(d) ? 1 : n));
}

/** Reference: the input's elements grouped by output position, in row-major order. */
function reference(op: ReduceOpName, x: Operand, axes: number[]): number[] {
  const oshape = outShape(x.shape, axes);
  const groups = new Map<string, number[]>();
  forEachIndex(oshape, (o) => groups.set(o.join(','), []));
  forEachIndex(x.shape, (index) => {
    const key = index.map((i, d) => (oshape[d] === 1 ? 0 : i)).join(',');
    groups.get(key)!.push(at(x, index));
  });
  return [...groups.values()].map((vs) => reduceRef(op, vs));
}

const ops: ReduceOpName[] = ['sum', 'mean', 'prod', 'max', 'min', 'argmax', 'logsumexp', 'var'];
const axisSets = [[0], [1], [2], [-1], [0, 2], [1, 2], [0, 1, 2]];

describe('reduce kernel', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: every op over every axis subset of a contiguous and a permuted 3-d input`, () => {
      const random = rng(17);
      const base = randomOperand(dtype, [4, 5, 6], random, 0.5, 1.5);
      for (const x of [base, permutedView(base, [2, 0, 1])]) {
        for (const op of ops) {
          for (const axes of axisSets) {
            const outDtype: NativeDType = op === 'argmax' ? 'int32' : dtype;
            const [y] = runStep('reduce', [x], [{ dtype: outDtype, shape: outShape(x.shape, axes) }], {
              op,
              axes,
            });
            try {
              expectClose(viewValues(y), reference(op, x, axes), dtype === 'float32' ? 1e-5 : 1e-12);
            } catch (e) {
              throw new Error(`${op} over [${axes}]: ${(e as Error).message}`, { cause: e });
            }
          }
        }
      }
    });
  }

  it('sums long float32 rows accurately (float64 accumulation)', () => {
    const n = 100_003;
    const x: Operand = { dtype: 'float32', shape: [2, n], data: new Float32Array(2 * n).fill(0.1) };
    const [y] = runStep('reduce', [x], [{ dtype: 'float64', shape: [2, 1] }], { op: 'sum', axes: [1] });
    expectClose(Array.from(y.data!), [n * Math.fround(0.1), n * Math.fround(0.1)], 1e-12);
  });

  it('sums float32 rows over axis 0 in row order, in float64, whatever the width (sums held in registers or not)', () => {
    // The widths 8 … 128 in steps of 8 keep their sums in registers across the rows; others add
    // into memory row by row. Both must add each column's elements in row order: the exact
    // float64 running sum, not merely a close one.
    const random = rng(5);
    for (const width of [8, 20, 80, 81, 120, 128]) {
      const x = randomOperand('float32', [300, width], random, -2, 2);
      const [y] = runStep('reduce', [x], [{ dtype: 'float64', shape: [1, width] }], { op: 'sum', axes: [0] });
      const want = Array.from({ length: width }, (_, j) => {
        let total = 0;
        for (let r = 0; r < 300; r++) total += x.data![r * width + j];
        return total;
      });
      expect(Array.from(y.data!), `width ${width}`).toEqual(want);
    }
  });

  it('reduces int32 exactly and writes argmax as int32 into a strided output', () => {
    const random = rng(4);
    const x = randomOperand('int32', [3, 7], random, -100, 100);
    const [s] = runStep('reduce', [x], [{ dtype: 'int32', shape: [1, 7] }], { op: 'sum', axes: [0] });
    expect(viewValues(s)).toEqual(reference('sum', x, [0]));
    const data = new Int32Array(6);
    const [a] = runStep(
      'reduce',
      [x],
      [{ dtype: 'int32', shape: [3, 1], data, strides: [2, 1], offset: 1 }],
      { op: 'argmax', axes: [1] },
    );
    expect(viewValues(a)).toEqual(reference('argmax', x, [1]));
    expect([a.data![0], a.data![2], a.data![4]]).toEqual([0, 0, 0]);
  });

  it('propagates NaN through max/min/sum, takes the first NaN for argmax, and handles -inf in logsumexp', () => {
    const x: Operand = {
      dtype: 'float64',
      shape: [3, 3],
      data: Float64Array.from([1, NaN, 3, -Infinity, -Infinity, -Infinity, 2, 5, 5]),
    };
    for (const op of ops) {
      const [y] = runStep('reduce', [x], [{ dtype: op === 'argmax' ? 'int32' : 'float64', shape: [3, 1] }], {
        op,
        axes: [1],
      });
      try {
        expectClose(viewValues(y), reference(op, x, [1]), 1e-15);
      } catch (e) {
        throw new Error(`${op}: ${(e as Error).message}`, { cause: e });
      }
    }
  });

  it('reduces over empty axes with NumPy identities and rejects max of nothing', () => {
    const x: Operand = { dtype: 'float32', shape: [2, 0], data: new Float32Array(0) };
    const run = (op: ReduceOpName) =>
      viewValues(runStep('reduce', [x], [{ dtype: 'float32', shape: [2, 1] }], { op, axes: [1] })[0]);
    expect(run('sum')).toEqual([0, 0]);
    expect(run('prod')).toEqual([1, 1]);
    expect(run('mean').every(Number.isNaN)).toBe(true);
    expect(run('logsumexp')).toEqual([-Infinity, -Infinity]);
    expect(() =>
      runStep('reduce', [x], [{ dtype: 'float32', shape: [2, 1] }], { op: 'max', axes: [1], opName: 'Max' }),
    ).toThrow(/step 0 'Max' \(kernel reduce\): reduce max over an empty axis/);
  });

  it('reduces all axes by default and rejects an output shape that does not match the axes', () => {
    const x = randomOperand('float64', [3, 4], rng(2));
    const [y] = runStep('reduce', [x], [{ dtype: 'float64', shape: [1, 1] }], { op: 'sum' });
    expectClose(viewValues(y), reference('sum', x, [0, 1]), 1e-14);
    expect(() =>
      runStep('reduce', [x], [{ dtype: 'float64', shape: [3, 4] }], { op: 'sum', axes: [1] }),
    ).toThrow(/does not match input \(3, 4\)/);
    expect(() =>
      runStep('reduce', [x], [{ dtype: 'float64', shape: [3, 1] }], { op: 'median', axes: [1] }),
    ).toThrow(/unknown reduce op 'median'/);
  });
});
