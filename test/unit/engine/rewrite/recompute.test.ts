import { describe, expect, it } from 'vitest';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { Composite } from '../../../../engine/ops/composite.ts';
import { split } from '../../../../engine/ops/join.ts';
import { add, mul, sigmoid, tanh } from '../../../../engine/ops/math.ts';
import { dot } from '../../../../engine/ops/linalg.ts';
import { reduce } from '../../../../engine/ops/reduce.ts';
import { recompute } from '../../../../engine/rewrite/recompute.ts';
import '../../../../engine/backends/cpu.ts';
import { tensor } from '../../../../engine/tensor.ts';
import { composite, expectSameResults, float32Of, i, op, opsOf, rewritten } from './harness.ts';

const x = tensor('float32', [2, 3], 'x');
const y = tensor('float32', [2, 3], 'y');
const X = NDArray.from([0.5, -1, 3, 2, 0.25, -4], [2, 3], 'float32');
const Y = NDArray.from([1, -2, 0.5, 0.75, -0.125, 6], [2, 3], 'float32');

/** A cell-like host: c = x·y stored for a reader of its own, and tanh(c) beside it. */
function host(): readonly Variable[] {
  const c = op('mul', i(0), i(1));
  return composite([c, op('tanh', c)], x, y);
}

describe('recompute', () => {
  it('stops storing tanh(c) beside c: its reader reads c and applies tanh itself', () => {
    const [c, t] = host();
    const [cReader] = composite([op('exp', i(0))], c);
    const [tReader] = composite([op('mul', i(0), i(1))], t, y);
    const fg = rewritten([x, y], [cReader, tReader], [recompute]);
    expect(opsOf(fg)).toEqual(['Composite{(i0 * i1)}', 'Composite{exp(i0)}', 'Composite{(tanh(i1) * i0)}']);
    expectSameResults([x, y], [cReader, tReader], [X, Y]);
  });

  it('takes both activations of one stored value, and reuses an input the reader already has', () => {
    const c = op('mul', i(0), i(1));
    const [cOut, t, s] = composite([c, op('tanh', c), op('sigmoid', c)], x, y);
    const [reader] = composite([op('add', op('mul', i(0), i(1)), i(2))], t, s, cOut);
    const fg = rewritten([x, y], [cOut, reader], [recompute]);
    expect(opsOf(fg)).toEqual(['Composite{(i0 * i1)}', 'Composite{((tanh(i0) * sigmoid(i0)) + i0)}']);
    expectSameResults([x, y], [cOut, reader], [X, Y]);
  });

  it('keeps tanh(c) stored where it is a result of the function or a non-elementwise op reads it', () => {
    const [c, t] = host();
    const [cReader] = composite([op('exp', i(0))], c);
    const [tReader] = composite([op('mul', i(0), i(1))], t, y);
    expect(opsOf(rewritten([x, y], [cReader, tReader, t], [recompute]))[0]).toBe(
      'Composite{(i0 * i1), tanh((i0 * i1))}',
    );
    const rowSums = reduce('sum', t, 1);
    expect(opsOf(rewritten([x, y], [cReader, rowSums], [recompute]))[0]).toBe(
      'Composite{(i0 * i1), tanh((i0 * i1))}',
    );
  });

  it('keeps tanh(c) stored where only its readers read c (one stored array would replace another)', () => {
    const [c, t] = host();
    const [reader] = composite([op('mul', i(0), i(1))], t, c);
    expect(opsOf(rewritten([x, y], [reader], [recompute]))[0]).toBe('Composite{(i0 * i1), tanh((i0 * i1))}');
  });

  it('leaves exp(c) stored: only activations cheaper than a trip through memory are recomputed', () => {
    const c = op('mul', i(0), i(1));
    const [cOut, e] = composite([c, op('exp', c)], x, y);
    const [reader] = composite([op('mul', i(0), i(1))], e, y);
    expect(opsOf(rewritten([x, y], [cOut, reader], [recompute]))[0]).toBe(
      'Composite{(i0 * i1), exp((i0 * i1))}',
    );
  });

  it("makes the LSTM's forward cell store c and not tanh(c), with the same bits on the cpu backend", () => {
    const H = 3;
    const z = tensor('float32', [8, 4 * H], 'z');
    const cPrev = tensor('float32', [8, H], 'cPrev');
    const w = tensor('float32', [H, H], 'w');
    const [zi, zf, zg, zo] = split(z, [H, H, H, H], 1);
    const c = add(mul(sigmoid(zf), cPrev), mul(sigmoid(zi), tanh(zg)));
    const h = mul(sigmoid(zo), tanh(c));
    // The next time step reads c (its cell state) and h through a product, so the backward
    // cell is a kernel of its own that reads the forward cell's saved values.
    const hNext = mul(sigmoid(dot(h, w)), c);
    const loss = reduce('sum', mul(hNext, hNext));
    const outputs = [hNext, ...grad(loss, [z, cPrev, w])];
    const recomputed = fn([z, cPrev, w], outputs, { backend: 'cpu' });
    const stored = fn([z, cPrev, w], outputs, { backend: 'cpu', mode: { exclude: ['recompute'] } });
    const tanhOfOutput = (f: typeof recomputed) =>
      f.fgraph
        .toposort()
        .filter((n) => n.op instanceof Composite)
        .flatMap((n) => (n.op as Composite).exprs)
        .filter((e) => 'op' in e && e.op === 'tanh' && 'op' in e.args[0] && e.args[0].op === 'add');
    expect(tanhOfOutput(stored)).toHaveLength(1);
    expect(tanhOfOutput(recomputed)).toHaveLength(0);
    const Z = float32Of([8, 4 * H], (k) => Math.sin(k * 0.7) * 2);
    const C = float32Of([8, H], (k) => Math.cos(k));
    const W = NDArray.from([0.5, -1, 2, 1.5, 0.25, -0.75, 1, 2, -3], [H, H], 'float32');
    const got = recomputed(Z, C, W) as NDArray[];
    const want = stored(Z, C, W) as NDArray[];
    got.forEach((g, k) => expect(Array.from(g.data)).toEqual(Array.from(want[k].data)));
  });
});
