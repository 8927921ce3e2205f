import { describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import type { NDArray } from '../../../../engine/core/ndarray.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import { GRU, GRUCell } from '../../../../engine/nn/gru.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { matrix, tensor } from '../../../../engine/tensor.ts';
import { findPython, runPythonJson } from '../../../support/python.ts';
import { asMat, weightsOf } from './cellWeights.ts';
import { gruCellRef, maxAbsDiff, type Mat } from './reference.ts';

const B = 3;
const IN = 4;
const H = 5;

describe('GRUCell', () => {
  const cell = new GRUCell(IN, H, { rng: new Rng(11), dtype: 'float64', name: 'gru' });
  const rng = new Rng(12);
  const x = rng.normal([B, IN], 'float64');
  const h = rng.normal([B, H], 'float64');

  it('has [in, 3H] / [H, 3H] parameters with stable names', () => {
    expect(cell.namedParameters().map(([n, p]) => [n, p.get().shape])).toEqual([
      ['gru.W_ih', [IN, 3 * H]],
      ['gru.W_hh', [H, 3 * H]],
      ['gru.b_ih', [3 * H]],
      ['gru.b_hh', [3 * H]],
    ]);
  });

  it('matches the float64 reference step, with and without an initial state', () => {
    const xv = matrix('x', 'float64');
    const hv = matrix('h', 'float64');
    const [h1, h0] = fn([xv, hv], [cell.step(xv, hv), cell.step(xv, null)], { backend: 'js' })(
      x,
      h,
    ) as NDArray[];
    const w = weightsOf(cell);
    expect(maxAbsDiff(asMat(h1), gruCellRef(asMat(x), asMat(h), w))).toBeLessThan(1e-14);
    const zeros = Array.from({ length: B }, () => new Array<number>(H).fill(0));
    expect(maxAbsDiff(asMat(h0), gruCellRef(asMat(x), zeros, w))).toBeLessThan(1e-14);
  });

  it('passes verifyGrad w.r.t. input, state and every weight', () => {
    const params = cell.parameters();
    verifyGrad(
      (xv: Variable, hv: Variable, ...ws: Variable[]) =>
        cell.step(xv, hv, new Map(params.map((p, i) => [p, ws[i]]))),
      [x, h, ...params.map((p) => p.get())],
    );
  });
});

describe('GRU (stacked, unrolled)', () => {
  it('passes verifyGrad through a 3-step, 2-layer sequence', () => {
    const gru = new GRU(IN, H, { rng: new Rng(13), dtype: 'float64', layers: 2, name: 'dec' });
    expect(gru.namedParameters()[4][0]).toBe('dec.1.W_ih');
    const params = gru.parameters();
    verifyGrad(
      (seq: Variable, ...ws: Variable[]) =>
        gru.forward(seq, null, new Map(params.map((p, i) => [p, ws[i]]))).state[1],
      [new Rng(14).normal([3, B, IN], 'float64'), ...params.map((p) => p.get())],
    );
    expect(() => gru.forward([])).toThrow(/sequence is empty/);
    expect(() => gru.forward(tensor('float64', [null, B, IN]))).toThrow(/static number of steps/);
  });
});

describe('GRU against torch.nn.GRUCell', () => {
  const found = findPython('torch');
  it.skipIf(found.python === null)('gives the same h over a 4-step sequence with the same weights', () => {
    const cell = new GRUCell(IN, H, { rng: new Rng(15), dtype: 'float64', name: 'gru' });
    const rng = new Rng(16);
    const xs = [0, 1, 2, 3].map(() => rng.normal([B, IN], 'float64'));
    const w = weightsOf(cell);
    const transpose = (m: Mat): Mat => m[0].map((_, j) => m.map((r) => r[j]));
    const torchH = runPythonJson<Mat[]>(
      found.python as string,
      `
import json, sys, torch
d = json.load(sys.stdin)
cell = torch.nn.GRUCell(${IN}, ${H}).double()
t = lambda k: torch.tensor(d[k], dtype=torch.float64)
with torch.no_grad():
    cell.weight_ih.copy_(t("weight_ih")); cell.weight_hh.copy_(t("weight_hh"))
    cell.bias_ih.copy_(t("bias_ih")); cell.bias_hh.copy_(t("bias_hh"))
    h, hs = None, []
    for x in d["xs"]:
        h = cell(torch.tensor(x, dtype=torch.float64), h)
        hs.append(h.tolist())
print(json.dumps(hs))
`,
      {
        weight_ih: transpose(w.Wih),
        weight_hh: transpose(w.Whh),
        bias_ih: w.bih,
        bias_hh: w.bhh,
        xs: xs.map(asMat),
      },
    );
    const inputs = xs.map((_, t) => matrix(`x${t}`, 'float64'));
    const outs: Variable[] = [];
    let h: Variable | null = null;
    for (const x of inputs) outs.push((h = cell.step(x, h)));
    const values = fn(inputs, outs, { backend: 'js' })(...xs) as NDArray[];
    values.forEach((v, t) => expect(maxAbsDiff(asMat(v), torchH[t])).toBeLessThan(1e-12));
  });
  if (found.python === null) console.warn(`skipping the torch.nn.GRUCell comparison: ${found.reason}`);
});
