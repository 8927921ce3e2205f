import { describe, expect, it } from 'vitest';
import { transpose } from '../../../../engine/ops/dimshuffle.ts';
import { dot } from '../../../../engine/ops/linalg.ts';
import { add, exp, mul, neg, sub, tanh } from '../../../../engine/ops/math.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import { Gemm } from '../../../../engine/ops/gemm.ts';
import { specializeRewrites } from '../../../../engine/rewrite/gemm.ts';
import { matrix, vector } from '../../../../engine/tensor.ts';
import { randn } from '../../../../engine/random/rng.ts';
import { expectSameResults, opsOf, rewritten } from './harness.ts';

const a = matrix('a', 'float64');
const b = matrix('b', 'float64');
const c = matrix('c', 'float64');
const A = randn([3, 4], { seed: 1, dtype: 'float64' });
const B = randn([4, 5], { seed: 2, dtype: 'float64' });
const C = randn([3, 5], { seed: 3, dtype: 'float64' });

describe('specialize: gemm', () => {
  it('dot + C → Gemm{beta=1}(A, B, C)', () => {
    const out = add(dot(a, b), c);
    expect(opsOf(rewritten([a, b, c], [out], specializeRewrites))).toEqual([
      'Gemm{alpha=1, beta=1, transA=false, transB=false}',
    ]);
    expectSameResults([a, b, c], [out], [A, B, C], 1e-9);
  });

  it('C - k·dot(aᵀ, b) → Gemm{alpha=-k, transA} reading a untransposed', () => {
    const at = matrix('at', 'float64');
    const out = sub(c, mul(0.5, dot(transpose(at), b)));
    const fg = rewritten([at, b, c], [out], specializeRewrites);
    expect(opsOf(fg)).toEqual(['Gemm{alpha=-0.5, beta=1, transA=true, transB=false}']);
    expect(fg.outputs[0].owner!.inputs[0]).toBe(at);
    const AT = randn([4, 3], { seed: 4, dtype: 'float64' });
    expectSameResults([at, b, c], [out], [AT, B, C], 1e-9);
  });

  it('a bias vector becomes a broadcast C; -(dot - C) scales alpha and beta', () => {
    const bias = vector('bias', 'float64');
    const out = neg(sub(dot(a, b), bias));
    expect(opsOf(rewritten([a, b, bias], [out], specializeRewrites))).toEqual([
      'Gemm{alpha=-1, beta=1, transA=false, transB=false}',
    ]);
    expectSameResults([a, b, bias], [out], [A, B, randn([5], { seed: 5, dtype: 'float64' })], 1e-9);
  });

  it('of two products, the one with the smaller inner dimension takes the other, computed alone, as C', () => {
    // dh = dz·Whᵀ + dy·Wyᵀ in an LSTM's backward pass: K = 4 against K = 1 here.
    const wide = matrix('wide', 'float64', [3, 4]);
    const bw = matrix('bw', 'float64', [4, 5]);
    const thin = matrix('thin', 'float64', [3, 1]);
    const bt = matrix('bt', 'float64', [1, 5]);
    const inputs = [wide, bw, thin, bt];
    const values = [
      A,
      B,
      randn([3, 1], { seed: 5, dtype: 'float64' }),
      randn([1, 5], { seed: 6, dtype: 'float64' }),
    ];
    for (const out of [add(dot(wide, bw), dot(thin, bt)), add(dot(thin, bt), dot(wide, bw))]) {
      const fg = rewritten(inputs, [out], specializeRewrites);
      const last = fg.outputs[0].owner!;
      expect(last.op).toBeInstanceOf(Gemm);
      expect(last.inputs.slice(0, 2)).toEqual([thin, bt]);
      const c = last.inputs[2].owner!;
      expect(c.op).toBeInstanceOf(Gemm);
      expect(c.inputs).toEqual([wide, bw]);
      expect((c.op as Gemm).params.beta).toBe(0);
      expectSameResults(inputs, [out], values, 1e-9);
    }
  });

  it('of two products with the same inner dimension, the one whose A is made first runs alone', () => {
    // The first LSTM layer's dh = dz₁·Wh₁ᵀ + dz₂·Wx₂ᵀ: dz₁ comes a time step before dz₂, so its
    // product runs alone right after it and the later one adds it as C. Here `late` is made
    // from `early`, so it comes after it in every order.
    const x = matrix('x', 'float64', [3, 4]);
    const early = exp(x);
    const late = tanh(mul(early, 0.5));
    const w1 = matrix('w1', 'float64', [4, 5]);
    const w2 = matrix('w2', 'float64', [4, 5]);
    const inputs = [x, w1, w2];
    const values = [A, B, randn([4, 5], { seed: 7, dtype: 'float64' })];
    for (const out of [add(dot(early, w1), dot(late, w2)), add(dot(late, w2), dot(early, w1))]) {
      const fg = rewritten(inputs, [out], specializeRewrites);
      const last = fg.outputs[0].owner!;
      expect(last.op).toBeInstanceOf(Gemm);
      // (the graph is a copy: the products are told apart by their weights, which are inputs)
      expect(last.inputs[1]).toBe(w2);
      const alone = last.inputs[2].owner!;
      expect(alone.op).toBeInstanceOf(Gemm);
      expect(alone.inputs[1]).toBe(w1);
      expectSameResults(inputs, [out], values, 1e-9);
    }
  });

  it('keeps weight gradients over many rows apart: each its own product, summed elementwise', () => {
    // An unrolled backward pass's Σₜ xₜᵀ·dyₜ: over 16,384 rows (dy 1.3 MB) each time step's
    // product stays alone, so nothing ties one time step's steps to the next's; over 64 rows they
    // add up through C as before.
    for (const rows of [16384, 64]) {
      const xs = [0, 1, 2].map((t) => matrix(`x${t}`, 'float32', [rows, 2]));
      const dys = [0, 1, 2].map((t) => matrix(`dy${t}`, 'float32', [rows, 20]));
      const out = add(
        add(dot(transpose(xs[0]), dys[0]), dot(transpose(xs[1]), dys[1])),
        dot(transpose(xs[2]), dys[2]),
      );
      const inputs = [...xs, ...dys];
      const ops = opsOf(rewritten(inputs, [out], specializeRewrites));
      if (rows === 64) {
        expect(ops.filter((op) => op.startsWith('Gemm{alpha=1, beta=1'))).toHaveLength(2);
        continue;
      }
      expect(ops.filter((op) => op === 'Gemm{alpha=1, beta=0, transA=true, transB=false}')).toHaveLength(3);
      expect(ops.filter((op) => op === 'Elemwise{add}')).toHaveLength(2);
      const values = inputs.map((v, i) =>
        randn(v.staticShape as number[], { seed: 20 + i, dtype: 'float32' }),
      );
      expectSameResults(inputs, [out], values, 1e-3);
    }
  });

  it('leaves a product that is read elsewhere alone (it would be computed twice)', () => {
    const p = dot(a, b);
    const fg = rewritten([a, b, c], [add(p, c), exp(p)], specializeRewrites);
    expect(opsOf(fg)).toEqual([
      'Gemm{alpha=1, beta=0, transA=false, transB=false}',
      'Elemwise{add}',
      'Elemwise{exp}',
    ]);
  });

  it('does not absorb a C that broadcasts the product to a larger shape', () => {
    const row = matrix('row', 'float64', [1, null]);
    const big = matrix('big', 'float64', [3, null]);
    const fg = rewritten([row, b, big], [add(dot(row, b), big)], specializeRewrites);
    expect(opsOf(fg)).toContain('Elemwise{add}');
  });

  it('names the user’s line that built the dot when the Gemm it became fails', () => {
    const out = add(dot(a, b), c); // the line errors must point at
    const line = new Error().stack!.split('\n')[1].match(/:(\d+):/)![1];
    const f = fn([a, b, c], out);
    expect(f.fgraph.toposort()[0].op).toBeInstanceOf(Gemm);
    expect(() => f(A, C, C)).toThrow(new RegExp(`Gemm.*built at .*gemm\\.test\\.ts:${Number(line) - 1}\\)`));
  });
});
