import { describe, expect, it } from 'vitest';
import { SharedVariable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import { add, exp, matmul, matrix, mul, sub, sum, transpose } from './toyOps.ts';

const a23 = NDArray.of(
  [
    [1, 2, 3],
    [4, 5, 6],
  ],
  'float64',
);
const b23 = NDArray.of(
  [
    [0.5, -1, 2],
    [3, 0, -2],
  ],
  'float64',
);

describe('fn', () => {
  it('computes outputs with each op’s perform', () => {
    const x = matrix('x');
    const y = matrix('y');
    const f = fn([x, y], [add(x, y), mul(exp(x), y)]);
    const [s, p] = f(a23, b23) as NDArray[];
    expect(s.toFlat()).toEqual(a23.toFlat().map((v, i) => v + b23.toFlat()[i]));
    expect(p.toFlat()).toEqual(a23.toFlat().map((v, i) => Math.exp(v) * b23.toFlat()[i]));
  });

  it('returns one NDArray for one output, and reads transposed views without copying them', () => {
    const x = matrix('x');
    const f = fn([x], matmul(transpose(x), x));
    const out = f(a23) as NDArray;
    const t = [
      [1, 4],
      [2, 5],
      [3, 6],
    ];
    const expected = t.map((row) => [0, 1, 2].map((j) => row[0] * a23.get(0, j) + row[1] * a23.get(1, j)));
    expect(out.toNested()).toEqual(expected);
    expect(f.lastProgram!.steps.map((s) => s.opName)).toEqual(['ToyMatMul']);
    expect(f.lastProgram!.steps[0].inputs[0].strides).toEqual([1, 3]);
  });

  it('applies updates after all outputs, every update seeing the old values', () => {
    const x = matrix('x');
    const w = new SharedVariable(
      NDArray.of(
        [
          [1, 1, 1],
          [1, 1, 1],
        ],
        'float64',
      ),
      'w',
    );
    const v = new SharedVariable(
      NDArray.of(
        [
          [2, 2, 2],
          [2, 2, 2],
        ],
        'float64',
      ),
      'v',
    );
    const f = fn([x], add(x, w), {
      updates: [
        [w, v],
        [v, add(w, x)],
      ],
    });
    const out = f(a23) as NDArray;
    expect(out.toFlat()).toEqual(a23.toFlat().map((e) => e + 1));
    expect(w.get().toFlat()).toEqual([2, 2, 2, 2, 2, 2]);
    expect(v.get().toFlat()).toEqual(a23.toFlat().map((e) => e + 1));
  });

  it('substitutes givens', () => {
    const x = matrix('x');
    const y = matrix('y');
    const f = fn([x], sub(y, x), { givens: [[y, mul(x, x)]] });
    expect((f(a23) as NDArray).toFlat()).toEqual(a23.toFlat().map((e) => e * e - e));
  });

  it('lowers once per input-shape signature', () => {
    const x = matrix('x');
    const f = fn([x], sum(mul(x, x)));
    f(a23);
    f(b23);
    expect(f.programs.size).toBe(1);
    const first = f.lastProgram;
    f(NDArray.of([[1, 2]], 'float64'));
    expect(f.programs.size).toBe(2);
    expect(f.lastProgram).not.toBe(first);
    expect((f(NDArray.of([[1, 2]], 'float64')) as NDArray).toFlat()).toEqual([5]);
  });

  it('prepare lowers for the inputs’ shapes without running: no update applied, checked like a call', () => {
    const x = matrix('x');
    const w = new SharedVariable(NDArray.of([[1, 1, 1]], 'float64'), 'w');
    const f = fn([x], sum(mul(x, w)), { updates: [[w, add(w, x)]] });
    f.prepare(a23);
    expect(f.programs.size).toBe(1);
    expect(w.get().toFlat()).toEqual([1, 1, 1]);
    const prepared = f.lastProgram;
    f.prepare(b23);
    expect(f.programs.size).toBe(1);
    expect(f.lastProgram).toBe(prepared);
    expect(() => f.prepare(NDArray.of([1, 2], 'float64'))).toThrow(/input 0 \(x\) expects float64\(\?, \?\)/);
    expect(() => f.prepare()).toThrow(/takes 1 inputs \(x\) but was called with 0/);
    expect(f.programs.size).toBe(1);
    expect((f(NDArray.of([[1, 2, 3]], 'float64')) as NDArray).toFlat()).toEqual([6]);
    expect(w.get().toFlat()).toEqual([2, 3, 4]);
  });

  it('names the input, the expected and actual type, and the caller’s line on a bad input', () => {
    const x = matrix('x');
    const f = fn([x], exp(x));
    expect(() => f(NDArray.of([[1, 2]], 'float32'))).toThrow(
      /fn\.test\.ts:\d+: input 0 \(x\) expects float64\(\?, \?\) but got dtype float32/,
    );
    expect(() => f(NDArray.of([1, 2], 'float64'))).toThrow(/1-d value \(2,\) where a 2-d/);
  });

  it('reports an op’s shape error with the line that built the node', () => {
    const x = matrix('x');
    const y = matrix('y');
    const f = fn([x, y], matmul(x, y));
    expect(() => f(a23, b23)).toThrow(
      /ToyMatMul \(built at .*toyOps\.ts:\d+\): ToyMatMul: inner dimensions 3 and 2 differ \(input shapes \(2, 3\), \(2, 3\)\)/,
    );
  });

  it('reports an input missing from the inputs list', () => {
    const x = matrix('x');
    const y = matrix('y');
    expect(() => fn([x], add(x, y))).toThrow(/depend on y .* not among the inputs \[x\]/);
  });

  it('substitutes a shared variable through givens (a minibatch slice of data kept in the backend)', () => {
    const x = matrix('x');
    const data = new SharedVariable(a23, 'data');
    const f = fn([x], add(x, data), { givens: [[data, mul(data, data)]] });
    expect((f(b23) as NDArray).toFlat()).toEqual(b23.toFlat().map((v, i) => v + a23.toFlat()[i] ** 2));
  });

  it('runs on js when auto finds no native backend registered, and names a missing one', () => {
    const x = matrix('x');
    expect(fn([x], exp(x)).backend.name).toBe('js');
    expect(() => fn([x], exp(x), { backend: 'cuda' })).toThrow(
      /backend 'cuda' is not available \(registered: js\)/,
    );
  });

  it('rejects an update that changes the shared variable’s shape, at call time', () => {
    const w = new SharedVariable(NDArray.of([[1, 2, 3]], 'float64'), 'w', [null, null]);
    const x = matrix('x');
    const f = fn([x], x, { updates: [[w, x]] });
    expect(() => f(a23)).toThrow(/update of w computes a value of shape \(2, 3\), but w has shape \(1, 3\)/);
  });
});
