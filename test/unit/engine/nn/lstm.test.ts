import { describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import { LSTM, LSTMCell } from '../../../../engine/nn/lstm.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { matrix, tensor } from '../../../../engine/tensor.ts';
import { findPython, runPythonJson } from '../../../support/python.ts';
import { asMat, weightsOf } from './cellWeights.ts';
import { lstmCellRef, maxAbsDiff, type Mat } from './reference.ts';

const B = 3;
const IN = 4;
const H = 5;

describe('LSTMCell', () => {
  const cell = new LSTMCell(IN, H, { rng: new Rng(1), dtype: 'float64', name: 'cell' });
  const rng = new Rng(2);
  const x = rng.normal([B, IN], 'float64');
  const h = rng.normal([B, H], 'float64');
  const c = rng.normal([B, H], 'float64');

  it('has PyTorch-shaped parameters with stable names and U(±1/√H) init', () => {
    expect(cell.namedParameters().map(([n, p]) => [n, p.get().shape])).toEqual([
      ['cell.W_ih', [IN, 4 * H]],
      ['cell.W_hh', [H, 4 * H]],
      ['cell.b_ih', [4 * H]],
      ['cell.b_hh', [4 * H]],
    ]);
    const all = cell.parameters().flatMap((p) => p.get().toFlat());
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(H));
  });

  it('matches the float64 reference step, with and without an initial state', () => {
    const xv = matrix('x', 'float64');
    const hv = matrix('h', 'float64');
    const cv = matrix('c', 'float64');
    const s = cell.step(xv, { h: hv, c: cv });
    const s0 = cell.step(xv, null);
    const [h1, c1, h0, c0] = fn([xv, hv, cv], [s.h, s.c, s0.h, s0.c], { backend: 'js' })(
      x,
      h,
      c,
    ) as NDArray[];
    const w = weightsOf(cell);
    const ref = lstmCellRef(asMat(x), asMat(h), asMat(c), w);
    expect(maxAbsDiff(asMat(h1), ref.h)).toBeLessThan(1e-14);
    expect(maxAbsDiff(asMat(c1), ref.c)).toBeLessThan(1e-14);
    const zeros = Array.from({ length: B }, () => new Array<number>(H).fill(0));
    const ref0 = lstmCellRef(asMat(x), zeros, zeros, w);
    expect(maxAbsDiff(asMat(h0), ref0.h)).toBeLessThan(1e-14);
    expect(maxAbsDiff(asMat(c0), ref0.c)).toBeLessThan(1e-14);
  });

  it('passes verifyGrad for h and c w.r.t. input, state and every weight', () => {
    const params = cell.parameters();
    const points = [x, h, c, ...params.map((p) => p.get())];
    const build =
      (pick: 'h' | 'c') =>
      (xv: Variable, hv: Variable, cv: Variable, ...ws: Variable[]): Variable =>
        cell.step(xv, { h: hv, c: cv }, new Map(params.map((p, i) => [p, ws[i]])))[pick];
    expect(verifyGrad(build('h'), points).checked).toBeGreaterThan(100);
    verifyGrad(build('c'), points);
  });
});

