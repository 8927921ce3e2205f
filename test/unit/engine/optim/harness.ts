// Shared driver of the optimizer tests: runs an optimizer's compiled updates on a fixed gradient
// sequence and compares θ after every step with (1) the float64 reference loops of reference.ts
// and (2) torch.optim on the same gradients — all of a file's torch cases in one Python run.
import { beforeAll, describe, expect, it } from 'vitest';
import type { DType } from '../../../../engine/core/dtype.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import { shared, vector } from '../../../../engine/tensor.ts';
import type { Optimizer } from '../../../../engine/optim/index.ts';
import { findPython, runPythonJson } from '../../../support/python.ts';
import { fixedProblem, type Trajectory } from './reference.ts';

export interface OptimizerCase {
  label: string;
  make: () => Optimizer;
  /** torch.optim class name and keyword arguments describing the same optimizer. */
  torch: [string, Record<string, unknown>];
  reference: (theta0: number[], grads: number[][]) => Trajectory;
}

/** θ after each step of `optimizer` fed `grads` through a compiled step function. */
export function runCompiled(
  optimizer: Optimizer,
  theta0: number[],
  grads: number[][],
  dtype: DType,
): Trajectory {
  const theta = shared(NDArray.from(theta0, [theta0.length], dtype), 'theta');
  const g = vector('g', dtype);
  const step = fn([g], [], { updates: optimizer.updates([theta], [g]) });
  return grads.map((gt) => {
    step(NDArray.from(gt, [gt.length], dtype));
    return theta.get().toFlat();
  });
}

const TORCH_SCRIPT = `
import json, sys, torch
inp = json.load(sys.stdin)
out = []
for name, kwargs in inp["cases"]:
    p = torch.tensor(inp["theta0"], dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, name)([p], **kwargs)
    traj = []
    for g in inp["grads"]:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        traj.append(p.detach().tolist())
    out.append(traj)
print(json.dumps(out))
`;

function expectClose(actual: Trajectory, expected: Trajectory, rtol: number, atol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, t) =>
    row.forEach((a, i) => {
      const e = expected[t][i];
      if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
        throw new Error(
          `step ${t + 1}, coordinate ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`,
        );
      }
    }),
  );
}

export function describeOptimizer(title: string, cases: OptimizerCase[]): void {
  const { theta0, grads } = fixedProblem();

  describe(`${title} against float64 reference loops`, () => {
    for (const c of cases) {
      it(`${c.label}: float64 matches to rounding`, () => {
        expectClose(
          runCompiled(c.make(), theta0, grads, 'float64'),
          c.reference(theta0, grads),
          1e-12,
          1e-14,
        );
      });
      it(`${c.label}: float32 matches to float32 precision`, () => {
        expectClose(runCompiled(c.make(), theta0, grads, 'float32'), c.reference(theta0, grads), 1e-5, 1e-6);
      });
    }
  });

  describe(`${title} against torch.optim`, () => {
    const found = findPython('torch');
    let torchTrajectories: Trajectory[] = [];
    beforeAll(() => {
      if (found.python === null) {
        console.warn(`skipping the torch.optim comparison of ${title}: ${found.reason}`);
        return;
      }
      torchTrajectories = runPythonJson<Trajectory[]>(found.python, TORCH_SCRIPT, {
        cases: cases.map((c) => c.torch),
        theta0,
        grads,
      });
    });
    cases.forEach((c, k) => {
      it.skipIf(found.python === null)(
        `${c.label}: matches torch.optim.${c.torch[0]}(${JSON.stringify(c.torch[1])})`,
        () => {
          expectClose(runCompiled(c.make(), theta0, grads, 'float64'), torchTrajectories[k], 1e-10, 1e-13);
        },
      );
    });
  });
}
