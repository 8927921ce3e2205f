import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import { Elemwise } from '../../../../engine/ops/elemwise.ts';
import { add, cast, exp, mul, sigmoid } from '../../../../engine/ops/math.ts';
import { transpose } from '../../../../engine/ops/dimshuffle.ts';
import { reduce } from '../../../../engine/ops/reduce.ts';
import { reshape } from '../../../../engine/ops/reshape.ts';
import { shapeOf } from '../../../../engine/ops/shapeOps.ts';
import { matrix, vector } from '../../../../engine/tensor.ts';

const x = matrix('x', 'float64');
const X = NDArray.of(
  [
    [0.5, -1, 2],
    [2, 0.25, 1],
  ],
  'float64',
);
const none = { mode: { exclude: ['all'] }, backend: 'js' as const };

describe('lowering and buffer planning', () => {
  it('reuses a temporary once its value is dead', () => {
    // a → b → c → d: each temporary dies at the next step, so two buffers serve four values.
    const out = reduce('sum', sigmoid(exp(sigmoid(exp(x)))));
    const f = fn([x], out, none);
    const value = (f(X) as NDArray).toFlat()[0];
    const expected = X.toFlat().reduce(
      (s, v) => s + 1 / (1 + Math.exp(-Math.exp(1 / (1 + Math.exp(-Math.exp(v)))))),
      0,
    );
    expect(value).toBeCloseTo(expected, 12);
    const temps = f.lastProgram!.buffers.filter((b) => b.role === 'temp');
    expect(temps).toHaveLength(2);
    expect(f.lastProgram!.steps).toHaveLength(5);
  });

  it('keeps values alive while a later step reads them', () => {
    const e = exp(x);
    const out = add(mul(e, 2), e);
    const f = fn([x], out, none);
    expect((f(X) as NDArray).toFlat()).toEqual(X.toFlat().map((v) => Math.exp(v) * 2 + Math.exp(v)));
    const [first, second] = f.lastProgram!.steps;
    expect(second.outputs[0].buffer).not.toBe(first.outputs[0].buffer);
  });

  it('computes shape(x) at lowering, so the node computing x never runs', () => {
    const f = fn([x], shapeOf(exp(x)));
    expect(Array.from((f(X) as NDArray).data)).toEqual([2, 3]);
    expect(f.lastProgram!.steps.map((s) => s.kernel)).toEqual(['copy']);
  });

  it('gives the caller outputs of its own, even when an output is an input', () => {
    const f = fn([x], [x, exp(x)], none);
    const [same, e] = f(X) as NDArray[];
    expect(same.data).not.toBe(X.data);
    expect(same.toFlat()).toEqual(X.toFlat());
    expect(e.toFlat()).toEqual(X.toFlat().map(Math.exp));
  });

  it('lays view ops out as views (no step), and copies only where the memory cannot be viewed', () => {
    const viewed = fn([x], exp(reshape(x, [3, 2])), none);
    expect((viewed(X) as NDArray).toFlat()).toEqual(X.toFlat().map(Math.exp));
    expect(viewed.lastProgram!.steps.map((s) => s.opName)).toEqual(['Elemwise{exp}']);
    // A reshape of a transposed matrix is not expressible as strides: it runs (and copies).
    const copied = fn([x], exp(reshape(transpose(x), [2, 3])), none);
    const t = [0.5, 2, -1, 0.25, 2, 1];
    expect((copied(X) as NDArray).toFlat()).toEqual(t.map(Math.exp));
    expect(copied.lastProgram!.steps.map((s) => s.opName)).toEqual([
      'Reshape{shape=[2, 3]}',
      'Elemwise{exp}',
    ]);
  });

  it('never lets an in-place op overwrite a value folded at lowering (it is read again next call)', () => {
    const v = vector('v', 'float64');
    const dims = cast(shapeOf(x), 'float64');
    const out = new Elemwise('add', { inplace: 0 }).apply(dims, v);
    const f = fn([x, v], out, none);
    const V = NDArray.of([10, 20], 'float64');
    expect((f(X, V) as NDArray).toFlat()).toEqual([12, 23]);
    expect((f(X, V) as NDArray).toFlat()).toEqual([12, 23]);
    const [step] = f.lastProgram!.steps;
    expect(step.outputs[0].buffer).not.toBe(step.inputs[0].buffer);
  });

  it('gives a new temporary the free buffer freed last, whose memory is likeliest still in cache', () => {
    // exp(x) dies where exp(x) + sigmoid(x) is formed, that sum where it is summed; the next
    // temporary, sigmoid(x)·3, has both their buffers to choose from and takes the sum's.
    const big = matrix('big', 'float64');
    const s = sigmoid(big);
    const total = add(reduce('sum', add(exp(big), s)), reduce('sum', mul(s, 3)));
    const f = fn([big], exp(mul(big, total)), none);
    const B = new NDArray(
      new Float64Array(100).map((_, i) => (i - 50) / 25),
      [10, 10],
    );
    const sig = B.toFlat().map((v) => 1 / (1 + Math.exp(-v)));
    const t = B.toFlat().reduce((acc, v, i) => acc + Math.exp(v) + sig[i] + 3 * sig[i], 0);
    const got = (f(B) as NDArray).toFlat();
    B.toFlat().forEach((v, i) => expect(got[i]).toBeCloseTo(Math.exp(v * t), 9));
    const steps = f.lastProgram!.steps;
    expect(steps.map((st) => st.opName).slice(0, 5)).toEqual([
      'Elemwise{exp}',
      'Elemwise{sigmoid}',
      'Elemwise{add}',
      'Reduce{sum, axes=[0,1]}',
      'Elemwise{mul}',
    ]);
    const [expStep, , , firstSum, scaled] = steps;
    expect(scaled.outputs[0].buffer).toBe(firstSum.inputs[0].buffer);
    expect(scaled.outputs[0].buffer).not.toBe(expStep.outputs[0].buffer);
  });
});
