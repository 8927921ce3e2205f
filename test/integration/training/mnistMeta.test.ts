// mnist_meta's math: the learned LSTM optimizer unrolled on an MLP 784-20-10 (sigmoid, cross-
// entropy) whose weights are slices of a flat θ — engine/params' bindFlat — compared with
// torch_ref.py's mnist_problem + meta_iteration in PyTorch (float64, same weights and data). The
// flat layout W1 (784×20), b1, W2 (20×10), b2 is torch_ref.py's, so θ needs no reordering.
import { describe, expect, it } from 'vitest';
import { fn } from '../../../engine/compile/fn.ts';
import type { NDArray } from '../../../engine/core/ndarray.ts';
import { grad } from '../../../engine/grad/grad.ts';
import { CoordinatewiseLSTM } from '../../../engine/nn/coordinatewise.ts';
import { crossEntropy } from '../../../engine/nn/losses.ts';
import { MLP } from '../../../engine/nn/sequential.ts';
import { Adam } from '../../../engine/optim/adam.ts';
import { unrollLearnedOptimizer } from '../../../engine/optim/learned.ts';
import { bindFlat } from '../../../engine/params/symbolic.ts';
import { Rng } from '../../../engine/random/rng.ts';
import { matrix, vector } from '../../../engine/tensor.ts';
import { findPython, runPythonJson } from '../../support/python.ts';
import { TORCH_PREPROCESS, torchLayout } from '../../support/torchLearnedOptimizer.ts';
import { trainingBackend } from './trainingBackend.ts';

const BATCH = 16;
const UNROLL = 4;

const TORCH_SCRIPT = `
import json, math, sys, torch
d = json.load(sys.stdin)
torch.set_default_dtype(torch.float64)
t = lambda v: torch.tensor(v, dtype=torch.float64)
${TORCH_PREPROCESS}
cells = [torch.nn.LSTMCell(2 if i == 0 else 20, 20) for i in range(2)]
out = torch.nn.Linear(20, 1)
params = [*cells[0].parameters(), *cells[1].parameters(), out.weight, out.bias]
with torch.no_grad():
    for p, v in zip(params, d["weights"]):
        p.copy_(t(v).view_as(p))
def net(g, state):
    x = preprocess(g)
    new = []
    for cell, (h, c) in zip(cells, state):
        h, c = cell(x, (h, c)); new.append((h, c)); x = h
    return out(x).squeeze(1) * 0.1, new
X, Y = t(d["X"]), torch.tensor(d["Y"])
sizes = [(784, 20), (20,), (20, 10), (10,)]
def f(flat):
    parts, o = [], 0
    for s in sizes:
        k = math.prod(s); parts.append(flat[o:o + k].view(*s)); o += k
    W1, b1, W2, b2 = parts
    h = torch.sigmoid(X @ W1 + b1)
    return torch.nn.functional.cross_entropy(h @ W2 + b2, Y)
mopt = torch.optim.Adam(params, lr=1e-3)
theta = t(d["theta0"]).clone().requires_grad_(True)
state = [(torch.zeros(theta.numel(), 20), torch.zeros(theta.numel(), 20)) for _ in range(2)]
total = 0.0
for _ in range(${UNROLL}):
    l = f(theta)
    g, = torch.autograd.grad(l, theta, retain_graph=True)
    step, state = net(g.detach(), state)
    theta = theta + step
    total = total + f(theta)
mopt.zero_grad(); total.backward(); mopt.step()
print(json.dumps({"total": float(total), "weights": [p.detach().reshape(-1).tolist() for p in params]}))
`;

describe(`mnist_meta: learned LSTM optimizer on an MLP 784-20-10, batch ${BATCH}, unroll ${UNROLL}`, () => {
  const found = findPython('torch');
  it.skipIf(found.python === null)('matches torch_ref.py’s mnist_problem meta-iteration', () => {
    const mlp = new MLP([784, 20, 10], { rng: new Rng(61), dtype: 'float64' });
    const net = new CoordinatewiseLSTM({ rng: new Rng(62), dtype: 'float64', name: 'l2l' });
    const params = net.parameters();
    const layout = mlp.layout();
    const x = matrix('x', 'float64', [BATCH, 784]);
    const y = vector('y', 'int32', [BATCH]);
    const theta0 = vector('theta0', 'float64', [layout.size]);
    const loss = (theta: typeof theta0) =>
      crossEntropy(mlp.forward(x, bindFlat(mlp.parameters(), layout, theta)), y);
    const { metaLoss } = unrollLearnedOptimizer({ net, loss, theta0, steps: UNROLL });
    const metaStep = fn([x, y, theta0], metaLoss, {
      updates: new Adam({ lr: 1e-3 }).updates(params, grad(metaLoss, params)),
      backend: trainingBackend(),
    });
    const rng = new Rng(63);
    const X = rng.uniform([BATCH, 784], 'float64');
    const Y = rng.randint([BATCH], 0, 10);
    const theta0Value = rng.normal([layout.size], 'float64');
    theta0Value.data.forEach((v, i) => (theta0Value.data[i] = 0.01 * v));
    // The weights before the meta-step, in PyTorch's layout (row-major of the transpose).
    const initial = params.map((p) => torchLayout(p.get()));
    const total = (metaStep(X, Y, theta0Value) as NDArray).toFlat()[0];

    const torchOut = runPythonJson<{ total: number; weights: number[][] }>(
      found.python as string,
      TORCH_SCRIPT,
      {
        weights: initial,
        X: X.toNested(),
        Y: Y.toFlat(),
        theta0: theta0Value.toFlat(),
      },
    );
    console.log(`meta-loss ${total.toFixed(8)} (torch ${torchOut.total.toFixed(8)})`);
    expect(Math.abs(total - torchOut.total) / torchOut.total).toBeLessThan(1e-10);
    params.forEach((p, i) => {
      const ours = torchLayout(p.get());
      ours.forEach((v, j) =>
        expect(Math.abs(v - torchOut.weights[i][j]), `${p.name}[${j}]`).toBeLessThan(1e-10),
      );
    });
    expect(params.map((p) => torchLayout(p.get()))).not.toEqual(initial);
  });
  if (found.python === null) console.warn(`skipping the mnist_meta comparison: ${found.reason}`);
});
