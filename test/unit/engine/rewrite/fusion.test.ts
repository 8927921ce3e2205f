import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import { Composite } from '../../../../engine/ops/composite.ts';
import { Elemwise } from '../../../../engine/ops/elemwise.ts';
import { dimshuffle } from '../../../../engine/ops/dimshuffle.ts';
import { split } from '../../../../engine/ops/join.ts';
import { add, cast, exp, gt, mul, relu, sigmoid, sub, tanh, where } from '../../../../engine/ops/math.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { dot } from '../../../../engine/ops/linalg.ts';
import { subtensor } from '../../../../engine/ops/subtensor.ts';
import { take } from '../../../../engine/ops/take.ts';
import { reduce } from '../../../../engine/ops/reduce.ts';
import { fusion } from '../../../../engine/rewrite/fusion.ts';
import { matrix, scalar, vector } from '../../../../engine/tensor.ts';
import { expectSameResults, opsOf, rewritten } from './harness.ts';

const x = matrix('x', 'float32');
const v = vector('v', 'float32');
const X = NDArray.of(
  [
    [0.5, -1, 3],
    [2, 0.25, -4],
  ],
  'float32',
);
const V = NDArray.of([1, -2, 0.5], 'float32');

describe('fusion', () => {
  it('leaves a producer smaller than the kernel (a scalar, a bias row) outside, so it is computed once', () => {
    const t = scalar('t', 'float32');
    // Adam's bias correction: 1 - 0.9^t is one number per step, not one per element.
    const correction = sub(1, exp(mul(t, -0.5)));
    const out = sigmoid(mul(exp(x), correction));
    const fg = rewritten([x, t], [out], [fusion]);
    expect(opsOf(fg)).toEqual(['Composite{(1 - exp((i0 * -0.5)))}', 'Composite{sigmoid((exp(i0) * i1))}']);
    expectSameResults([x, t], [out], [X, NDArray.scalar(3, 'float32')], 1e-6);
  });

  it('turns a chain of elementwise ops into one Composite with scalar constants inlined', () => {
    const out = sigmoid(add(mul(x, 2), v));
    const fg = rewritten([x, v], [out], [fusion]);
    expect(opsOf(fg)).toEqual(['Composite{sigmoid(((i0 * 2) + i1))}']);
    const node = fg.outputs[0].owner!;
    expect(node.inputs).toEqual([x, v]);
    expect((node.op as Composite).native().attrs.outputs).toEqual([
      {
        op: 'sigmoid',
        args: [
          {
            op: 'add',
            args: [{ op: 'mul', args: [{ input: 0 }, { const: 2, dtype: 'float32' }] }, { input: 1 }],
          },
        ],
      },
    ]);
    expectSameResults([x, v], [out], [X, V], 1e-6);
  });

  it('is bit-identical to the unfused chain in float32 (every step rounds as a stored temporary would)', () => {
    const out = exp(sub(mul(x, 0.1), mul(x, x)));
    const fused = fn([x], out)(X) as NDArray;
    const plain = fn([x], out, { mode: { exclude: ['fusion'] } })(X) as NDArray;
    expect(Array.from(fused.data)).toEqual(Array.from(plain.data));
  });

  it('exports a value also read elsewhere as an extra output of the composite', () => {
    const h = exp(x);
    const outs = [add(h, 1), mul(reduce('sum', mul(h, 3), 1), 2)];
    const fg = rewritten([x], outs, [fusion]);
    expect(opsOf(fg)).toEqual([
      'Composite{(exp(i0) + 1), exp(i0)}',
      'Elemwise{mul}',
      'Reduce{sum, axes=[1]}',
      'Elemwise{mul}',
    ]);
    const composite = fg.outputs[0].owner!;
    expect(composite.outputs).toHaveLength(2);
    expect(fg.toposort()[1].inputs[0]).toBe(composite.outputs[1]);
    expectSameResults([x], outs, [X]);
  });

  it('does not export a value whose other reader feeds back into the group (that would be a cycle)', () => {
    const h = exp(x);
    const out = add(h, reduce('sum', h, 1, true));
    expect(opsOf(rewritten([x], [out], [fusion]))).toEqual([
      'Elemwise{exp}',
      'Reduce{sum, axes=[1], keepdims}',
      'Elemwise{add}',
    ]);
    expectSameResults([x], [out], [X]);
  });

  it('exports only values of the output’s shape (one kernel, one index space)', () => {
    const e = exp(v);
    const outs = [add(x, e), mul(e, 2)];
    const fg = rewritten([x, v], outs, [fusion]);
    // exp(v) would have to be written over x's larger shape by the add's kernel: it stays apart.
    expect(opsOf(fg)).toEqual(['Elemwise{exp}', 'Elemwise{add}', 'Elemwise{mul}']);
    expectSameResults([x, v], outs, [X, V]);
  });

  it('exports the values of an LSTM cell whose batch is known only at run time (gates split from one matrix)', () => {
    // The batch size reaches the cell through the embedding (take), the time step (x[t]) and the
    // gate split: each keeps the batch's symbolic size, so the cell's values are provably of the
    // output's shape and become extra outputs of one composite instead of ~10 kernels.
    const table = matrix('table', 'float32');
    const ids = matrix('ids', 'int32');
    const timeMajor = dimshuffle(take(table, ids, 0), 1, 0, 2); // [time, batch, 4·H]
    const gates = (t: number) => split(subtensor(timeMajor, t), [2, 2, 2, 2], 1); // x[t]'s gates
    const cPrev = tanh(gates(0)[0]); // a state of the batch's size, from the step before
    const [zi, zf, zg, zo] = gates(1);
    const c = add(mul(sigmoid(zf), cPrev), mul(sigmoid(zi), tanh(zg)));
    const h = mul(sigmoid(zo), tanh(c));
    const outs = [h, c];
    const fg = rewritten([table, ids], outs, [fusion]);
    const elementwise = fg.toposort().filter((n) => n.op instanceof Composite || n.op instanceof Elemwise);
    expect(elementwise).toHaveLength(1);
    expect(elementwise[0].outputs).toHaveLength(2);
    const T8 = NDArray.from(
      Array.from({ length: 24 }, (_, i) => Math.sin(i)),
      [3, 8],
      'float32',
    );
    const I = NDArray.from([0, 2, 1, 1, 2, 0], [3, 2], 'int32');
    expectSameResults([table, ids], outs, [T8, I], 1e-6);
  });

  it("relu's gradient masks on the output, so a fused relu(x + b) stores no pre-activation", () => {
    // A product between the forward and the backward, as in a network: the mask's composite
    // runs after the product's gradient, apart from relu(x + b)'s.
    const b = vector('b', 'float32');
    const w = matrix('w', 'float32');
    const y = relu(add(x, b));
    const loss = reduce('sum', dot(y, w));
    const compiled = fn([x, b, w], [y, ...grad(loss, [x])]);
    const forward = compiled.fgraph.toposort().find((n) => n.op.toString().startsWith('Composite{relu'));
    expect(forward?.outputs).toHaveLength(1); // x + b was its second output, for the mask
    // The same gradient as the mask on x + b: where it is 0 or NaN, 0.
    const B = NDArray.of([-0.5, 1, NaN], 'float32');
    const W = NDArray.of([[1], [2], [3]], 'float32');
    const [, gx] = compiled(X, B, W) as NDArray[];
    const xb = [0.5 - 0.5, -1 + 1, NaN, 2 - 0.5, 0.25 + 1, NaN];
    expect(Array.from(gx.data)).toEqual(xb.map((v, i) => (v > 0 ? [1, 2, 3][i % 3] : 0)));
  });

  it('handles comparisons, casts and where inside one kernel', () => {
    const out = where(gt(x, 0), cast(gt(x, 1), 'float32'), mul(x, x));
    const fg = rewritten([x], [out], [fusion]);
    expect(opsOf(fg)).toHaveLength(1);
    expectSameResults([x], [out], [X]);
  });

  it('absorbs an existing Composite into a larger one', () => {
    const inner = rewritten([x], [exp(add(x, 1))], [fusion]).outputs[0];
    expect(inner.owner!.op).toBeInstanceOf(Composite);
    const fg = rewritten([x], [mul(inner, 3)], [fusion]);
    expect(opsOf(fg)).toEqual(['Composite{(exp((i0 + 1)) * 3)}']);
  });

  it('splits fusions that would not fit one native kernel (expanded trees of at most 64 registers)', () => {
    // Each step uses y twice, so one expression tree for the whole chain would double per step.
    let y = x;
    for (let i = 0; i < 10; i++) y = add(mul(y, y), y);
    const fg = rewritten([x], [y], [fusion]);
    const composites = fg.toposort().filter((n) => n.op instanceof Composite);
    expect(composites.length).toBeGreaterThan(1);
    for (const node of composites) {
      const size = (e: unknown): number =>
        typeof e === 'object' && e !== null && 'args' in e
          ? 1 + (e.args as unknown[]).reduce<number>((a, b) => a + size(b), 0)
          : 1;
      const total = (node.op as Composite).exprs.reduce((a, e) => a + size(e), 0);
      expect(node.inputs.length + total).toBeLessThanOrEqual(64);
    }
    expectSameResults(
      [x],
      [y],
      [
        NDArray.of(
          [
            [0.1, -0.2, 0.05],
            [0.3, 0.01, -0.1],
          ],
          'float32',
        ),
      ],
      1e-5,
    );
  });
});
