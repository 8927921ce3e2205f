import { describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import { Dense } from '../../../../engine/nn/dense.ts';
import { Embedding } from '../../../../engine/nn/embedding.ts';
import { glorotUniform } from '../../../../engine/nn/init.ts';
import { MLP, Sequential } from '../../../../engine/nn/sequential.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { constant, matrix, tensor } from '../../../../engine/tensor.ts';
import { addRow, matmul, maxAbsDiff, type Mat } from './reference.ts';

const asMat = (a: NDArray): Mat => a.toNested() as Mat;

describe('MLP and Sequential', () => {
  it('names parameters mlp.<layer>.<W|b> in flat-vector order', () => {
    const mlp = new MLP([784, 20, 10], { rng: new Rng(0) });
    expect(mlp.namedParameters().map(([n, p]) => [n, p.get().shape])).toEqual([
      ['mlp.0.W', [784, 20]],
      ['mlp.0.b', [20]],
      ['mlp.1.W', [20, 10]],
      ['mlp.1.b', [10]],
    ]);
    expect(mlp.layout().size).toBe(15910);
    expect(mlp.parameters()[0].get().dtype).toBe('float32');
  });

  it('is reproducible from the seed', () => {
    const a = new MLP([5, 3, 2], { rng: new Rng(9) }).parameters().map((p) => p.get().toFlat());
    const b = new MLP([5, 3, 2], { rng: new Rng(9) }).parameters().map((p) => p.get().toFlat());
    expect(a).toEqual(b);
  });

  it('computes sigmoid hidden layers and linear logits like the reference', () => {
    const mlp = new MLP([4, 3, 2], { rng: new Rng(1), dtype: 'float64' });
    const x = new Rng(2).normal([5, 4], 'float64');
    const xv = matrix('x', 'float64');
    const out = fn([xv], mlp.forward(xv), { backend: 'js' })(x) as NDArray;
    const [W0, b0, W1, b1] = mlp.parameters().map((p) => p.get());
    const h = addRow(matmul(asMat(x), asMat(W0)), b0.toFlat()).map((r) =>
      r.map((v) => 1 / (1 + Math.exp(-v))),
    );
    expect(maxAbsDiff(asMat(out), addRow(matmul(h, asMat(W1)), b1.toFlat()))).toBeLessThan(1e-14);
  });

  it('passes verifyGrad w.r.t. input and parameters bound to variables', () => {
    const mlp = new MLP([4, 3, 2], { rng: new Rng(3), dtype: 'float64', activation: 'tanh' });
    const params = mlp.parameters();
    verifyGrad(
      (x: Variable, ...ws: Variable[]) => mlp.forward(x, new Map(params.map((p, i) => [p, ws[i]]))),
      [new Rng(4).normal([2, 4], 'float64'), ...params.map((p) => p.get())],
    );
  });

  it('rejects bad sizes, misnamed children and duplicate names', () => {
    expect(() => new MLP([4], { rng: new Rng(0) })).toThrow(/at least \[in, out\]/);
    expect(() => new Sequential(1, () => new Dense(2, 2, { rng: new Rng(0), name: 'other' }))).toThrow(
      /build it with name seq\.0/,
    );
  });

  it('switches training mode on the whole tree', () => {
    const mlp = new MLP([2, 2, 2], { rng: new Rng(0) });
    mlp.eval();
    expect(mlp.layers.every((l) => !l.training)).toBe(true);
    mlp.train();
    expect(mlp.layers.every((l) => l.training)).toBe(true);
  });
});

describe('Dense', () => {
  it('uses PyTorch’s default init U(±1/√in) and accepts other initialisers', () => {
    const d = new Dense(100, 50, { rng: new Rng(0), dtype: 'float64' });
    const w = d.W.get().toFlat();
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.1);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.099);
    const g = new Dense(100, 50, { rng: new Rng(0), weightInit: glorotUniform(), bias: false });
    expect(g.b).toBeNull();
    expect(g.parameters().map((p) => p.name)).toEqual(['dense.W']);
  });
});

describe('Embedding', () => {
  it('looks up rows and sends gradients only to the rows used', () => {
    const emb = new Embedding(6, 3, { rng: new Rng(5), dtype: 'float64', name: 'emb' });
    expect(emb.parameters().map((p) => p.name)).toEqual(['emb.W']);
    const ids = tensor('int32', [2, 2], 'ids');
    const idsValue = NDArray.of(
      [
        [1, 4],
        [4, 0],
      ],
      'int32',
    );
    const out = fn([ids], emb.forward(ids), { backend: 'js' })(idsValue) as NDArray;
    const W = emb.W.get().toNested() as Mat;
    expect(out.shape).toEqual([2, 2, 3]);
    expect(out.toNested()).toEqual([
      [W[1], W[4]],
      [W[4], W[0]],
    ]);
    verifyGrad((w: Variable) => emb.forward(constant(idsValue), new Map([[emb.W, w]])), [emb.W.get()]);
    expect(() => emb.forward(matrix('x'))).toThrow(/token ids must be int32/);
  });
});

describe('state dicts', () => {
  it('round-trips parameter values by name and refuses mismatched files whole', () => {
    const a = new MLP([3, 2, 2], { rng: new Rng(1) });
    const b = new MLP([3, 2, 2], { rng: new Rng(2) });
    b.loadStateDict(a.stateDict());
    expect(b.parameters().map((p) => p.get().toFlat())).toEqual(a.parameters().map((p) => p.get().toFlat()));

    const before = b.parameters().map((p) => p.get().toFlat());
    const { 'mlp.1.b': _dropped, ...partial } = a.stateDict();
    expect(() => b.loadStateDict(partial)).toThrow(/missing mlp\.1\.b/);
    expect(() => b.loadStateDict({ ...a.stateDict(), extra: NDArray.zeros([1]) })).toThrow(
      /unexpected extra/,
    );
    const wrongShape = { ...a.stateDict(), 'mlp.1.b': NDArray.zeros([3]) };
    expect(() => b.loadStateDict(wrongShape)).toThrow(/mlp\.1\.b got shape \(3,\)/);
    const wrongType = { ...a.stateDict(), 'mlp.0.b': NDArray.zeros([2], 'float64') };
    expect(() => b.loadStateDict(wrongType)).toThrow(/mlp\.0\.b got dtype float64/);
    // Nothing was half-loaded.
    expect(b.parameters().map((p) => p.get().toFlat())).toEqual(before);
  });
});
