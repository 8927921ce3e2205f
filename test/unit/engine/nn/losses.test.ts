import { describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  mse,
  type Reduction,
} from '../../../../engine/nn/losses.ts';
import { accuracy } from '../../../../engine/nn/metrics.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { constant, matrix, vector } from '../../../../engine/tensor.ts';
import { findPython, runPythonJson } from '../../../support/python.ts';

const rng = new Rng(31);
const logits = rng.normal([6, 4], 'float64');
// One confidently wrong row: a probability-based formula would overflow here.
logits.data.set([40, -40, 0, 0], 0);
const labels = NDArray.from([3, 0, 1, 2, 3, 1], [6], 'int32');
const probs = NDArray.from(
  Array.from({ length: 8 }, (_, i) => 0.05 + 0.11 * i),
  [8],
  'float64',
);
const targets = NDArray.from([0, 1, 1, 0, 0.5, 1, 0, 1], [8], 'float64');
// Includes ±40: the logits form must stay finite where sigmoid saturates.
const logits8 = NDArray.from(logits.toFlat().slice(0, 8), [8], 'float64');
const reductions: Reduction[] = ['mean', 'sum', 'none'];

function evaluate(build: (a: Variable, b: Variable) => Variable, a: NDArray, b: NDArray): number[] {
  const av = a.ndim === 2 ? matrix('a', a.dtype) : vector('a', a.dtype);
  const bv = vector('b', b.dtype);
  return (fn([av, bv], build(av, bv), { backend: 'js' })(a, b) as NDArray).toFlat();
}

function ours(): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const r of reductions) {
    out[`ce_${r}`] = evaluate((a, b) => crossEntropy(a, b, r), logits, labels);
    out[`bce_${r}`] = evaluate((a, b) => binaryCrossEntropy(a, b, r), probs, targets);
    out[`bcel_${r}`] = evaluate((a, b) => binaryCrossEntropyWithLogits(a, b, r), logits8, targets);
    out[`mse_${r}`] = evaluate((a, b) => mse(a, b, r), probs, targets);
  }
  return out;
}

describe('losses against torch.nn.functional', () => {
  const found = findPython('torch');
  it.skipIf(found.python === null)(
    'cross-entropy, BCE, BCE with logits and MSE agree for every reduction',
    () => {
      const mine = ours();
      const theirs = runPythonJson<Record<string, number[]>>(
        found.python as string,
        `
import json, sys, torch
import torch.nn.functional as F
d = json.load(sys.stdin)
t = lambda k: torch.tensor(d[k], dtype=torch.float64)
logits, labels = t("logits"), torch.tensor(d["labels"])
p, y, z = t("probs"), t("targets"), t("logits8")
out = {}
for r in ["mean", "sum", "none"]:
    out["ce_" + r] = F.cross_entropy(logits, labels, reduction=r).reshape(-1).tolist()
    out["bce_" + r] = F.binary_cross_entropy(p, y, reduction=r).reshape(-1).tolist()
    out["bcel_" + r] = F.binary_cross_entropy_with_logits(z, y, reduction=r).reshape(-1).tolist()
    out["mse_" + r] = F.mse_loss(p, y, reduction=r).reshape(-1).tolist()
print(json.dumps(out))
`,
        {
          logits: logits.toNested(),
          labels: labels.toFlat(),
          probs: probs.toFlat(),
          targets: targets.toFlat(),
          logits8: logits.toFlat().slice(0, 8),
        },
      );
      for (const key of Object.keys(theirs)) {
        expect(mine[key].length, key).toBe(theirs[key].length);
        mine[key].forEach((v, i) => expect(Math.abs(v - theirs[key][i]), `${key}[${i}]`).toBeLessThan(1e-12));
      }
      expect(Number.isFinite(mine.ce_none[0])).toBe(true);
    },
  );
  if (found.python === null) console.warn(`skipping the torch.nn.functional comparison: ${found.reason}`);
});

describe('loss gradients', () => {
  it('pass verifyGrad', () => {
    verifyGrad((a: Variable) => crossEntropy(a, constant(labels)), [new Rng(32).normal([6, 4], 'float64')]);
    verifyGrad((a: Variable) => binaryCrossEntropy(a, constant(targets)), [probs]);
    verifyGrad(
      (a: Variable) => binaryCrossEntropyWithLogits(a, constant(targets)),
      [new Rng(33).normal([8], 'float64')],
    );
    verifyGrad((a: Variable) => mse(a, constant(targets), 'sum'), [probs]);
  });

  it('explain a bad reduction', () => {
    expect(() => crossEntropy(matrix('a', 'float64'), vector('b', 'int32'), 'avg' as Reduction)).toThrow(
      /reduction must be 'mean', 'sum' or 'none'/,
    );
  });
});

describe('accuracy', () => {
  it('is the fraction of rows whose argmax is the label', () => {
    const expected =
      (logits.toNested() as number[][]).filter(
        (row, i) => row.indexOf(Math.max(...row)) === labels.toFlat()[i],
      ).length / 6;
    expect(evaluate((a, b) => accuracy(a, b), logits, labels)[0]).toBeCloseTo(expected, 6);
    expect(() => accuracy(matrix('a'), vector('b'))).toThrow(/labels must be int32/);
  });
});
