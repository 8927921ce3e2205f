// The benchmark's workloads compute the same math as the PyTorch reference (torch_ref.py): one
// quad_meta meta-iteration and one mnist_step from the same weights and data give the same loss
// and the same updated weights as torch in float64 (the engine runs float32 on the cpu backend).
// Needs /usr/bin/python3 (or LAB_PYTHON) with torch, like the benchmark.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as T from '../../../engine/index.ts';
import { cpuBackend } from '../../../engine/backends/cpu/index.ts';
import { findTorchPython, torchRefPath } from '../../../bench/torch.ts';
import { mnistStep } from '../../../bench/workloads/mnistStep.ts';
import { quadMeta } from '../../../bench/workloads/quadMeta.ts';
import type { Workload } from '../../../bench/workloads/workload.ts';

// Loads torch_ref.py as a module and runs its pieces on the weights and data given on stdin.
const REFERENCE = `
import importlib.util, json, sys, torch
spec = importlib.util.spec_from_file_location("torch_ref", sys.argv[1])
ref = importlib.util.module_from_spec(spec)
sys.argv = sys.argv[:1]
spec.loader.exec_module(ref)
torch.set_default_dtype(torch.float64)
d = json.load(sys.stdin)
t = lambda k: torch.tensor(d["values"][k], dtype=torch.float64).reshape(d["shapes"][k])
p = {k: torch.tensor(v["data"], dtype=torch.float64).reshape(v["shape"]) for k, v in d["params"].items()}
out = {}
if d["workload"] == "quad_meta":
    net = ref.CoordLSTM().double()
    with torch.no_grad():
        for i, cell in enumerate(net.cells):
            cell.weight_ih.copy_(p[f"coordlstm.lstm.{i}.W_ih"].T); cell.weight_hh.copy_(p[f"coordlstm.lstm.{i}.W_hh"].T)
            cell.bias_ih.copy_(p[f"coordlstm.lstm.{i}.b_ih"]); cell.bias_hh.copy_(p[f"coordlstm.lstm.{i}.b_hh"])
        net.out.weight.copy_(p["coordlstm.out.W"].T); net.out.bias.copy_(p["coordlstm.out.b"])
    W, y, theta0 = t(0), t(1), t(2)
    def loss(flat):  # torch_ref.quad_problem's loss on the given W, y
        r = torch.bmm(W, flat.view(128, 10).unsqueeze(2)).squeeze(2) - y
        return (r * r).sum(1).mean()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    out["loss"] = ref.meta_iteration(net, opt, lambda: (theta0, loss))
    out["params"] = {f"coordlstm.lstm.{i}.W_ih": c.weight_ih.T.flatten().tolist() for i, c in enumerate(net.cells)}
    out["params"]["coordlstm.out.W"] = net.out.weight.T.flatten().tolist()
else:
    X, Y = t(0), torch.tensor(d["values"][1], dtype=torch.int64)
    W1, b1, W2, b2 = p["mlp.0.W"], p["mlp.0.b"], p["mlp.1.W"], p["mlp.1.b"]
    theta = torch.cat([W1.flatten(), b1, W2.flatten(), b2]).requires_grad_(True)
    sizes = [(784, 20), (20,), (20, 10), (10,)]
    def f(flat):  # torch_ref.mnist_problem's loss on the given X, Y
        parts, o = [], 0
        for s in sizes:
            k = 1
            for q in s: k *= q
            parts.append(flat[o:o + k].view(*s)); o += k
        a, b, c, e = parts
        return torch.nn.functional.cross_entropy(torch.sigmoid(X @ a + b) @ c + e, Y)
    adam = torch.optim.Adam([theta], lr=1e-2)
    l = f(theta); l.backward(); adam.step()
    out["loss"] = float(l)
    out["params"] = {"mlp.0.W": theta[:15680].tolist(), "mlp.1.b": theta[15900:].tolist()}
print(json.dumps(out))
`;

function snapshot(w: Workload): Record<string, { data: number[]; shape: number[] }> {
  return Object.fromEntries(
    w.params.map(([name, v]) => [name, { data: v.get().toFlat(), shape: [...v.get().shape] }]),
  );
}

/** One call of `w` on the engine and in torch from the same state; both losses and weights. */
function compareWithTorch(w: Workload, python: string) {
  const params = snapshot(w);
  const inputs = w.nextInputs();
  const loss = (w.fn(...inputs) as T.NDArray).data[0];
  const after = snapshot(w);
  const r = spawnSync(python, ['-c', REFERENCE, torchRefPath()], {
    input: JSON.stringify({
      workload: w.name,
      params,
      values: inputs.map((a) => a.toFlat()),
      shapes: inputs.map((a) => a.shape),
    }),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`torch reference failed: ${r.stderr}`);
  const ref = JSON.parse(r.stdout) as { loss: number; params: Record<string, number[]> };
  return { loss, after, ref };
}

function expectClose(got: number[], want: number[], tol: number): void {
  expect(got.length).toBe(want.length);
  const scale = Math.max(1e-12, ...want.map(Math.abs));
  got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(tol * scale));
}

const { python } = findTorchPython();
// torch_ref.py lives in the team's shared folder beside the checkout (CI lays it there too).
const referenceMissing = existsSync(torchRefPath())
  ? null
  : `${torchRefPath()} does not exist (set LAB_TORCH_REF to the PyTorch reference script)`;
if (python === null || referenceMissing) {
  console.log(`skipping the torch_ref.py comparison: ${referenceMissing ?? 'no Python with torch found'}`);
}

describe.runIf(python !== null && referenceMissing === null)('benchmark workloads match torch_ref.py', () => {
  it('quad_meta: the meta-loss and the Adam-updated LSTM weights', () => {
    const { loss, after, ref } = compareWithTorch(quadMeta(cpuBackend), python!);
    expect(Math.abs(loss - ref.loss)).toBeLessThan(2e-4 * Math.abs(ref.loss));
    for (const name of Object.keys(ref.params)) expectClose(after[name].data, ref.params[name], 1e-4);
  }, 120_000);

  it('mnist_step: the loss and the Adam-updated MLP weights', () => {
    const { loss, after, ref } = compareWithTorch(mnistStep(cpuBackend), python!);
    expect(Math.abs(loss - ref.loss)).toBeLessThan(1e-5 * Math.abs(ref.loss));
    for (const name of Object.keys(ref.params)) expectClose(after[name].data, ref.params[name], 1e-4);
  }, 120_000);
});
