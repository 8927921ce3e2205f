import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import { transpose } from '../../../../engine/ops/dimshuffle.ts';
import { dot } from '../../../../engine/ops/linalg.ts';
import { add, exp, mul, sub } from '../../../../engine/ops/math.ts';
import { matrix, shared } from '../../../../engine/tensor.ts';
import { randn } from '../../../../engine/random/rng.ts';
import { expectSameResults } from './harness.ts';

const x = matrix('x', 'float64');
const X = NDArray.of(
  [
    [0.5, -1],
    [2, 0.25],
  ],
  'float64',
);

function ops(f: ReturnType<typeof fn>): string[] {
  return f.fgraph.toposort().map((n) => n.op.toString());
}

describe('inplace', () => {
  it('overwrites a temporary nobody reads afterwards, never a caller’s input', () => {
    const out = exp(add(exp(x), 1));
    const f = fn([x], out, { mode: { exclude: ['fusion'] } });
    expect(ops(f)).toEqual(['Elemwise{exp}', 'Elemwise{add,inplace0}', 'Elemwise{exp,inplace0}']);
    const before = X.toFlat();
    f(X);
    expect(X.toFlat()).toEqual(before);
    // In the program the in-place steps write the buffer they read.
    const [, second] = f.lastProgram!.steps;
    expect(second.outputs[0].buffer).toBe(second.inputs[0].buffer);
    expectSameResults([x], [out], [X]);
  });

  it('does not overwrite a value read later, or one that is an output', () => {
    const e = exp(x);
    const f = fn([x], [add(e, 1), mul(e, 2), e], { mode: { exclude: ['fusion'] } });
    expect(ops(f).some((o) => o.includes('inplace'))).toBe(false);
    const [a, b, c] = f(X) as NDArray[];
    expect(a.toFlat()).toEqual(X.toFlat().map((v) => Math.exp(v) + 1));
    expect(b.toFlat()).toEqual(X.toFlat().map((v) => Math.exp(v) * 2));
    expect(c.toFlat()).toEqual(X.toFlat().map(Math.exp));
  });

  it('moves an in-place op after a reader that runs later but does not need its result', () => {
    // add would overwrite e while mul still reads it: add moves after mul. mul then may not
    // overwrite e itself (add reads it after), so that choice is undone.
    const e = exp(x);
    const f = fn([x], [add(e, 1), mul(e, 2)], { mode: { exclude: ['fusion'] } });
    expect(ops(f)).toEqual(['Elemwise{exp}', 'Elemwise{mul}', 'Elemwise{add,inplace0}']);
    const [a, b] = f(X) as NDArray[];
    expect(a.toFlat()).toEqual(X.toFlat().map((v) => Math.exp(v) + 1));
    expect(b.toFlat()).toEqual(X.toFlat().map((v) => Math.exp(v) * 2));
  });

  it('keeps an op out of place when a later reader of its input needs its result', () => {
    // mul reads e and add's result: add cannot overwrite e (mul would read the sum); mul can.
    const e = exp(x);
    const out = mul(e, add(e, 1));
    const f = fn([x], out, { mode: { exclude: ['fusion'] } });
    expect(ops(f)).toEqual(['Elemwise{exp}', 'Elemwise{add}', 'Elemwise{mul,inplace0}']);
    expect((f(X) as NDArray).toFlat()).toEqual(X.toFlat().map((v) => Math.exp(v) * (Math.exp(v) + 1)));
    expect(f.fgraph.history.some((h) => h.rewrite.startsWith('inplace (undone'))).toBe(true);
  });

  it('updates a shared variable in place (SGD through gemm), after every other reader of the old value', () => {
    const W = shared(randn([2, 3], { seed: 1, dtype: 'float64' }), 'W');
    const W0 = W.get().toFlat();
    const y = dot(x, W);
    const g = matrix('g', 'float64');
    const G = randn([2, 3], { seed: 2, dtype: 'float64' });
    const upd = fn([x, g], y, { updates: [[W, sub(W, mul(0.5, dot(transpose(x), g)))]] });
    expect(ops(upd)).toContain('Gemm{alpha=-0.5, beta=1, transA=true, transB=false, inplace=true}');
    const out = upd(X, G) as NDArray;
    // The output used the old W; W now holds W - 0.5·xᵀg.
    const ref = (i: number, j: number, w: readonly number[]) => X.get(i, 0) * w[j] + X.get(i, 1) * w[3 + j];
    const expected = [0, 1].flatMap((r) =>
      [0, 1, 2].map((j) => W0[r * 3 + j] - 0.5 * (X.get(0, r) * G.get(0, j) + X.get(1, r) * G.get(1, j))),
    );
    W.get()
      .toFlat()
      .forEach((v, k) => expect(v).toBeCloseTo(expected[k], 12));
    [0, 1].forEach((i) => [0, 1, 2].forEach((j) => expect(out.get(i, j)).toBeCloseTo(ref(i, j, W0), 12)));
  });
});
