// Data-movement kernels against index-by-index references written here: copy (materialising
// transposes, casting), fill, concatenate, take, and basic/advanced subtensor updates
// (including repeated indices, negative steps and in-place updates).
import { describe, expect, it } from 'vitest';
import {
  addon,
  at,
  forEachIndex,
  type Operand,
  permutedView,
  randomOperand,
  rng,
  runStep,
  viewValues,
} from './helpers.ts';

describe('copy and fill', () => {
  it('materialises a transposed view contiguously and casts float64 -> int32 / bool', () => {
    const x = permutedView(randomOperand('float64', [3, 4, 5], rng(1), -3, 3), [2, 0, 1]);
    expect(viewValues(runStep('copy', [x], [{ dtype: 'float64', shape: [3, 4, 5] }])[0])).toEqual(
      viewValues(x),
    );
    expect(viewValues(runStep('copy', [x], [{ dtype: 'int32', shape: [3, 4, 5] }])[0])).toEqual(
      viewValues(x).map((v) => Math.trunc(v) + 0), // + 0: int32 has no -0
    );
    expect(viewValues(runStep('copy', [x], [{ dtype: 'bool', shape: [3, 4, 5] }])[0])).toEqual(
      viewValues(x).map((v) => +(v !== 0)),
    );
  });

  it('reshapes in row-major order when the shapes differ (contiguous or strided on either side)', () => {
    const x = randomOperand('float32', [4, 6], rng(5));
    const xT = permutedView(x, [1, 0]); // logical (4, 6), column-major memory
    const order = viewValues(x);
    const strided = {
      dtype: 'float32' as const,
      shape: [3, 2, 4],
      data: new Float32Array(48),
      strides: [16, 8, 2],
    };
    for (const src of [x, xT]) {
      expect(viewValues(runStep('copy', [src], [{ dtype: 'float32', shape: [2, 12] }])[0])).toEqual(order);
      expect(viewValues(runStep('copy', [src], [strided])[0])).toEqual(order);
    }
    expect(() => runStep('copy', [x], [{ dtype: 'float32', shape: [5, 5] }])).toThrow(
      /copy: input \(4, 6\) and output \(5, 5\) differ in size/,
    );
  });

  it('fills a strided view and leaves the gaps alone', () => {
    const [y] = runStep(
      'fill',
      [],
      [{ dtype: 'float32', shape: [2, 3], data: new Float32Array(12), strides: [6, 2] }],
      { value: 2.5 },
    );
    expect(Array.from(y.data!)).toEqual([2.5, 0, 2.5, 0, 2.5, 0, 2.5, 0, 2.5, 0, 2.5, 0]);
  });

  it('fills every dtype with the value converted as a copy converts it (once, then broadcast)', () => {
    const fill = (dtype: 'float32' | 'float64' | 'int32' | 'bool', value: number) =>
      viewValues(runStep('fill', [], [{ dtype, shape: [3, 37] }], { value })[0]);
    expect(fill('float32', 0.1)).toEqual(new Array(111).fill(Math.fround(0.1)));
    expect(fill('float64', 0.1)).toEqual(new Array(111).fill(0.1));
    expect(fill('int32', -2.7)).toEqual(new Array(111).fill(-2));
    expect(fill('bool', 0.5)).toEqual(new Array(111).fill(1));
    expect(fill('bool', 0)).toEqual(new Array(111).fill(0));
  });
});

