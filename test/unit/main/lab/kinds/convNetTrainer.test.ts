// The optimizer comparison's convnet problem: the trainer lowers the validation loss with Adam,
// restores a checkpoint bit for bit, refuses options that do not fit (naming them), reads
// Fashion-MNIST from its IDX folder where Debian's package is installed, and its two presets
// validate (the folder of the Fashion-MNIST one is read only when a run starts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConvNetTrainer } from '../../../../../main/lab/kinds/optimizerComparison/convNetTrainer.ts';
import type { OptimizerRunConfig } from '../../../../../main/lab/kinds/optimizerComparison/runConfig.ts';
import { checkDefinition } from '../../../../../main/lab/loadDefinition.ts';
import { projectRoot } from '../../../../../native/paths.ts';

const fashion = '/usr/share/datasets/fashion-mnist';

const small = (problem: Record<string, unknown> = {}): OptimizerRunConfig => ({
  problem: {
    name: 'convnet',
    layers: [
      { type: 'conv', channels: 4, kernel: 5, padding: 2, activation: 'relu' },
      { type: 'maxpool', kernel: 4 },
      { type: 'flatten' },
      { type: 'dense', units: 10 },
    ],
    batchSize: 32,
    trainSize: 256,
    validationSize: 64,
    ...problem,
  },
  optimizer: { name: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
});

describe('convnet trainer', () => {
  it('Adam lowers the validation loss on MNIST and reports accuracy', () => {
    const t = new ConvNetTrainer();
    t.init(small(), 1);
    const before = t.evaluate();
    for (let i = 0; i < 30; i++) t.step();
    const after = t.evaluate();
    expect(after.val_loss).toBeLessThan(before.val_loss);
    expect(after.val_accuracy).toBeGreaterThan(0.2);
  });

  it('restoring a checkpoint continues bit for bit (across an epoch boundary)', () => {
    const original = new ConvNetTrainer();
    original.init(small(), 3);
    for (let i = 0; i < 5; i++) original.step();
    const saved = original.checkpoint();
    const continued = Array.from({ length: 6 }, () => original.step().loss);
    const restored = new ConvNetTrainer();
    restored.init(small(), 3);
    restored.restore(saved);
    expect(Array.from({ length: 6 }, () => restored.step().loss)).toEqual(continued);
  });

  it('refuses layers that do not end in 10 logits, sizes over the embedded digits, idx without a folder', () => {
    const t = new ConvNetTrainer();
    expect(() => t.init(small({ layers: [{ type: 'flatten' }, { type: 'dense', units: 5 }] }), 1)).toThrow(
      "the convnet problem's layers end in [5]; the last layer must be { type: dense, units: 10 }",
    );
    expect(() => t.init(small({ trainSize: 9500, validationSize: 1000 }), 1)).toThrow(
      /trainSize 9500 \+ validationSize 1000 exceed the 10,000 embedded MNIST digits/,
    );
    expect(() => t.init(small({ dataset: 'idx' }), 1)).toThrow(/convnet problem does not match.*\n.*folder/);
  });

  it.skipIf(!existsSync(fashion))('reads Fashion-MNIST from its IDX folder', () => {
    const t = new ConvNetTrainer();
    t.init(small({ dataset: 'idx', folder: fashion, validationSize: 100 }), 2);
    const before = t.evaluate();
    for (let i = 0; i < 10; i++) t.step();
    expect(t.evaluate().val_loss).toBeLessThan(before.val_loss);
  });
});

describe('convnet presets', () => {
  it.each(['convnet-mnist.yaml', 'convnet-fashion-mnist.yaml'])('%s is a valid definition', async (file) => {
    const path = join(projectRoot, 'curricula', file);
    const text = readFileSync(path, 'utf8');
    const result = await checkDefinition(text, path);
    expect(result.ok, JSON.stringify(result.ok ? '' : result.problems)).toBe(true);
  });
});
