// One meta-training iteration of learning-to-learn on random quadratics, built from the engine's
// nn, params and optim pieces, against torch_ref.py's meta_iteration run in PyTorch (float64) with
// the same weights and problems: the meta-losses and the LSTM weights after each Adam step agree.
// This is the math of the quad_meta benchmark workload.
import { describe, expect, it } from 'vitest';
import { fn } from '../../../engine/compile/fn.ts';
import type { Variable } from '../../../engine/core/graph.ts';
import type { NDArray } from '../../../engine/core/ndarray.ts';
import { grad } from '../../../engine/grad/grad.ts';
import { CoordinatewiseLSTM } from '../../../engine/nn/coordinatewise.ts';
import { dot } from '../../../engine/ops/linalg.ts';
import { sqr, sub } from '../../../engine/ops/math.ts';
import { mean, sum } from '../../../engine/ops/reduce.ts';
import { reshape } from '../../../engine/ops/reshape.ts';
import { expandDims, squeeze } from '../../../engine/ops/dimshuffle.ts';
import { Adam } from '../../../engine/optim/adam.ts';
import { unrollLearnedOptimizer } from '../../../engine/optim/learned.ts';
import { Rng } from '../../../engine/random/rng.ts';
import { tensor, vector, matrix } from '../../../engine/tensor.ts';
import { findPython, runPythonJson } from '../../support/python.ts';
import { TORCH_PREPROCESS, torchLayout } from '../../support/torchLearnedOptimizer.ts';
import { trainingBackend } from './trainingBackend.ts';

const BATCH = 8;
const DIM = 10;
const UNROLL = 20;
const ITERATIONS = 2;

/** f(θ) = mean_b ‖W_b θ_b − y_b‖² for θ flat [BATCH·DIM], as torch_ref.py's quad_problem. */
function quadraticLoss(W: Variable, y: Variable): (theta: Variable) => Variable {
  return (theta) => {
    const t = expandDims(reshape(theta, [BATCH, DIM]), 2);
    const r = sub(squeeze(dot(W, t), 2), y);
    return mean(sum(sqr(r), 1));
  };
}

const TORCH_SCRIPT = `
import json, math, sys, torch
d = json.load(sys.stdin)
torch.set_default_dtype(torch.float64)
t = lambda v: torch.tensor(v, dtype=torch.float64)
${TORCH_PREPROCESS}
class CoordLSTM(torch.nn.Module):
    def __init__(self, hidden=20, layers=2, out_scale=0.1):
        super().__init__()
        self.cells = torch.nn.ModuleList([torch.nn.LSTMCell(2 if i == 0 else hidden, hidden) for i in range(layers)])
        self.out = torch.nn.Linear(hidden, 1)
        self.hidden, self.layers, self.out_scale = hidden, layers, out_scale
    def init_state(self, n):
        return [(torch.zeros(n, self.hidden), torch.zeros(n, self.hidden)) for _ in range(self.layers)]
    def forward(self, g, state):
        x = preprocess(g)
        new = []
        for cell, (h, c) in zip(self.cells, state):
            h, c = cell(x, (h, c))
            new.append((h, c))
            x = h
        return self.out(x).squeeze(1) * self.out_scale, new
def meta_iteration(opt_net, meta_opt, problem, unroll):
    theta, f = problem()
    theta = theta.clone().requires_grad_(True)
    state = opt_net.init_state(theta.numel())
    total = 0.0
    for _ in range(unroll):
        l = f(theta)
        g, = torch.autograd.grad(l, theta, retain_graph=True)
        step, state = opt_net(g.detach(), state)
        theta = theta + step
        total = total + f(theta)
    meta_opt.zero_grad()
    total.backward()
    meta_opt.step()
    return float(total)
net = CoordLSTM()
params = [*net.cells[0].parameters(), *net.cells[1].parameters(), net.out.weight, net.out.bias]
with torch.no_grad():
    for p, v in zip(params, d["weights"]):
        p.copy_(t(v).view_as(p))
mopt = torch.optim.Adam(net.parameters(), lr=1e-3)
totals, weights = [], []
for prob in d["problems"]:
    W, y, theta0 = t(prob["W"]), t(prob["y"]), t(prob["theta0"])
    def problem():
        def loss(flat):
            r = torch.bmm(W, flat.view(${BATCH}, ${DIM}).unsqueeze(2)).squeeze(2) - y
            return (r * r).sum(1).mean()
        return theta0, loss
    totals.append(meta_iteration(net, mopt, problem, ${UNROLL}))
    weights.append([p.detach().reshape(-1).tolist() for p in params])
print(json.dumps({"totals": totals, "weights": weights}))
`;

describe(`quad_meta: learned LSTM optimizer on ${BATCH} quadratics of dimension ${DIM}, unroll ${UNROLL}`, () => {
  const found = findPython('torch');

  it.skipIf(found.python === null)('matches torch_ref.py’s meta_iteration, Adam meta-step included', () => {
    const net = new CoordinatewiseLSTM({ rng: new Rng(41), dtype: 'float64', name: 'l2l' });
    const params = net.parameters();
    const initialWeights = params.map((p) => torchLayout(p.get()));

    const W = tensor('float64', [BATCH, DIM, DIM], 'W');
    const y = matrix('y', 'float64', [BATCH, DIM]);
    const theta0 = vector('theta0', 'float64', [BATCH * DIM]);
    const { metaLoss } = unrollLearnedOptimizer({ net, loss: quadraticLoss(W, y), theta0, steps: UNROLL });
    const metaStep = fn([W, y, theta0], metaLoss, {
      updates: new Adam({ lr: 1e-3 }).updates(params, grad(metaLoss, params)),
      backend: trainingBackend(),
    });

    const rng = new Rng(42);
    const problems = Array.from({ length: ITERATIONS }, () => ({
      W: rng.normal([BATCH, DIM, DIM], 'float64'),
      y: rng.normal([BATCH, DIM], 'float64'),
      theta0: rng.normal([BATCH * DIM], 'float64'),
    }));
    const ours = problems.map((p) => {
      const total = (metaStep(p.W, p.y, p.theta0) as NDArray).toFlat()[0];
      return { total, weights: params.map((q) => torchLayout(q.get())) };
    });

    const torchOut = runPythonJson<{ totals: number[]; weights: number[][][] }>(
      found.python as string,
      TORCH_SCRIPT,
      {
        weights: initialWeights,
        problems: problems.map((p) => ({ W: p.W.toNested(), y: p.y.toNested(), theta0: p.theta0.toFlat() })),
      },
    );
    ours.forEach((o, k) => {
      console.log(
        `meta-iteration ${k + 1}: meta-loss ${o.total.toFixed(6)} (torch ${torchOut.totals[k].toFixed(6)})`,
      );
      expect(Math.abs(o.total - torchOut.totals[k]) / Math.abs(torchOut.totals[k])).toBeLessThan(1e-10);
      o.weights.forEach((w, i) => {
        w.forEach((v, j) =>
          expect(Math.abs(v - torchOut.weights[k][i][j]), `${params[i].name}[${j}]`).toBeLessThan(1e-10),
        );
      });
    });
    // The Adam meta-step moved the weights: a test that compared unchanged weights would be empty.
    expect(ours[1].weights).not.toEqual(initialWeights);
  });
  if (found.python === null)
    console.warn(`skipping the torch_ref.py meta_iteration comparison: ${found.reason}`);
});
