import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import { transpose } from '../../../../engine/ops/dimshuffle.ts';
import { dot } from '../../../../engine/ops/linalg.ts';
import { add, div, exp, mul, sqr, sqrt, sub } from '../../../../engine/ops/math.ts';
import { matrix, shared } from '../../../../engine/tensor.ts';
import { cpuBackendAvailable } from '../../../../engine/backends/cpu/index.ts';
import { Composite, type CompositeExpr } from '../../../../engine/ops/composite.ts';
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

  // An Adam-shaped update: one fused composite computes θ′, m′ and v′ from θ, m, v and the
  // gradient g. Each output overwrites its own shared variable; none is copied afterwards.
  const adamLike = (backend: 'js' | 'cpu') => {
    const seed = (k: number) => randn([3, 4], { seed: k, dtype: 'float64' });
    const theta = shared(seed(1), 'theta');
    const m = shared(seed(2), 'm');
    const v = shared(positive(seed(3)), 'v');
    const g = exp(x); // computed by the graph, dead after the update: a candidate too
    const m1 = add(mul(0.9, m), mul(0.1, g));
    const v1 = add(mul(0.999, v), mul(0.001, sqr(g)));
    const theta1 = sub(theta, mul(0.01, div(m1, add(sqrt(v1), 1e-8))));
    const f = fn([x], [], {
      updates: [
        [theta, theta1],
        [m, m1],
        [v, v1],
      ],
      backend,
    });
    return { f, theta, m, v, start: [seed(1), seed(2), positive(seed(3))].map((a) => a.toFlat()) };
  };
  const positive = (a: NDArray) => new NDArray(Float64Array.from(a.toFlat(), Math.abs), a.shape);
  const X34 = randn([3, 4], { seed: 4, dtype: 'float64' });

  for (const backend of ['js', 'cpu'] as const) {
    it.runIf(backend === 'js' || cpuBackendAvailable())(
      `a composite's outputs each overwrite their own shared variable (Adam's θ, m, v; ${backend})`,
      () => {
        const { f, theta, m, v, start } = adamLike(backend);
        const composites = ops(f).filter((o) => o.startsWith('Composite'));
        expect(composites).toHaveLength(1);
        // m′ takes m (input 1), not the dead gradient it also reads; v′ takes v.
        expect(composites[0]).toMatch(/, inplace\[\d,\d,\d\]\}$/);
        const node = f.fgraph.toposort().find((n) => n.op.toString().startsWith('Composite'))!;
        const destroys = node.op.aliasMap!().destroys!;
        expect([0, 1, 2].map((k) => node.inputs[destroys[k]].name)).toEqual(['theta', 'm', 'v']);
        f(X34);
        // No copy step writes an update: the composite wrote the shared buffers themselves.
        expect(f.lastProgram!.steps.filter((s) => s.opName.startsWith('update of'))).toEqual([]);
        // float64 reference, one element at a time
        const gx = X34.toFlat().map(Math.exp);
        const m1 = start[1].map((mi, k) => 0.9 * mi + 0.1 * gx[k]);
        const v1 = start[2].map((vi, k) => 0.999 * vi + 0.001 * gx[k] * gx[k]);
        const t1 = start[0].map((ti, k) => ti - 0.01 * (m1[k] / (Math.sqrt(v1[k]) + 1e-8)));
        for (const [variable, expected] of [
          [theta, t1],
          [m, m1],
          [v, v1],
        ] as const) {
          variable
            .get()
            .toFlat()
            .forEach((value, k) => expect(value).toBeCloseTo(expected[k], 12));
        }
      },
    );

    it.runIf(backend === 'js' || cpuBackendAvailable())(
      `an output overwriting an input that another output still reads reads it first (${backend})`,
      () => {
        // a = x·x is dead after the composite (built by hand, so that exactly this one exists).
        // Output 0 (a > 0, bool) cannot take a's float64 buffer; output 1 (a + 1) does, while
        // outputs 0 and 2 (a − x) still read a for the same elements.
        const a = dot(x, x);
        const i = (input: number): CompositeExpr => ({ input });
        const zero: CompositeExpr = { const: 0, dtype: 'float64' };
        const one: CompositeExpr = { const: 1, dtype: 'float64' };
        const outs = new Composite(
          [
            { op: 'gt', args: [i(0), zero] },
            { op: 'add', args: [i(0), one] },
            { op: 'sub', args: [i(0), i(1)] },
          ],
          ['float64', 'float64'],
        ).makeNode(a, x).outputs;
        const f = fn([x], outs, { backend, mode: { exclude: ['fusion'] } });
        expect(ops(f)).toEqual([
          'Gemm{alpha=1, beta=0, transA=false, transB=false}',
          'Composite{gt(i0, 0), (i0 + 1), (i0 - i1), inplace[_,0,_]}',
        ]);
        const [positive, plusOne, minusX] = f(X) as NDArray[];
        const [p, q, r, t] = X.toFlat();
        const ax = [p * p + q * r, p * q + q * t, r * p + t * r, r * q + t * t];
        expect(positive.toFlat()).toEqual(ax.map((e) => (e > 0 ? 1 : 0)));
        expect(plusOne.toFlat()).toEqual(ax.map((e) => e + 1));
        expect(minusX.toFlat()).toEqual(ax.map((e, k) => e - X.toFlat()[k]));
      },
    );
  }
});
