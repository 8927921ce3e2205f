// The image trainer of the distillation kind on small networks and a small MNIST split: resumed
// runs continue bit for bit (dropout masks included), the mentor's cached logits and its forward
// pass compiled into the student's step train the same student, the cache is keyed by mentor file
// and data, the loss is Hinton et al.'s mix of its reported terms, a mentor that is not what the
// definition declares is refused naming the key, and an omitted class is left out and measured.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DropoutMLP } from '../../../../../engine/nn/dropoutMlp.ts';
import { Rng } from '../../../../../engine/random/rng.ts';
import { ImageDistillationTrainer } from '../../../../../main/lab/kinds/distillation/imageTrainer.ts';
import { modelArtifact } from '../../../../../main/lab/kinds/distillation/modelArtifact.ts';
import {
  distillationRunConfig,
  type DistillationRunConfig,
} from '../../../../../main/lab/kinds/distillation/runConfig.ts';
import type { RunLoop } from '../../../../../main/lab/runPlan.ts';
import { imageMentorRunConfig } from '../../../../fixtures/lab/distillationRunConfig.ts';

const loop: RunLoop = { steps: 20, evalEvery: 10, checkpointEvery: 100, divergenceFactor: null };
const kd = {
  temperature: 4,
  alpha: 0.7,
  squaredTemperature: true,
  softLoss: 'kl',
  reduction: 'mean',
} as const;

const mentorConfig: DistillationRunConfig = distillationRunConfig.parse(
  structuredClone(imageMentorRunConfig),
);

function studentConfig(
  mentorPath: string,
  overrides: Partial<DistillationRunConfig> = {},
): DistillationRunConfig {
  return distillationRunConfig.parse({
    ...structuredClone(mentorConfig),
    role: 'student',
    model: { hidden: [8], activation: 'relu', inputDropout: 0, dropout: 0 },
    transfer: { fraction: 1, subsetSeed: 4 },
    arm: { name: 'distilled', distillation: { ...kd }, formula: 'L' },
    mentor: { artifact: mentorPath },
    ...overrides,
  });
}

/** A mentor trained for a few steps, saved as a model file in a fresh folder. */
function trainedMentorFile(): string {
  const mentor = new ImageDistillationTrainer();
  mentor.init(mentorConfig, 1, { loop, inputs: {} });
  for (let i = 0; i < 15; i++) mentor.step();
  const path = join(mkdtempSync(join(tmpdir(), 'kd-mentor-')), 'model.safetensors');
  writeFileSync(path, mentor.artifacts()[0].bytes);
  return path;
}

const mentorFile = trainedMentorFile();