describe('LSTM (stacked, unrolled)', () => {
  const steps = 3;
  const lstm = new LSTM(IN, H, { rng: new Rng(3), dtype: 'float64', layers: 2, name: 'enc' });
  const xs = new Rng(4).normal([steps, B, IN], 'float64');

  it('names layers as children and unrolls like the reference loop', () => {
    expect(lstm.namedParameters().map(([n]) => n)).toEqual([
      'enc.0.W_ih',
      'enc.0.W_hh',
      'enc.0.b_ih',
      'enc.0.b_hh',
      'enc.1.W_ih',
      'enc.1.W_hh',
      'enc.1.b_ih',
      'enc.1.b_hh',
    ]);
    const seq = tensor('float64', [steps, null, IN], 'xs');
    const r = lstm.forward(seq);
    const outs = fn([seq], [...r.outputs, r.state[0].c, r.state[1].c], { backend: 'js' })(xs) as NDArray[];
    const zeros = Array.from({ length: B }, () => new Array<number>(H).fill(0));
    let state = lstm.cells.map(() => ({ h: zeros, c: zeros }));
    const xsNested = xs.toNested() as Mat[];
    for (let t = 0; t < steps; t++) {
      let input = xsNested[t];
      state = lstm.cells.map((cell, k) => {
        const s = lstmCellRef(input, state[k].h, state[k].c, weightsOf(cell));
        input = s.h;
        return s;
      });
      expect(maxAbsDiff(asMat(outs[t]), input)).toBeLessThan(1e-14);
    }
    expect(maxAbsDiff(asMat(outs[steps]), state[0].c)).toBeLessThan(1e-14);
    expect(maxAbsDiff(asMat(outs[steps + 1]), state[1].c)).toBeLessThan(1e-14);
  });

  it('passes verifyGrad through the unrolled sequence', () => {
    const params = lstm.parameters();
    verifyGrad(
      (seq: Variable, ...ws: Variable[]) => {
        const r = lstm.forward(seq, null, new Map(params.map((p, i) => [p, ws[i]])));
        return r.outputs[steps - 1];
      },
      [xs, ...params.map((p) => p.get())],
    );
  });

  it('explains a sequence tensor without a static length', () => {
    expect(() => lstm.forward(tensor('float64', [null, null, IN], 'xs'))).toThrow(/static number of steps/);
  });
});

describe('LSTM against torch.nn.LSTMCell', () => {
  const found = findPython('torch');
  it.skipIf(found.python === null)(
    'gives the same h and c over a 4-step sequence with the same weights',
    () => {
      const cell = new LSTMCell(IN, H, { rng: new Rng(5), dtype: 'float64', name: 'cell' });
      const rng = new Rng(6);
      const xs = [0, 1, 2, 3].map(() => rng.normal([B, IN], 'float64'));
      const w = weightsOf(cell);
      const transpose = (m: Mat): Mat => m[0].map((_, j) => m.map((r) => r[j]));
      const torchOut = runPythonJson<{ h: Mat[]; c: Mat[] }>(
        found.python as string,
        `
import json, sys, torch
d = json.load(sys.stdin)
cell = torch.nn.LSTMCell(${IN}, ${H}).double()
with torch.no_grad():
    cell.weight_ih.copy_(torch.tensor(d["weight_ih"], dtype=torch.float64)); cell.weight_hh.copy_(torch.tensor(d["weight_hh"], dtype=torch.float64))
    cell.bias_ih.copy_(torch.tensor(d["bias_ih"], dtype=torch.float64)); cell.bias_hh.copy_(torch.tensor(d["bias_hh"], dtype=torch.float64))
    h = c = None
    hs, cs = [], []
    for x in d["xs"]:
        h, c = cell(torch.tensor(x, dtype=torch.float64), None if h is None else (h, c))
        hs.append(h.tolist()); cs.append(c.tolist())
print(json.dumps({"h": hs, "c": cs}))
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
      let state = null as ReturnType<LSTMCell['step']> | null;
      const outs: Variable[] = [];
      for (const x of inputs) {
        state = cell.step(x, state);
        outs.push(state.h, state.c);
      }
      const values = fn(inputs, outs, { backend: 'js' })(...xs) as NDArray[];
      xs.forEach((_, t) => {
        expect(maxAbsDiff(asMat(values[2 * t]), torchOut.h[t])).toBeLessThan(1e-12);
        expect(maxAbsDiff(asMat(values[2 * t + 1]), torchOut.c[t])).toBeLessThan(1e-12);
      });
    },
  );
  if (found.python === null) console.warn(`skipping the torch.nn.LSTMCell comparison: ${found.reason}`);
});
