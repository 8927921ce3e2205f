// Reductions over any axes (with and without keepdims, on non-contiguous views, over empty
// axes), matrix products (matrix, vector, batched with broadcast batches, transposed operands,
// dot + add → gemm, empty inner dimension), forward and gradient, js float64 vs cpu float32.
import { describe, expect, it } from 'vitest';
import * as T from '../../engine/index.ts';
import type { Variable } from '../../engine/core/graph.ts';
import { runDifferential } from './harness.ts';
import { opCase } from './cases.ts';
import { normal, smallInts, uniform } from './values.ts';

type Reducer = (x: Variable, axis?: number | number[] | null, keepdims?: boolean) => Variable;

const reducers: [string, Reducer, () => T.NDArray][] = [
  ['sum', T.sum, () => normal([4, 3, 5])],
  ['mean', T.mean, () => normal([4, 3, 5])],
  ['prod', T.prod, () => uniform([4, 3, 5], 0.6, 1.4)],
  ['max', T.max, () => smallInts([4, 3, 5], -3, 4)],
  ['min', T.min, () => smallInts([4, 3, 5], -3, 4)],
  ['logsumexp', T.logsumexp, () => normal([4, 3, 5])],
  ['var', T.variance, () => normal([4, 3, 5])],
];

const axesCases: [string, number | number[] | null, boolean][] = [
  ['all axes', null, false],
  ['axis 0', 0, false],
  ['axis 1 keepdims', 1, true],
  ['axes [0, 2]', [0, 2], false],
  ['last axis', -1, true],
];

describe('reductions (forward + gradient)', () => {
  for (const [name, f, values] of reducers) {
    for (const [label, axis, keep] of axesCases) {
      it(`${name} over ${label}`, () =>
        runDifferential(opCase(`${name} ${label}`, [values()], ([x]) => f(x, axis, keep))));
    }
    it(`${name} forward runs natively on a transposed view`, () =>
      runDifferential(
        opCase(`${name} transposed`, [values()], ([x]) => f(T.transpose(x, [2, 0, 1]), 1), {
          grad: false,
          allNative: true,
        }),
      ));
  }
  it('argmax over each axis (ties from small integers)', () => {
    for (const axis of [0, 1, 2]) {
      runDifferential(
        opCase(`argmax ${axis}`, [smallInts([4, 3, 5], -2, 3)], ([x]) => T.argmax(x, axis), {
          allNative: true,
        }),
      );
    }
  });
  it('sum and mean over an empty axis, max over size-1 axes', () => {
    runDifferential(opCase('sum empty', [normal([0, 3])], ([x]) => T.sum(x, 0)));
    runDifferential(opCase('mean keeps rows', [normal([3, 0])], ([x]) => T.sum(x, 1)));
    runDifferential(opCase('max size-1', [normal([1, 3, 1])], ([x]) => T.max(x, [0, 2])));
  });
});

describe('matrix products (forward + gradient)', () => {
  it('matrix · matrix runs as one native gemm', () =>
    runDifferential(
      opCase('mm', [normal([5, 7]), normal([7, 3])], ([a, b]) => T.dot(a, b), {
        grad: false,
        allNative: true,
      }),
    ));
  it('matrix · matrix with gradients', () =>
    runDifferential(opCase('mm grad', [normal([5, 7]), normal([7, 3])], ([a, b]) => T.dot(a, b))));
  it('transposed operands read through strides', () =>
    runDifferential(
      opCase('mm T', [normal([7, 5]), normal([3, 7])], ([a, b]) => T.dot(T.transpose(a), T.transpose(b))),
    ));
  it('matrix · vector, vector · matrix, vector · vector, outer', () => {
    runDifferential(opCase('mv', [normal([4, 6]), normal([6])], ([a, v]) => T.dot(a, v)));
    runDifferential(opCase('vm', [normal([4]), normal([4, 6])], ([v, a]) => T.dot(v, a)));
    runDifferential(opCase('vv', [normal([6]), normal([6])], ([u, v]) => T.dot(u, v)));
    runDifferential(opCase('outer', [normal([3]), normal([4])], ([u, v]) => T.outer(u, v)));
  });
  it('batched products, a batch of one broadcast over the other', () => {
    runDifferential(opCase('bmm', [normal([2, 3, 4]), normal([2, 4, 5])], ([a, b]) => T.dot(a, b)));
    runDifferential(opCase('bmm broadcast', [normal([1, 3, 4]), normal([3, 4, 5])], ([a, b]) => T.dot(a, b)));
    runDifferential(opCase('bmm by matrix', [normal([3, 3, 4]), normal([4, 2])], ([a, b]) => T.dot(a, b)));
  });
  it('dot + bias becomes gemm with C broadcast', () =>
    runDifferential(
      opCase('gemm', [normal([6, 4]), normal([4, 3]), normal([3])], ([x, w, b]) => T.add(T.dot(x, w), b)),
    ));
  it('empty inner dimension gives zeros; empty rows give an empty result', () => {
    runDifferential(opCase('k=0', [normal([3, 0]), normal([0, 2])], ([a, b]) => T.dot(a, b)));
    runDifferential(opCase('m=0', [normal([0, 4]), normal([4, 2])], ([a, b]) => T.dot(a, b)));
  });
  it('a larger product accumulates within float32 tolerance', () =>
    runDifferential(
      opCase('mm big', [normal([67, 300]), normal([300, 45])], ([a, b]) => T.dot(a, b), { rtol: 5e-4 }),
    ));
});

describe('float64 programs on the cpu backend and fallbacks', () => {
  const f64 = { native: 'float64' as const, rtol: 1e-12 };
  it('float64 gemm, reductions, elementwise and softmax agree to float64 precision', () => {
    runDifferential({
      ...opCase('mm64', [normal([9, 7]), normal([7, 5])], ([a, b]) => T.softmax(T.dot(a, b))),
      ...f64,
    });
    runDifferential({ ...opCase('reduce64', [normal([4, 6])], ([x]) => T.logsumexp(T.tanh(x), 1)), ...f64 });
  });
  it('an int32 matrix product has no native gemm and runs as a JavaScript segment', () => {
    const prepared = runDifferential(
      opCase(
        'int mm',
        [smallInts([3, 4], -3, 4).astype('int32'), smallInts([4, 2], -3, 4).astype('int32')],
        ([a, b]) => T.dot(a, b),
        {
          grad: false,
        },
      ),
    );
    expect(prepared[0].jsSteps).toContain(true);
  });
});