describe('distillation image trainer', () => {
  it.each([
    ['a mentor with dropout', () => mentorConfig],
    ['a distilled student', () => studentConfig(mentorFile)],
  ] as const)('%s: restoring a checkpoint continues bit for bit', (_name, config) => {
    const original = new ImageDistillationTrainer();
    original.init(config(), 3, { loop, inputs: {} });
    for (let i = 0; i < 6; i++) original.step();
    const saved = original.checkpoint();
    // 300 digits / batch 32 = 9 batches an epoch: this crosses an epoch boundary.
    const continued = Array.from({ length: 8 }, () => original.step());
    const restored = new ImageDistillationTrainer();
    restored.init(config(), 3, { loop, inputs: {} });
    restored.restore(saved);
    expect(Array.from({ length: 8 }, () => restored.step())).toEqual(continued);
    expect(restored.evaluate()).toEqual(original.evaluate());
  });

  it('dropout draws new masks each step (a resumed run without its counters would differ)', () => {
    const a = new ImageDistillationTrainer();
    a.init(mentorConfig, 3, { loop, inputs: {} });
    const state = a.checkpoint();
    expect(new TextDecoder().decode(state)).toContain('mentor.dropout1.step');
  });

  it('the loss is α·T²·soft + (1 − α)·hard of the terms it reports; cached and live mentors train the same student', () => {
    const runs = (['cached', 'live'] as const).map((mentorLogits) => {
      const t = new ImageDistillationTrainer();
      t.init(studentConfig(mentorFile, { mentorLogits }), 5, { loop, inputs: {} });
      return Array.from({ length: 12 }, () => t.step());
    });
    for (const m of runs[0]) {
      expect(m.loss).toBeCloseTo(
        kd.alpha * kd.temperature ** 2 * m.loss_soft + (1 - kd.alpha) * m.loss_hard,
        5,
      );
      expect(m.loss_soft).toBeGreaterThan(0);
    }
    runs[0].forEach((m, i) => {
      expect(runs[1][i].loss).toBeCloseTo(m.loss, 5);
      expect(runs[1][i].loss_soft).toBeCloseTo(m.loss_soft, 5);
    });
  });

  it('caches mentor logits beside the mentor file, keyed by the file and the transfer set', () => {
    const path = trainedMentorFile();
    const first = new ImageDistillationTrainer();
    first.init(studentConfig(path), 1, { loop, inputs: {} });
    expect(first.mentorLogitsCacheHit).toBe(false);
    const again = new ImageDistillationTrainer();
    again.init(studentConfig(path), 2, { loop, inputs: {} });
    expect(again.mentorLogitsCacheHit).toBe(true);
    const otherData = new ImageDistillationTrainer();
    otherData.init(studentConfig(path, { transfer: { fraction: 0.5, subsetSeed: 4 } }), 1, {
      loop,
      inputs: {},
    });
    expect(otherData.mentorLogitsCacheHit).toBe(false);
    const cacheFolder = join(path, '..', 'mentor-logits');
    expect(readdirSync(cacheFolder)).toHaveLength(2);
    // Another mentor in the same folder: its own entry.
    writeFileSync(path, trainedMentorTrainer(7).artifacts()[0].bytes);
    const otherMentor = new ImageDistillationTrainer();
    otherMentor.init(studentConfig(path), 1, { loop, inputs: {} });
    expect(otherMentor.mentorLogitsCacheHit).toBe(false);
    expect(readdirSync(cacheFolder)).toHaveLength(3);
  });

  it('refuses a mentor that is not the declared architecture, or has other classes, naming the key', () => {
    const declared = studentConfig(mentorFile, {
      mentor: { artifact: mentorFile, model: { hidden: [1200, 1200], activation: 'relu' } },
    });
    expect(() => new ImageDistillationTrainer().init(declared, 1, { loop, inputs: {} })).toThrow(
      /experiment\.mentor\.model\.hidden is \[1200,1200\] but the file has \[24\]/,
    );
    const fiveClasses = new DropoutMLP([784, 6, 5], { name: 'x', rng: new Rng(1) });
    const path = join(mkdtempSync(join(tmpdir(), 'kd-five-')), 'model.safetensors');
    writeFileSync(
      path,
      modelArtifact(
        fiveClasses,
        { type: 'mlp', inputs: 784, hidden: [6], classes: 5, activation: 'relu' },
        {},
      ).bytes,
    );
    expect(() => new ImageDistillationTrainer().init(studentConfig(path), 1, { loop, inputs: {} })).toThrow(
      /the student has 10 output classes but the mentor \(.*model.safetensors\) has 5/,
    );
  });

  it('leaves the omitted class out of the transfer set and reports it before and after the bias shift', () => {
    const t = new ImageDistillationTrainer();
    const config = studentConfig(mentorFile, {
      transfer: { fraction: 1, omitClass: 3, subsetSeed: 4 },
      biasShift: { min: 0, max: 4, step: 0.5 },
    });
    t.init(config, 1, { loop: { ...loop, steps: 4 }, inputs: {} });
    const seen = (
      t as unknown as { batches: { data: { y: { toFlat(): number[] } } } }
    ).batches.data.y.toFlat();
    expect(seen.length).toBeGreaterThan(200);
    expect(seen).not.toContain(3);
    for (let i = 0; i < 4; i++) t.step();
    const metrics = t.evaluate();
    expect([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]).toContain(metrics.bias_shift);
    expect(metrics.test_accuracy_omitted_shifted).toBeGreaterThanOrEqual(metrics.test_accuracy_omitted);
    // The last evaluation carries the test confusion matrix: 10 × 10 counts of the 100 test digits.
    const cells = Object.entries(metrics).filter(([name]) => name.startsWith('test_confusion_'));
    expect(cells).toHaveLength(100);
    expect(cells.reduce((s, [, v]) => s + v, 0)).toBe(100);
    expect(metrics.test_errors).toBe(
      100 - cells.filter(([n]) => /_(\d)_\1$/.test(n)).reduce((s, [, v]) => s + v, 0),
    );
  });

  const fashion = '/usr/share/datasets/fashion-mnist';
  it.skipIf(!existsSync(fashion))(
    'reads full Fashion-MNIST through the IDX loader (validation held out of the training file)',
    () => {
      const t = new ImageDistillationTrainer();
      const config = distillationRunConfig.parse({
        ...structuredClone(mentorConfig),
        task: { name: 'idx', folder: fashion, validationSize: 5000, splitSeed: 0 },
        model: { hidden: [8], activation: 'relu', inputDropout: 0, dropout: 0 },
      });
      t.init(config, 1, { loop: { ...loop, steps: 3 }, inputs: {} });
      for (let i = 0; i < 3; i++) t.step();
      const metrics = t.evaluate();
      // 10,000 test images: the confusion matrix of the last step counts every one of them.
      const counted = Object.entries(metrics).filter(([n]) => n.startsWith('test_confusion_'));
      expect(counted.reduce((sum, [, v]) => sum + v, 0)).toBe(10000);
      expect(metrics.val_accuracy).toBeGreaterThan(0.1);
    },
  );

  it('a student model is a mentor too (its file describes itself)', () => {
    const student = new ImageDistillationTrainer();
    student.init(studentConfig(mentorFile), 1, { loop, inputs: {} });
    const path = join(mkdtempSync(join(tmpdir(), 'kd-student-')), 'model.safetensors');
    writeFileSync(path, student.artifacts()[0].bytes);
    const config = studentConfig(path, { mentor: { artifact: path, model: { hidden: [8] } } });
    // The same seed builds the same initial student: it matches its loaded twin exactly (KL 0).
    const twin = new ImageDistillationTrainer();
    twin.init(config, 1, { loop, inputs: {} });
    expect(twin.step().loss_soft).toBe(0);
    const other = new ImageDistillationTrainer();
    other.init(config, 2, { loop, inputs: {} });
    expect(other.step().loss_soft).toBeGreaterThan(0);
  });
});

function trainedMentorTrainer(seed: number): ImageDistillationTrainer {
  const mentor = new ImageDistillationTrainer();
  mentor.init(mentorConfig, seed, { loop, inputs: {} });
  mentor.step();
  return mentor;
}
