// Gradients at ties (issue 19). A max/min reduction splits the upstream gradient evenly among the
// elements that tie for the extreme (PyTorch's amax/amin), so what reaches a shared source sums
// to the upstream value; elementwise maximum/minimum send half to each argument where they are
// equal (PyTorch's maximum/minimum). Ties are built on purpose (stacked copies, constant rows,
// values clamped to a bound, a row lifted to a scalar by maximum) and checked on the js and cpu
// backends against gradients known by hand (float64) and against PyTorch's autograd.
import { beforeAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../../../engine/backends/cpu/index.ts';
import { jsBackend } from '../../../../engine/backends/js.ts';
import type { Backend } from '../../../../engine/backends/backend.ts';
import * as T from '../../../../engine/index.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { requirePython, runPythonJson } from '../../../support/python.ts';

type Inputs = Record<string, NDArray>;
type Vars = Record<string, T.Variable>;

interface TieCase {
  name: string;
  inputs: Inputs;
  /** The tied value; the cost is sum(value * w), so each output has its own upstream gradient. */
  build: (v: Vars) => T.Variable;
  /** The same value in PyTorch, over tensors named like the inputs. */
  torch: string;
  /** Upstream gradient of each output element (shaped like the value). */
  w: NDArray;
  /** Gradients worked out by hand, per input, where the case is small enough to. */
  exact?: Record<string, number[]>;
}

const f64 = (values: number[], shape: number[] = [values.length]): NDArray =>
  NDArray.from(values, shape, 'float64');
const scalar = (v: number): NDArray => NDArray.from([v], [], 'float64');

const cases: TieCase[] = [
  {
    // The minimal case: three copies of x tie everywhere; d/dx max(stack) is 1, not 3.
    name: 'max over stacked copies',
    inputs: { x: f64([0.25, -1.5, 2, 0.75]) },
    build: ({ x }) => T.max(T.stack([x, x, x]), 0),
    torch: 'torch.amax(torch.stack([x, x, x]), 0)',
    w: f64([1, 2, 3, 4]),
    exact: { x: [1, 2, 3, 4] },
  },
  {
    name: 'min over stacked copies, keepdims',
    inputs: { x: f64([0.25, -1.5, 2, 0.75]) },
    build: ({ x }) => T.min(T.stack([x, x]), 0, true),
    torch: 'torch.amin(torch.stack([x, x]), 0, keepdim=True)',
    w: f64([1, 2, 3, 4], [1, 4]),
    exact: { x: [1, 2, 3, 4] },
  },
  {
    // Two copies and ties inside each copy: four elements share each row's maximum.
    name: 'max over two axes of stacked copies with ties inside',
    inputs: { x: f64([1, 3, 3, 2, 2, 0], [2, 3]) },
    build: ({ x }) => T.max(T.stack([x, x]), [0, 2], true),
    torch: 'torch.amax(torch.stack([x, x]), (0, 2), keepdim=True)',
    w: f64([4, 8], [1, 2, 1]),
    exact: { x: [0, 2, 2, 4, 4, 0] },
  },
  {
    name: 'max and min of constant rows',
    inputs: { x: f64([2, 2, 2, 2, 0.5, -1, 0.5, 0.25], [2, 4]) },
    build: ({ x }) => T.concatenate([T.max(x, 1), T.min(x, 1)]),
    torch: 'torch.cat([torch.amax(x, 1), torch.amin(x, 1)])',
    w: f64([4, 6, 8, 10]),
    // max: row 0 = 2 (4 ties, 1 each), row 1 = 0.5 (2 ties, 3 each); min: row 0 = 2 (4 ties,
    // 2 each), row 1 = -1 (10).
    exact: { x: [3, 3, 3, 3, 3, 10, 3, 0] },
  },
  {
    // Rows of x0 below the scalar c become rows of c: c is the maximum once per such row.
    name: 'max over maximum(x0, c) where a row of x0 lies below c',
    inputs: { x0: f64([-3, -2, -5, 0.5, -1, 2], [2, 3]), c: scalar(0.125) },
    build: ({ x0, c }) => T.max(T.maximum(x0, c), 1),
    torch: 'torch.amax(torch.maximum(x0, c), 1)',
    w: f64([3, 5]),
    exact: { x0: [0, 0, 0, 0, 0, 5], c: [3] },
  },
  {
    // Values clipped to the upper bound tie with an input that sits exactly on it.
    name: 'max over values clamped to a bound',
    inputs: { x: f64([0.875, 0.5, 1.75, -0.25, -2, 0.25], [2, 3]), lo: scalar(-0.5), hi: scalar(0.5) },
    build: ({ x, lo, hi }) => T.max(T.clip(x, lo, hi), 1),
    torch: 'torch.amax(torch.clamp(x, lo, hi), 1)',
    w: f64([3, 7]),
    exact: { x: [0, 1, 0, 0, 0, 7], lo: [0], hi: [2] },
  },
  {
    name: 'elementwise maximum and minimum where the arguments are equal',
    inputs: { x: f64([1, 3, 3, -2]), y: f64([1, 2, 3, 0]) },
    build: ({ x, y }) => T.concatenate([T.maximum(x, y), T.minimum(x, y)]),
    torch: 'torch.cat([torch.maximum(x, y), torch.minimum(x, y)])',
    w: f64([2, 4, 6, 8, 10, 12, 14, 16]),
    exact: { x: [6, 4, 10, 16], y: [6, 12, 10, 8] },
  },
  {
    name: 'elementwise maximum at ties, broadcast against a row',
    inputs: { x: f64([1, 2, 2, 2, 3, 0], [3, 2]), y: f64([2, 2]) },
    build: ({ x, y }) => T.maximum(x, y),
    torch: 'torch.maximum(x, y)',
    w: f64([2, 4, 6, 8, 10, 12], [3, 2]),
    exact: { x: [0, 2, 3, 4, 10, 0], y: [5, 18] },
  },
  {
    name: 'an expression op with max(x, y) follows the elementwise convention',
    inputs: { x: f64([1, 3, 3]), y: f64([1, 2, 3]) },
    build: ({ x, y }) => T.elementwise('max(x, y) * 2').apply(x, y),
    torch: 'torch.maximum(x, y) * 2',
    w: f64([1, 2, 3]),
    exact: { x: [1, 4, 3], y: [1, 0, 3] },
  },
];

const torchScript = String.raw`
import json, sys, torch
torch.set_default_dtype(torch.float64)
out = []
for c in json.load(sys.stdin):
    env = {'torch': torch}
    leaves = []
    for name, a in c['inputs'].items():
        t = torch.tensor(a['data'], dtype=torch.float64).reshape(a['shape']).requires_grad_()
        env[name] = t
        leaves.append(t)
    y = eval(c['expr'], env)
    w = torch.tensor(c['w']['data'], dtype=torch.float64).reshape(c['w']['shape'])
    gs = torch.autograd.grad((y * w).sum(), leaves, allow_unused=True)
    out.append([[0.0] * l.numel() if g is None else g.reshape(-1).tolist() for g, l in zip(gs, leaves)])
json.dump(out, sys.stdout)
`;

const flat = (a: NDArray) => ({ data: a.toFlat(), shape: a.shape });

let torchGrads: number[][][] = [];
beforeAll(() => {
  const payload = cases.map((c) => ({
    expr: c.torch,
    w: flat(c.w),
    inputs: Object.fromEntries(Object.entries(c.inputs).map(([k, a]) => [k, flat(a)])),
  }));
  torchGrads = runPythonJson<number[][][]>(requirePython('torch'), torchScript, payload);
});

/** The case's gradients, one per input in order, compiled on `backend` in `dtype`. */
function engineGrads(c: TieCase, backend: Backend, dtype: 'float32' | 'float64'): number[][] {
  const names = Object.keys(c.inputs);
  const vars: Vars = Object.fromEntries(
    names.map(
      (n) =>
        [
          n,
          T.tensor(
            dtype,
            c.inputs[n].shape.map(() => null),
            n,
          ),
        ] as const,
    ),
  );
  const value = c.build(vars);
  const cost = T.sum(T.mul(value, T.constant(c.w.astype(dtype))));
  const grads = T.grad(
    cost,
    names.map((n) => vars[n]),
    { disconnected: 'zero' },
  );
  const f = T.fn(
    names.map((n) => vars[n]),
    grads,
    { backend },
  );
  const out = f(...names.map((n) => c.inputs[n].astype(dtype)));
  return (Array.isArray(out) ? out : [out]).map((g) => g.toFlat());
}

function expectGradsClose(got: number[][], want: number[][], names: string[], tol: number, what: string) {
  names.forEach((n, i) => {
    expect(got[i].length, `${what}: gradient of ${n}`).toBe(want[i].length);
    got[i].forEach((g, k) => {
      if (Math.abs(g - want[i][k]) > tol * Math.max(1, Math.abs(want[i][k]))) {
        expect.fail(`${what}: d/d${n}[${k}] is ${g}, expected ${want[i][k]} (all: ${got[i].join(', ')})`);
      }
    });
  });
}

const sides: [string, Backend, 'float32' | 'float64', number][] = [
  ['js float64', jsBackend, 'float64', 1e-12],
  ['cpu float32', cpuBackend, 'float32', 1e-6],
  ['cpu float64', cpuBackend, 'float64', 1e-12],
];

describe('gradients at ties split the upstream gradient (PyTorch convention)', () => {
  cases.forEach((c, ci) => {
    it(c.name, () => {
      const names = Object.keys(c.inputs);
      if (c.exact) {
        expectGradsClose(
          torchGrads[ci],
          names.map((n) => c.exact![n]),
          names,
          1e-12,
          `${c.name}: PyTorch vs the hand-worked gradient`,
        );
      }
      for (const [label, backend, dtype, tol] of sides) {
        expectGradsClose(engineGrads(c, backend, dtype), torchGrads[ci], names, tol, `${c.name} on ${label}`);
      }
    });
  });
});
