import { describe, expect, it } from 'vitest';
import { randomQuadratics } from '../../../../../engine/data/quadratics.ts';
import type { OptimizerRunConfig } from '../../../../../main/lab/kinds/optimizerComparison/runConfig.ts';
import {
  MnistMlpTrainer,
  QuadraticsTrainer,
  trainers,
} from '../../../../../main/lab/kinds/optimizerComparison/trainers.ts';

/** The engine trainers are synchronous: no awaiting needed in these tests. */
function trainer(name: string): QuadraticsTrainer | MnistMlpTrainer {
  return name === 'quadratics' ? new QuadraticsTrainer() : new MnistMlpTrainer();
}

const quadratics: OptimizerRunConfig = {
  problem: { name: 'quadratics', dims: 6, variant: 'gaussian', thetaStddev: 0.01 },
  optimizer: { name: 'sgd', lr: 0.01, weightDecay: 0 },
};

const mnist: OptimizerRunConfig = {
  problem: {
    name: 'mnist-mlp',
    hidden: [16],
    activation: 'tanh',
    batchSize: 32,
    trainSize: 256,
    validationSize: 64,
  },
  optimizer: { name: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
};

describe('engine-backed trainers', () => {
  it('are listed for the optimizer comparison and refuse a run config of the wrong shape, naming the key', () => {
    expect(trainers.map((t) => [t.name, t.runConfig.kind])).toEqual([
      ['quadratics', 'optimizer-comparison'],
      ['mnist-mlp', 'optimizer-comparison'],
      ['convnet', 'optimizer-comparison'],
    ]);
    const { runConfig } = trainers[0];
    expect(runConfig.parse(structuredClone(quadratics))).toEqual(quadratics);
    expect(() => runConfig.parse({ problem: { name: 'quadratics' }, optimizer: { name: 'sgd' } })).toThrow(
      /optimizer-comparison run config does not match .*\n {2}\/optimizer: must have required property 'lr'/,
    );
    // A problem option out of range is the trainer's to refuse: it names the option.
    const t = new QuadraticsTrainer();
    expect(() => t.init({ ...quadratics, problem: { name: 'quadratics', dims: 0 } }, 1)).toThrow(
      /quadratics problem does not match problems\/quadratics.schema.json:\n {2}\/dims: must be >= 1/,
    );
  });

  it('quadratics: SGD on ‖Wθ − y‖² follows a float64 reference loop of the same problem', () => {
    const seed = 17;
    const t = trainer('quadratics');
    t.init(quadratics, seed);
    // Reference: θ ← θ − lr · 2 Wᵀ(Wθ − y) in plain float64, from the same W, y, θ0.
    const d = 6;
    const { W, y, theta0 } = randomQuadratics({
      batch: 1,
      dims: d,
      seed,
      variant: 'gaussian',
      thetaStddev: 0.01,
    });
    const w = Array.from(W.toFlat());
    const target = Array.from(y.toFlat());
    const theta = Array.from(theta0.toFlat());
    const residual = () => target.map((yi, i) => theta.reduce((s, tj, j) => s + w[i * d + j] * tj, 0) - yi);
    for (let step = 0; step < 30; step++) {
      const r = residual();
      const expectedLoss = r.reduce((s, ri) => s + ri * ri, 0);
      expect(t.step().loss).toBeCloseTo(expectedLoss, 3);
      for (let j = 0; j < d; j++) theta[j] -= 0.01 * 2 * r.reduce((s, ri, i) => s + w[i * d + j] * ri, 0);
    }
    const finalLoss = residual().reduce((s, ri) => s + ri * ri, 0);
    expect(t.evaluate().val_loss).toBeCloseTo(finalLoss, 3);
    expect(t.environment()).toMatchObject({ backend: expect.stringMatching(/^(cpu|js)$/), device: 'cpu' });
  });

  it.each([
    ['quadratics', quadratics, 12],
    ['mnist-mlp', mnist, 5],
  ] as const)('%s: restoring a checkpoint continues bit for bit', (name, config, at) => {
    const original = trainer(name);
    original.init(config, 3);
    for (let i = 0; i < at; i++) original.step();
    const saved = original.checkpoint();
    // Past an epoch boundary for MNIST (256 digits / batch 32 = 8 batches per epoch).
    const continued = Array.from({ length: 12 }, () => original.step().loss);

    const restored = trainer(name);
    restored.init(config, 3);
    restored.restore(saved);
    expect(Array.from({ length: 12 }, () => restored.step().loss)).toEqual(continued);
    expect(restored.evaluate()).toEqual(original.evaluate());
  });

  it('mnist-mlp: Adam lowers the validation loss and reports accuracy', () => {
    const t = trainer('mnist-mlp');
    t.init(mnist, 1);
    const before = t.evaluate();
    for (let i = 0; i < 40; i++) t.step();
    const after = t.evaluate();
    expect(after.val_loss).toBeLessThan(before.val_loss);
    expect(after.val_accuracy).toBeGreaterThan(0.1);
  });
});
