// Every elementwise op of the engine, forward and gradient, js float64 vs cpu float32: unary ops
// on their domains, binary ops with broadcasting, comparisons and logic (bool results), where,
// clip, casts; non-contiguous inputs (transposes, strided slices) and empty / size-1 dimensions.
import { describe, it } from 'vitest';
import * as T from '../../engine/index.ts';
import type { Variable } from '../../engine/core/graph.ts';
import { runDifferential } from './harness.ts';
import { opCase } from './cases.ts';
import { bools, normal, smallInts, uniform } from './values.ts';

type Unary = (x: Variable) => Variable;

const unary: [string, Unary, () => T.NDArray][] = [
  ['neg', T.neg, () => normal([3, 5])],
  ['sqr', T.sqr, () => normal([3, 5])],
  ['sqrt', T.sqrt, () => uniform([3, 5], 0.1, 4)],
  ['rsqrt', T.rsqrt, () => uniform([3, 5], 0.1, 4)],
  ['exp', T.exp, () => normal([3, 5])],
  ['log', T.log, () => uniform([3, 5], 0.1, 4)],
  ['log1p', T.log1p, () => uniform([3, 5], -0.9, 4)],
  ['expm1', T.expm1, () => normal([3, 5])],
  ['abs', T.abs, () => normal([3, 5])],
  ['sign', T.sign, () => smallInts([3, 5], -2, 3)],
  ['tanh', T.tanh, () => normal([3, 5])],
  ['sigmoid', T.sigmoid, () => uniform([3, 5], -20, 20)],
  ['softplus', T.softplus, () => uniform([3, 5], -30, 30)],
  ['relu', T.relu, () => normal([3, 5])],
  ['identity', T.identity, () => normal([3, 5])],
];

type Binary = (x: Variable, y: Variable) => Variable;

const binary: [string, Binary, () => T.NDArray, () => T.NDArray][] = [
  ['add', T.add, () => normal([3, 1, 4]), () => normal([5, 1])],
  ['sub', T.sub, () => normal([3, 1, 4]), () => normal([5, 1])],
  ['mul', T.mul, () => normal([3, 1, 4]), () => normal([5, 1])],
  ['div', T.div, () => normal([3, 1, 4]), () => uniform([5, 1], 0.5, 2)],
  ['pow', T.pow, () => uniform([3, 1, 4], 0.5, 2), () => normal([5, 1])],
  ['maximum', T.maximum, () => smallInts([3, 1, 4], -2, 3), () => normal([5, 1])],
  ['minimum', T.minimum, () => smallInts([3, 1, 4], -2, 3), () => normal([5, 1])],
];

const comparisons: [string, Binary][] = [
  ['lt', T.lt],
  ['le', T.le],
  ['gt', T.gt],
  ['ge', T.ge],
  ['eq', T.eq],
  ['ne', T.ne],
];

const logic: [string, Binary][] = [
  ['and', T.and],
  ['or', T.or],
  ['xor', T.xor],
];

describe('unary elementwise ops (forward + gradient)', () => {
  for (const [name, f, values] of unary) {
    it(name, () => runDifferential(opCase(name, [values()], ([x]) => f(x), { allNative: false })));
    it(`${name} forward runs natively, on a transposed view`, () =>
      runDifferential(
        opCase(name, [values()], ([x]) => f(T.transpose(x)), { grad: false, allNative: true }),
      ));
  }
});

describe('binary elementwise ops with broadcasting (forward + gradient)', () => {
  for (const [name, f, a, b] of binary) {
    it(name, () => runDifferential(opCase(name, [a(), b()], ([x, y]) => f(x, y), { allNative: true })));
    it(`${name} forward runs natively`, () =>
      runDifferential(opCase(name, [a(), b()], ([x, y]) => f(x, y), { grad: false, allNative: true })));
  }
  it('a scalar operand and a strided slice', () =>
    runDifferential(opCase('mul-slice', [normal([6, 5])], ([x]) => T.mul(T.subtensor(x, '::2', '::-1'), 3))));
});

describe('comparisons, logic, where, clip and casts', () => {
  for (const [name, f] of comparisons) {
    it(name, () =>
      runDifferential(
        opCase(name, [smallInts([4, 3], -2, 3), smallInts([3], -2, 3)], ([x, y]) => f(x, y), {
          allNative: true,
        }),
      ),
    );
  }
  for (const [name, f] of logic) {
    it(name, () =>
      runDifferential(opCase(name, [bools([4, 3]), bools([4, 1])], ([x, y]) => f(x, y), { allNative: true })),
    );
  }
  it('not', () => runDifferential(opCase('not', [bools([4, 3])], ([x]) => T.not(x), { allNative: true })));
  it('where (gradient flows to the chosen branch)', () =>
    runDifferential(
      opCase('where', [normal([4, 3]), normal([4, 3])], ([x, y]) => T.where(T.gt(x, y), T.sqr(x), y)),
    ));
  it('clip', () => runDifferential(opCase('clip', [normal([4, 3])], ([x]) => T.clip(x, -0.5, 0.7))));
  it('cast float → int32 truncates, → bool tests non-zero', () =>
    runDifferential(
      opCase(
        'cast',
        [uniform([4, 3], -3, 3)],
        ([x]) => T.add(T.cast(x, 'int32'), T.cast(T.cast(x, 'bool'), 'int32')),
        {
          grad: false,
        },
      ),
    ));
  it('cast int32 → float', () =>
    runDifferential(
      opCase(
        'cast-int',
        [smallInts([4, 3], -5, 5).astype('int32')],
        ([x]) => T.mul(T.cast(x, 'float32'), 0.5),
        { grad: false },
      ),
    ));
});

describe('empty and size-1 dimensions', () => {
  it('elementwise over an empty axis', () =>
    runDifferential(opCase('empty', [normal([0, 3]), normal([1, 3])], ([x, y]) => T.add(T.exp(x), y))));
  it('size-1 axes broadcast both ways', () =>
    runDifferential(
      opCase('size1', [normal([1, 3, 1]), normal([4, 1, 2])], ([x, y]) => T.mul(T.tanh(x), y)),
    ));
  it('0-d scalars', () =>
    runDifferential(opCase('scalar', [normal([]), normal([])], ([x, y]) => T.sub(T.sqr(x), y))));
});