describe('concatenate', () => {
  it('joins along axis 0 and axis 1, including a transposed input and an empty one', () => {
    const random = rng(2);
    const a = randomOperand('float32', [2, 3], random);
    const b = permutedView(randomOperand('float32', [4, 3], random), [1, 0]);
    const e: Operand = { dtype: 'float32', shape: [0, 3], data: new Float32Array(0) };
    const [y0] = runStep('concatenate', [a, e, b], [{ dtype: 'float32', shape: [6, 3] }], { axis: 0 });
    expect(viewValues(y0)).toEqual([...viewValues(a), ...viewValues(b)]);
    const c = randomOperand('float32', [2, 4], random);
    const [y1] = runStep('concatenate', [a, c], [{ dtype: 'float32', shape: [2, 7] }], { axis: -1 });
    const want: number[] = [];
    for (let r = 0; r < 2; r++)
      want.push(...[0, 1, 2].map((j) => at(a, [r, j])), ...[0, 1, 2, 3].map((j) => at(c, [r, j])));
    expect(viewValues(y1)).toEqual(want);
    expect(() => runStep('concatenate', [a, c], [{ dtype: 'float32', shape: [2, 8] }], { axis: 1 })).toThrow(
      /inputs add up to 7 along axis 1 but the output has 8/,
    );
  });
});

describe('take', () => {
  const x = randomOperand('float64', [5, 3, 2], rng(3));

  it('gathers along axis 0 and axis 1 with 2-d and negative indices', () => {
    const idx: Operand = { dtype: 'int32', shape: [2, 2], data: new Int32Array([4, 0, -1, 2]) };
    const [y] = runStep('take', [x, idx], [{ dtype: 'float64', shape: [2, 2, 3, 2] }], { axis: 0 });
    const want: number[] = [];
    forEachIndex([2, 2, 3, 2], ([i, j, k, l]) => {
      const raw = idx.data![i * 2 + j];
      want.push(at(x, [raw < 0 ? raw + 5 : raw, k, l]));
    });
    expect(viewValues(y)).toEqual(want);
    const col: Operand = { dtype: 'int32', shape: [4], data: new Int32Array([2, 2, 0, 1]) };
    const [z] = runStep('take', [x, col], [{ dtype: 'float64', shape: [5, 4, 2] }], { axis: 1 });
    const wantZ: number[] = [];
    forEachIndex([5, 4, 2], ([i, j, l]) => wantZ.push(at(x, [i, col.data![j], l])));
    expect(viewValues(z)).toEqual(wantZ);
  });

  it('takes nothing with an empty index array', () => {
    const none: Operand = { dtype: 'int32', shape: [0], data: new Int32Array(0) };
    expect(
      runStep('take', [x, none], [{ dtype: 'float64', shape: [0, 3, 2] }], { axis: 0 })[0].data!.length,
    ).toBe(0);
  });

  it('reports an out-of-bounds index with its position and the axis size', () => {
    const idx: Operand = { dtype: 'int32', shape: [3], data: new Int32Array([1, 7, 0]) };
    expect(() =>
      runStep('take', [x, idx], [{ dtype: 'float64', shape: [3, 3, 2] }], { axis: 0, opName: 'Take' }),
    ).toThrow(
      /step 0 'Take' \(kernel take\): take: index 7 \(position 1 of the indices\) is out of bounds for axis 0 of size 5/,
    );
  });
});

