// Hinton et al.'s distillation loss against PyTorch (float64 values and student gradients for
// every knob: temperature, α, the T² factor, KL vs cross-entropy, reduction), against finite
// differences, and its refusals.
import { describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import {
  distillationLoss,
  softTargetLoss,
  type DistillationLossOptions,
} from '../../../../engine/nn/distillation.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { constant, matrix, vector } from '../../../../engine/tensor.ts';
import { findPython, runPythonJson } from '../../../support/python.ts';

const rng = new Rng(71);
const student = rng.normal([5, 4], 'float64');
const mentor = rng.normal([5, 4], 'float64');
// A confident mentor row: p underflows to 0 for some classes at T = 1 (0 · log 0 must not be NaN).
mentor.data.set([60, -60, 0, -30], 0);
const labels = NDArray.from([0, 3, 1, 2, 1], [5], 'int32');

const settings: DistillationLossOptions[] = [
  { temperature: 1, alpha: 0.5, squaredTemperature: true, divergence: 'kl', reduction: 'mean' },
  { temperature: 4, alpha: 0.9, squaredTemperature: true, divergence: 'kl', reduction: 'mean' },
  { temperature: 4, alpha: 0.9, squaredTemperature: false, divergence: 'kl', reduction: 'sum' },
  { temperature: 20, alpha: 0.7, squaredTemperature: true, divergence: 'cross-entropy', reduction: 'mean' },
  { temperature: 2.5, alpha: 1, squaredTemperature: true, divergence: 'cross-entropy', reduction: 'sum' },
  { temperature: 3, alpha: 0, squaredTemperature: true, divergence: 'kl', reduction: 'mean' },
];

interface Measured {
  loss: number;
  soft: number;
  hard: number;
  grad: number[];
}

function ours(options: DistillationLossOptions): Measured {
  const s = matrix('s', 'float64');
  const m = matrix('m', 'float64');
  const y = vector('y', 'int32');
  const { loss, soft, hard } = distillationLoss(s, m, y, options);
  const gs = grad(loss, s);
  const outputs = fn([s, m, y], [loss, soft, hard, gs], { backend: 'js' })(
    student,
    mentor,
    labels,
  ) as NDArray[];
  return {
    loss: outputs[0].toFlat()[0],
    soft: outputs[1].toFlat()[0],
    hard: outputs[2].toFlat()[0],
    grad: outputs[3].toFlat(),
  };
}

const torchScript = `
import json, sys, torch
import torch.nn.functional as F
d = json.load(sys.stdin)
out = []
for o in d["settings"]:
    s = torch.tensor(d["student"], dtype=torch.float64, requires_grad=True)
    m = torch.tensor(d["mentor"], dtype=torch.float64)
    y = torch.tensor(d["labels"])
    T, a, red = o["temperature"], o["alpha"], o["reduction"]
    logq = F.log_softmax(s / T, dim=1)
    logp = F.log_softmax(m / T, dim=1)
    if o["divergence"] == "kl":
        soft = F.kl_div(logq, logp, reduction="batchmean" if red == "mean" else "sum", log_target=True)
    else:
        rows = -(logp.exp() * logq).sum(dim=1)
        soft = rows.mean() if red == "mean" else rows.sum()
    hard = F.cross_entropy(s, y, reduction=red)
    w = a * (T * T if o["squaredTemperature"] else 1.0)
    loss = w * soft + (1 - a) * hard
    loss.backward()
    out.append({"loss": loss.item(), "soft": soft.item(), "hard": hard.item(), "grad": s.grad.reshape(-1).tolist()})
print(json.dumps(out))
`;

describe('distillation loss against PyTorch', () => {
  const found = findPython('torch');
  it.skipIf(found.python === null)(
    'agrees in value, soft and hard terms and student gradient for every knob',
    () => {
      const theirs = runPythonJson<Measured[]>(found.python as string, torchScript, {
        settings,
        student: student.toNested(),
        mentor: mentor.toNested(),
        labels: labels.toFlat(),
      });
      settings.forEach((options, k) => {
        const mine = ours(options);
        const what = JSON.stringify(options);
        expect(mine.loss, what).toBeCloseTo(theirs[k].loss, 11);
        expect(mine.soft, what).toBeCloseTo(theirs[k].soft, 11);
        expect(mine.hard, what).toBeCloseTo(theirs[k].hard, 11);
        mine.grad.forEach((g, i) =>
          expect(Math.abs(g - theirs[k].grad[i]), `${what} grad[${i}]`).toBeLessThan(1e-12),
        );
      });
    },
  );
  if (found.python === null) console.warn(`skipping the PyTorch distillation comparison: ${found.reason}`);
});

describe('distillation loss', () => {
  it('passes finite differences with respect to the student logits', () => {
    for (const options of settings.slice(1, 4)) {
      verifyGrad(
        (s: Variable) => distillationLoss(s, constant(mentor), constant(labels), options).loss,
        [new Rng(5).normal([5, 4], 'float64')],
      );
    }
  });

  it('KL is zero where the student equals the mentor; cross-entropy is then the mentor entropy', () => {
    const s = matrix('s', 'float64');
    const kl = softTargetLoss(s, constant(student), { temperature: 3 });
    const ce = softTargetLoss(s, constant(student), {
      temperature: 3,
      divergence: 'cross-entropy',
      reduction: 'none',
    });
    const [klValue, ceRows] = fn([s], [kl, ce], { backend: 'js' })(student) as NDArray[];
    expect(Math.abs(klValue.toFlat()[0])).toBeLessThan(1e-12);
    const rows = student.toNested() as number[][];
    rows.forEach((row, i) => {
      const z = row.map((v) => v / 3);
      const top = Math.max(...z);
      const e = z.map((v) => Math.exp(v - top));
      const total = e.reduce((a, b) => a + b, 0);
      const entropy = -e.reduce((acc, v) => acc + (v / total) * Math.log(v / total), 0);
      expect(ceRows.toFlat()[i]).toBeCloseTo(entropy, 12);
    });
  });

  it('the mentor gets no gradient (it is frozen)', () => {
    const s = matrix('s', 'float64');
    const m = matrix('m', 'float64');
    const { loss } = distillationLoss(s, m, constant(labels), settings[1]);
    const gm = grad(loss, m, { disconnected: 'zero' });
    const value = (fn([s, m], gm, { backend: 'js' })(student, mentor) as NDArray).toFlat();
    expect(value.every((v) => v === 0)).toBe(true);
  });

  it('refuses a temperature ≤ 0, α outside [0, 1] and a student with other classes than its mentor', () => {
    const s = matrix('s', 'float32', [null, 10]);
    const m = matrix('m', 'float32', [null, 10]);
    const y = vector('y', 'int32');
    expect(() => softTargetLoss(s, m, { temperature: 0 })).toThrow(
      /temperature must be a finite number > 0, got 0/,
    );
    expect(() => distillationLoss(s, m, y, { temperature: -2, alpha: 0.5 })).toThrow(/temperature .* got -2/);
    expect(() => distillationLoss(s, m, y, { temperature: 2, alpha: 1.5 })).toThrow(
      /alpha .* must be in \[0, 1\], got 1.5/,
    );
    expect(() => softTargetLoss(s, matrix('m9', 'float32', [null, 9]), { temperature: 2 })).toThrow(
      /the student has 10 output classes but the mentor has 9/,
    );
  });
});
