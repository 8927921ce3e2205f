// The optimizee problems of meta-training, against plain float64 references: a batch of
// quadratics trained by SGD through the optimizer-comparison trainer follows
// θ ← θ − lr · ∇ mean_b ‖W_b θ_b − y_b‖²; the MNIST MLP's loss at θ0 on step t's minibatch is the
// cross-entropy of a hand-written forward pass over the same images; an instance's minibatches
// depend only on (seed, step), so an unroll's data is the steps' batches in a row.
import { describe, expect, it } from 'vitest';
import { fn } from '../../../../../engine/compile/fn.ts';
import { randomQuadratics } from '../../../../../engine/data/quadratics.ts';
import { NDArray } from '../../../../../engine/core/ndarray.ts';
import { vector } from '../../../../../engine/tensor.ts';
import { MetaProblemTrainer } from '../../../../../main/lab/kinds/metaTraining/problemTrainer.ts';
import { createMetaProblem } from '../../../../../main/lab/kinds/metaTraining/problems/createMetaProblem.ts';
import { pyReference } from '../../../engine/ops/pyref.ts';

describe('l2l-quadratics', () => {
  it('trained by SGD follows a float64 reference of the mean of the batch’s ‖Wθ − y‖²', () => {
    const [B, d, lr, seed] = [3, 4, 0.02, 11];
    const t = new MetaProblemTrainer();
    t.init({ problem: { name: 'l2l-quadratics', batch: B, dims: d }, optimizer: { name: 'sgd', lr } }, seed);
    const { W, y, theta0 } = randomQuadratics({
      batch: B,
      dims: d,
      seed,
      variant: 'gaussian',
      thetaStddev: 0.01,
    });
    const w = W.toFlat();
    const target = y.toFlat();
    const theta = theta0.toFlat();
    const residual = (b: number, i: number) =>
      theta.slice(b * d, b * d + d).reduce((s, v, j) => s + w[(b * d + i) * d + j] * v, 0) -
      target[b * d + i];
    const loss = () => {
      let total = 0;
      for (let b = 0; b < B; b++) for (let i = 0; i < d; i++) total += residual(b, i) ** 2;
      return total / B;
    };
    for (let step = 0; step < 20; step++) {
      expect(t.step().loss).toBeCloseTo(loss(), 4);
      const g = new Array<number>(B * d).fill(0);
      for (let b = 0; b < B; b++)
        for (let i = 0; i < d; i++) {
          const r = residual(b, i);
          for (let j = 0; j < d; j++) g[b * d + j] += (2 / B) * r * w[(b * d + i) * d + j];
        }
      g.forEach((gj, j) => (theta[j] -= lr * gj));
    }
    expect(t.evaluate().val_loss).toBeCloseTo(loss(), 4);
  });
});

describe('l2l-mnist', () => {
  const options = { name: 'l2l-mnist', hidden: [5], batchSize: 8, evaluationSize: 16 };

  it('has the loss of a hand-written float64 MLP on the step’s minibatch', () => {
    const problem = createMetaProblem(options);
    expect(problem.size).toBe(784 * 5 + 5 + 5 * 10 + 10);
    const instance = problem.sample(3);
    const data = problem.stepInputs(2);
    const theta = vector('theta', 'float32', [problem.size]);
    const losses = fn(
      [...data, theta],
      [0, 1, 2].map((t) => problem.loss(data, theta, t)),
      { backend: 'js' },
    )(...instance.stepData(4, 2), instance.theta0) as NDArray[];
    const p = instance.theta0.toFlat();
    const [W1, b1, W2, b2] = [p.slice(0, 3920), p.slice(3920, 3925), p.slice(3925, 3975), p.slice(3975)];
    [0, 1, 2].forEach((t) => {
      const [x, labels] = instance.stepData(4 + t, 0).map((a) => a.toFlat());
      let total = 0;
      for (let r = 0; r < 8; r++) {
        const h = b1.map(
          (b, j) =>
            1 /
            (1 +
              Math.exp(-(b + x.slice(r * 784, r * 784 + 784).reduce((s, v, i) => s + v * W1[i * 5 + j], 0)))),
        );
        const z = b2.map((b, k) => b + h.reduce((s, v, j) => s + v * W2[j * 10 + k], 0));
        const m = Math.max(...z);
        total += m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) - z[labels[r]];
      }
      expect(losses[t].toFlat()[0]).toBeCloseTo(total / 8, 5);
    });
  });

  it('draws an instance’s minibatches by (seed, step) and θ0 ~ N(0, 0.01²)', () => {
    const problem = createMetaProblem(options);
    const a = problem.sample(9);
    const [xs, ys] = a.stepData(10, 2);
    expect(xs.shape).toEqual([3, 8, 784]);
    const single = [10, 11, 12].map((t) => a.stepData(t, 0));
    expect(xs.toFlat()).toEqual(single.flatMap(([x]) => x.toFlat()));
    expect(ys.toFlat()).toEqual(single.flatMap(([, y]) => y.toFlat()));
    expect(problem.sample(9).stepData(10, 0)[1].toFlat()).toEqual(single[0][1].toFlat());
    expect(problem.sample(8).stepData(10, 0)[1].toFlat()).not.toEqual(single[0][1].toFlat());
    const theta = a.theta0.toFlat();
    const std = Math.sqrt(theta.reduce((s, v) => s + v * v, 0) / theta.length);
    expect(std).toBeGreaterThan(0.0095);
    expect(std).toBeLessThan(0.0105);
  });
});

describe('l2l-mnist with conv (the conv optimizee)', () => {
  it('has the loss PyTorch computes for the same conv net, θ split by the problem’s slots', () => {
    const problem = createMetaProblem({
      name: 'l2l-mnist',
      conv: [{ channels: 3, kernel: 3 }],
      hidden: [5],
      activation: 'relu',
      batchSize: 4,
      evaluationSize: 16,
      thetaStddev: 0.1,
    });
    // conv 3×1×3×3 + 3, then 2×2 pooling: 3×14×14 = 588 features into dense 5, then 10 classes.
    expect(problem.slots.map((s) => s.shape)).toEqual([[3, 1, 3, 3], [3], [588, 5], [5], [5, 10], [10]]);
    expect(problem.size).toBe(27 + 3 + 588 * 5 + 5 + 50 + 10);
    const instance = problem.sample(5);
    const data = problem.stepInputs(0);
    const theta = vector('theta', 'float32', [problem.size]);
    const [x, labels] = instance.stepData(2, 0);
    const loss = fn([...data, theta], problem.loss(data, theta, 0), { backend: 'cpu' })(
      x,
      labels,
      instance.theta0,
    ) as NDArray;
    let offset = 0;
    const flat = instance.theta0.toFlat();
    const parts = problem.slots.map((slot) => {
      const part = NDArray.from(flat.slice(offset, offset + slot.size), [...slot.shape], 'float64');
      offset += slot.size;
      return part;
    });
    const [want] = pyReference([
      {
        expr: 'F.cross_entropy(torch.relu(F.max_pool2d(torch.relu(F.conv2d(t(x).reshape(-1, 1, 28, 28), t(w0), t(b0), padding=1)), 2).flatten(1) @ t(w1) + t(b1)) @ t(w2) + t(b2), t(y).long())',
        inputs: {
          x: x.reshape([4, 784]),
          y: labels.reshape([4]),
          w0: parts[0],
          b0: parts[1],
          w1: parts[2],
          b1: parts[3],
          w2: parts[4],
          b2: parts[5],
        },
      },
    ]);
    expect(loss.toFlat()[0]).toBeCloseTo(want.data[0], 4);
  });
});