describe('subtensor updates', () => {
  const random = rng(4);
  const x = randomOperand('float32', [6, 5], random);

  it('inc_subtensor / set_subtensor on a stepped slice (rows 5,3,1 and columns 1,3) with broadcast values', () => {
    const y: Operand = { ...randomOperand('float32', [1, 2], random), shape: [3, 2], strides: [0, 1] };
    const attrs = { begin: [5, 1], step: [-2, 2] };
    const rows = [5, 3, 1];
    const cols = [1, 3];
    for (const kernel of ['inc_subtensor', 'set_subtensor'] as const) {
      const [z] = runStep(kernel, [x, y], [{ dtype: 'float32', shape: [6, 5] }], attrs);
      const want = Array.from(x.data!);
      rows.forEach((r, i) =>
        cols.forEach((c, j) => {
          want[r * 5 + c] = Math.fround((kernel === 'inc_subtensor' ? want[r * 5 + c] : 0) + at(y, [i, j]));
        }),
      );
      expect(Array.from(z.data!)).toEqual(want);
    }
    expect(() =>
      runStep('set_subtensor', [x, y], [{ dtype: 'float32', shape: [6, 5] }], {
        begin: [5, 1],
        step: [2, 2],
      }),
    ).toThrow(/slice 5::2 with 3 elements leaves axis 0 of size 6/);
  });

  it('inc_subtensor on contiguous float32 rows adds as float32 with the bits of a float64 sum rounded once', () => {
    // rows 1-3, columns 3-36 of a 4 × 40 matrix (34-element runs: vectors and a remainder), with
    // magnitudes 2^±60 apart, ±0, infinities, NaN and denormals among the values
    const special = [0, -0, Infinity, -Infinity, NaN, 1e-40, -3e-39, 2 ** 60, -(2 ** -60)];
    const valueAt = (k: number, seed: number): number =>
      k % 7 === 0
        ? special[(k + seed) % special.length]
        : Math.fround(Math.sin(k * seed) * 2 ** (((k * seed) % 50) - 25));
    const x: Operand = {
      dtype: 'float32',
      shape: [4, 40],
      data: Float32Array.from({ length: 160 }, (_, k) => valueAt(k, 3)),
    };
    const y: Operand = {
      dtype: 'float32',
      shape: [3, 34],
      data: Float32Array.from({ length: 102 }, (_, k) => valueAt(k, 5)),
    };
    const [z] = runStep('inc_subtensor', [x, y], [{ dtype: 'float32', shape: [4, 40] }], {
      begin: [1, 3],
      step: [1, 1],
    });
    const want = Array.from(x.data!);
    forEachIndex([3, 34], ([r, c]) => {
      want[(r + 1) * 40 + c + 3] = Math.fround(want[(r + 1) * 40 + c + 3] + at(y, [r, c]));
    });
    expect(Array.from(z.data!)).toEqual(want);
  });

  it('advanced_inc_subtensor adds repeated indices up; advanced_set_subtensor lets the last write win', () => {
    const idx: Operand = { dtype: 'int32', shape: [4], data: new Int32Array([1, 3, 1, -1]) };
    const y = randomOperand('float32', [6, 4], random);
    const [inc] = runStep('advanced_inc_subtensor', [x, y, idx], [{ dtype: 'float32', shape: [6, 5] }], {
      axis: 1,
    });
    const [set] = runStep('advanced_set_subtensor', [x, y, idx], [{ dtype: 'float32', shape: [6, 5] }], {
      axis: 1,
    });
    const wantInc = Array.from(x.data!, (v) => v);
    const wantSet = Array.from(x.data!);
    forEachIndex([6, 4], ([r, j]) => {
      const c = (idx.data![j] + 5) % 5;
      wantInc[r * 5 + c] = Math.fround(wantInc[r * 5 + c] + at(y, [r, j]));
      wantSet[r * 5 + c] = at(y, [r, j]);
    });
    expect(Array.from(inc.data!)).toEqual(wantInc);
    expect(Array.from(set.data!)).toEqual(wantSet);
  });

  it('updates in place when the output view is x itself (no copy of x first)', () => {
    const view = { buffer: 1, offset: 0, shape: [4], strides: [1] };
    const program = addon.createProgram({
      buffers: [
        { dtype: 'float64', size: 2, role: 'input' },
        { dtype: 'float64', size: 4, role: 'shared', init: new Float64Array([1, 2, 3, 4]) },
        { dtype: 'int32', size: 2, role: 'constant', init: new Int32Array([0, 0]) },
      ],
      inputs: [0],
      outputs: [1],
      steps: [
        {
          kernel: 'advanced_inc_subtensor',
          inputs: [
            view,
            { buffer: 0, offset: 0, shape: [2], strides: [1] },
            { buffer: 2, offset: 0, shape: [2], strides: [1] },
          ],
          outputs: [view],
          attrs: { axis: 0 },
        },
      ],
    });
    addon.run(program, [new Float64Array([10, 20])]);
    const [after] = addon.run(program, [new Float64Array([1, 1])]);
    expect(Array.from(after)).toEqual([33, 2, 3, 4]);
  });
});
