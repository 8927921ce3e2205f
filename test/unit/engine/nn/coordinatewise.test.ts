import { describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import type { SharedVariable, Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import { CoordinatewiseLSTM } from '../../../../engine/nn/coordinatewise.ts';
import { preprocessGradient } from '../../../../engine/nn/gradientPreprocessing.ts';
import type { LSTMState } from '../../../../engine/nn/lstm.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { constant, vector } from '../../../../engine/tensor.ts';
import { findPython, runPythonJson } from '../../../support/python.ts';
import { TORCH_PREPROCESS } from '../../../support/torchLearnedOptimizer.ts';
import { lstmCellRef, maxAbsDiff, toMat, type Mat } from './reference.ts';

// Gradients spanning the regimes of the preprocessing: large, tiny (< e^-10, the linear branch),
// zero, negative.
const grads = [
  [0.3, -2.5, 1e-6, -3e-5, 0, 4e-5, 12.0],
  [-0.01, 0.7, -1e-7, 2e-3, 1e-9, -5.0, 0.05],
  [1.5, -1e-4, 3e-5, 0, -0.2, 8e-6, -0.9],
];

function preprocessRef(g: number[], p = 10): Mat {
  return g.map((v) =>
    Math.abs(v) >= Math.exp(-p) ? [Math.log(Math.abs(v)) / p, Math.sign(v)] : [-1, Math.exp(p) * v],
  );
}

const mat = (p: SharedVariable): Mat => toMat(p.get().data, p.get().shape[0], p.get().shape[1]);

describe('gradient preprocessing', () => {
  it('gives (log|g|/p, sign g) for large and (-1, e^p g) for tiny coordinates', () => {
    const g = vector('g', 'float64');
    const out = fn([g], preprocessGradient(g), { backend: 'js' })(
      NDArray.from(grads[0], [7], 'float64'),
    ) as NDArray;
    expect(out.shape).toEqual([7, 2]);
    expect(maxAbsDiff(out.toNested() as Mat, preprocessRef(grads[0]))).toBeLessThan(1e-15);
  });
});

describe('CoordinatewiseLSTM', () => {
  const net = new CoordinatewiseLSTM({ rng: new Rng(21), dtype: 'float64', name: 'opt' });

  it('is 2 stacked LSTM cells of 20 and a Linear(20, 1), as in torch_ref.py', () => {
    expect(net.namedParameters().map(([n, p]) => [n, p.get().shape])).toEqual([
      ['opt.lstm.0.W_ih', [2, 80]],
      ['opt.lstm.0.W_hh', [20, 80]],
      ['opt.lstm.0.b_ih', [80]],
      ['opt.lstm.0.b_hh', [80]],
      ['opt.lstm.1.W_ih', [20, 80]],
      ['opt.lstm.1.W_hh', [20, 80]],
      ['opt.lstm.1.b_ih', [80]],
      ['opt.lstm.1.b_hh', [80]],
      ['opt.out.W', [20, 1]],
      ['opt.out.b', [1]],
    ]);
  });

  /** Three steps of the network, each row a coordinate: steps and final c of both layers. */
  function runSteps(): NDArray[] {
    const gs = grads.map((_, t) => vector(`g${t}`, 'float64'));
    let state: LSTMState[] | null = null;
    const steps: Variable[] = [];
    for (const g of gs) {
      const r = net.forward(g, state);
      steps.push(r.step);
      state = r.state;
    }
    const s = state as LSTMState[];
    return fn(gs, [...steps, s[0].c, s[1].c], { backend: 'js' })(
      ...grads.map((g) => NDArray.from(g, [g.length], 'float64')),
    ) as NDArray[];
  }

  it('treats rows as independent coordinates sharing weights (float64 reference)', () => {
    const out = runSteps();
    const p = net.parameters();
    const cells = [0, 1].map((k) => ({
      Wih: mat(p[4 * k]),
      Whh: mat(p[4 * k + 1]),
      bih: p[4 * k + 2].get().toFlat(),
      bhh: p[4 * k + 3].get().toFlat(),
    }));
    const Wout = p[8].get().toFlat();
    const bout = p[9].get().toFlat()[0];
    const zeros = grads[0].map(() => new Array<number>(20).fill(0));
    let state = [0, 1].map(() => ({ h: zeros, c: zeros }));
    grads.forEach((g, t) => {
      let x = preprocessRef(g);
      state = cells.map((w, k) => {
        const s = lstmCellRef(x, state[k].h, state[k].c, w);
        x = s.h;
        return s;
      });
      const step = x.map((row) => 0.1 * (row.reduce((acc, v, j) => acc + v * Wout[j], 0) + bout));
      expect(out[t].shape).toEqual([g.length]);
      expect(maxAbsDiff([out[t].toFlat()], [step])).toBeLessThan(1e-15);
    });
    expect(maxAbsDiff(out[3].toNested() as Mat, state[0].c)).toBeLessThan(1e-14);
    expect(maxAbsDiff(out[4].toNested() as Mat, state[1].c)).toBeLessThan(1e-14);
  });

  const found = findPython('torch');
  it.skipIf(found.python === null)('matches torch_ref.py’s CoordLSTM with the same weights', () => {
    const out = runSteps();
    const p = net.parameters();
    const T = (m: Mat): Mat => m[0].map((_, j) => m.map((r) => r[j]));
    const torchOut = runPythonJson<number[][]>(
      found.python as string,
      `
import json, math, sys, torch
d = json.load(sys.stdin)
${TORCH_PREPROCESS}
cells = [torch.nn.LSTMCell(2 if i == 0 else 20, 20).double() for i in range(2)]
out = torch.nn.Linear(20, 1).double()
t = lambda v: torch.tensor(v, dtype=torch.float64)
with torch.no_grad():
    for k, c in enumerate(cells):
        w = d["cells"][k]
        c.weight_ih.copy_(t(w[0])); c.weight_hh.copy_(t(w[1])); c.bias_ih.copy_(t(w[2])); c.bias_hh.copy_(t(w[3]))
    out.weight.copy_(t(d["out_w"])); out.bias.copy_(t(d["out_b"]))
    n = len(d["grads"][0])
    state = [(torch.zeros(n, 20, dtype=torch.float64), torch.zeros(n, 20, dtype=torch.float64)) for _ in range(2)]
    steps = []
    for g in d["grads"]:
        x = preprocess(t(g))
        new = []
        for c, (h, cc) in zip(cells, state):
            h, cc = c(x, (h, cc)); new.append((h, cc)); x = h
        state = new
        steps.append((out(x).squeeze(1) * 0.1).tolist())
print(json.dumps(steps))
`,
      {
        cells: [0, 1].map((k) => [
          T(mat(p[4 * k])),
          T(mat(p[4 * k + 1])),
          p[4 * k + 2].get().toFlat(),
          p[4 * k + 3].get().toFlat(),
        ]),
        out_w: T(mat(p[8])),
        out_b: p[9].get().toFlat(),
        grads,
      },
    );
    torchOut.forEach((step, t) => expect(maxAbsDiff([out[t].toFlat()], [step])).toBeLessThan(1e-13));
  });
  if (found.python === null) console.warn(`skipping the CoordLSTM comparison: ${found.reason}`);

  it('passes verifyGrad w.r.t. its weights over two steps', () => {
    const small = new CoordinatewiseLSTM({ rng: new Rng(22), dtype: 'float64', hidden: 3, name: 'o' });
    const params = small.parameters();
    const g0 = NDArray.from([0.3, -2e-5, 1e-6], [3], 'float64');
    const g1 = NDArray.from([-0.1, 0.02, 5.0], [3], 'float64');
    // The gradients are constants: meta-training differentiates through the optimizer's weights,
    // never through the preprocessing of g (it sits behind stopGradient, and its e^10 slope makes
    // finite differences meaningless anyway).
    verifyGrad(
      (...ws: Variable[]) => {
        const binding = new Map(params.map((p, i) => [p, ws[i]]));
        const first = small.forward(constant(g0), null, binding);
        return small.forward(constant(g1), first.state, binding).step;
      },
      params.map((p) => p.get()),
    );
  });
});
