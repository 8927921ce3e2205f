import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { Composite, type CompositeExpr } from '../../../../engine/ops/composite.ts';
import { Concatenate, split } from '../../../../engine/ops/join.ts';
import { add, exp, mul, sigmoid, tanh } from '../../../../engine/ops/math.ts';
import { dot } from '../../../../engine/ops/linalg.ts';
import { reduce } from '../../../../engine/ops/reduce.ts';
import { siblingFusion } from '../../../../engine/rewrite/siblingFusion.ts';
import '../../../../engine/backends/cpu.ts';
import { scalar, tensor, vector } from '../../../../engine/tensor.ts';
import { composite, expectSameResults, float32Of, i, op, opsOf, rewritten } from './harness.ts';

// Static shapes: composites merge only where their index spaces are provably one.
const x = tensor('float32', [2, 3], 'x');
const y = tensor('float32', [2, 3], 'y');
const X = NDArray.from([0.5, -1, 3, 2, 0.25, -4], [2, 3], 'float32');
const Y = NDArray.from([1, -2, 0.5, 0.75, -0.125, 6], [2, 3], 'float32');

describe('siblingFusion', () => {
  it('merges composites that read the same array into one with the outputs of both', () => {
    const [a] = composite([op('exp', i(0))], x);
    const [b] = composite([op('mul', i(0), i(1))], x, y);
    const fg = rewritten([x, y], [a, b], [siblingFusion]);
    expect(opsOf(fg)).toEqual(['Composite{exp(i0), (i0 * i1)}']);
    expect(fg.outputs[0].owner).toBe(fg.outputs[1].owner);
    expectSameResults([x, y], [a, b], [X, Y]);
  });

  it("computes a reader's use of the host's output from the host's inputs, keeping only outputs read elsewhere", () => {
    // Two outputs, as the LSTM backward's cell-gradient composite: fusion leaves its readers apart.
    const [e, e1] = composite(
      [op('exp', i(0)), op('add', op('exp', i(0)), { const: 1, dtype: 'float32' })],
      x,
    );
    const [r] = composite([op('mul', i(0), i(1))], e1, y);
    const fg = rewritten([x, y], [e, r], [siblingFusion]);
    // exp(x) + 1 was read by the reader alone: no longer an output.
    expect(opsOf(fg)).toEqual(['Composite{exp(i0), ((exp(i0) + 1) * i1)}']);
    expectSameResults([x, y], [e, r], [X, Y]);
  });

  it('leaves apart a reader whose other input depends on the host (one kernel would read its own result)', () => {
    const [e, e1] = composite([op('exp', i(0)), op('add', i(0), { const: 1, dtype: 'float32' })], x);
    const rowSums = reduce('sum', e, 1, true);
    const [r] = composite([op('mul', i(0), i(1))], e1, rowSums);
    const fg = rewritten([x], [r], [siblingFusion]);
    expect(opsOf(fg)).toEqual([
      'Composite{exp(i0), (i0 + 1)}',
      'Reduce{sum, axes=[1], keepdims}',
      'Composite{(i0 * i1)}',
    ]);
  });

  it('keeps the order valid when a merge moves the host past readers of its outputs', () => {
    // The host's first output feeds a sum and a composite that also reads x; a later composite
    // merges into the host, which then runs after that reader's old place. The reader must not
    // be taken for a later partner of its own producer (a cycle: a random graph found it).
    const [e, e1] = composite(
      [op('exp', i(0)), op('add', op('exp', i(0)), { const: 1, dtype: 'float32' })],
      x,
    );
    const rowSums = reduce('sum', e, 1, true);
    const [reader] = composite([op('add', op('mul', i(0), i(1)), i(2))], e, rowSums, x);
    const [later] = composite([op('mul', i(0), i(1))], e1, x);
    const fg = rewritten([x], [reader, later], [siblingFusion]);
    expect(opsOf(fg)).toEqual([
      'Composite{exp(i0), ((exp(i0) + 1) * i0)}',
      'Reduce{sum, axes=[1], keepdims}',
      'Composite{((i0 * i1) + i2)}',
    ]);
    expectSameResults([x], [reader, later], [X]);
  });

  it('merges only composites over one index space that share a whole-size array', () => {
    const v = vector('v', 'float32');
    const t = scalar('t', 'float32');
    const [a] = composite([op('exp', i(0))], v); // another shape
    const [b] = composite([op('mul', i(0), i(1))], x, t); // shares only the scalar with c
    const [c] = composite([op('add', i(0), i(1))], y, t);
    const fg = rewritten([x, y, v, t], [a, b, c], [siblingFusion]);
    expect(opsOf(fg)).toHaveLength(3);
  });

  it('merges only partners that run soon after the host (at most 64 steps later in the order)', () => {
    const withSteps = (steps: number) => {
      const [a] = composite([op('exp', i(0))], x);
      let chain = y;
      for (let k = 0; k < steps; k++) chain = exp(chain); // plain Elemwise steps, run between the two
      const [b] = composite([op('mul', i(0), i(1))], x, chain);
      return opsOf(rewritten([x, y], [a, b], [siblingFusion])).filter((o) => o.startsWith('Composite'));
    };
    expect(withSteps(10)).toHaveLength(1);
    expect(withSteps(70)).toHaveLength(2);
  });

  it('leaves apart composites that together would pass the native kernel’s 32 operands', () => {
    const many = Array.from({ length: 17 }, (_, k) => tensor('float32', [2, 3], `m${k}`));
    const sum = (from: number): CompositeExpr =>
      many.slice(1).reduce<CompositeExpr>((acc, _, k) => op('add', acc, i(from + k + 1)), i(from));
    const [a] = composite([sum(0)], ...many);
    const others = Array.from({ length: 16 }, (_, k) => tensor('float32', [2, 3], `n${k}`));
    const [b] = composite([op('mul', i(0), i(1))], many[0], others[0]);
    const [c] = composite([sum(0)], many[0], ...others);
    // a and b fit together (18 inputs, 2 outputs); c would bring the total past 32.
    const fg = rewritten([...many, ...others], [a, b, c], [siblingFusion]);
    expect(opsOf(fg).map((s) => s.split('), ').length)).toHaveLength(2);
    fg.toposort().forEach((n) => expect(n.inputs.length + n.outputs.length).toBeLessThanOrEqual(32));
  });

  it("makes the LSTM backward's gate gradients one kernel, with the same bits on the cpu backend", () => {
    const H = 3;
    const z = tensor('float32', [8, 4 * H], 'z');
    const cPrev = tensor('float32', [8, H], 'cPrev');
    const y = tensor('float32', [8, H], 'y');
    const [zi, zf, zg, zo] = split(z, [H, H, H, H], 1);
    const c = add(mul(sigmoid(zf), cPrev), mul(sigmoid(zi), tanh(zg)));
    const h = mul(sigmoid(zo), tanh(c));
    const w = tensor('float32', [H, H], 'w');
    // h's gradient comes through a product with h itself, as the next time step's gates do:
    // the forward cell cannot join the backward kernel.
    const hw = dot(h, w);
    const loss = add(reduce('sum', mul(hw, hw)), reduce('sum', mul(c, y)));
    const outputs = [h, ...grad(loss, [z, cPrev])];
    const merged = fn([z, cPrev, y, w], outputs, { backend: 'cpu' });
    const apart = fn([z, cPrev, y, w], outputs, { backend: 'cpu', mode: { exclude: ['siblingFusion'] } });
    // The kernels making the four gate gradients that z's gradient joins: four before, one now.
    const gateKernels = (f: typeof merged) => {
      const join = f.fgraph.toposort().find((n) => n.op instanceof Concatenate)!;
      return new Set(join.inputs.map((v) => v.owner));
    };
    expect(gateKernels(apart).size).toBe(4);
    expect(gateKernels(merged).size).toBe(1);
    expect([...gateKernels(merged)][0]!.op).toBeInstanceOf(Composite);
    const Z = float32Of([8, 4 * H], (k) => Math.sin(k * 0.7) * 2);
    const C = float32Of([8, H], (k) => Math.cos(k));
    const W = float32Of([8, H], (k) => Math.sin(k * 1.3));
    const M = NDArray.from([0.5, -1, 2, 1.5, 0.25, -0.75, 1, 2, -3], [H, H], 'float32');
    const got = merged(Z, C, W, M) as NDArray[];
    const want = apart(Z, C, W, M) as NDArray[];
    got.forEach((g, k) => expect(Array.from(g.data)).toEqual(Array.from(want[k].data)));
  });
});
