// The meta-training trainer on small quadratics: a checkpoint taken mid-problem resumes
// bit-identically (truncated BPTT, ES and PES alike); the artifact is the best-validated
// optimizer even after later steps made it worse or non-finite; training problems skip the
// excluded (validation and test) seeds; BPTT meta-training lowers the validation loss; and the
// frozen validation is exactly what an optimizer-comparison run of the saved optimizer measures.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../../engine/core/ndarray.ts';
import { decodeSafetensors } from '../../../../../engine/io/safetensors.ts';
import { decodeLearnedOptimizer } from '../../../../../engine/optim/learnedArtifact.ts';
import { deriveSeed } from '../../../../../main/lab/seeds.ts';
import { MetaTrainer } from '../../../../../main/lab/kinds/metaTraining/metaTrainer.ts';
import { MetaProblemTrainer } from '../../../../../main/lab/kinds/metaTraining/problemTrainer.ts';
import {
  metaTrainingRunConfig,
  type MetaTrainingRunConfig,
} from '../../../../../main/lab/kinds/metaTraining/runConfig.ts';

function runConfig(
  overrides: Partial<MetaTrainingRunConfig['metaTraining']> = {},
  kind: 'lstm' | 'mlp' = 'lstm',
) {
  return metaTrainingRunConfig.parse({
    preset: 'custom',
    problem: { name: 'l2l-quadratics', batch: 4, dims: 3, variant: 'gaussian', thetaStddev: 0.01 },
    optimizer:
      kind === 'lstm'
        ? { kind: 'lstm', hidden: 6, layers: 2, preprocessing: { kind: 'log-sign', p: 10 }, outputScale: 0.1 }
        : {
            kind: 'mlp',
            hidden: 8,
            hiddenLayers: 1,
            decays: [0.5, 0.9],
            timescales: [1, 10],
            stepMultiplier: 0.01,
            expMultiplier: 0.01,
          },
    metaTraining: {
      method: 'bptt',
      unroll: 3,
      horizon: 6,
      secondOrder: false,
      metaOptimizer: { name: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
      patience: null,
      es: { particles: 2, sigma: 0.01 },
      ...overrides,
    },
    validationSeeds: [101, 102],
    excludedSeeds: [201],
  });
}

const bits = (values: number[]) => Float64Array.from(values);

describe('MetaTrainer', () => {
  it.each([
    ['bptt', 'lstm'],
    ['es', 'mlp'],
    ['pes', 'mlp'],
  ] as const)('%s (%s): a checkpoint taken mid-problem resumes bit-identically', (method, kind) => {
    const config = runConfig({ method }, kind);
    const a = new MetaTrainer();
    a.init(config, 9);
    a.evaluate();
    a.step();
    a.step();
    a.step(); // mid-way through the second problem (horizon 6 = 2 unrolls)
    const saved = a.checkpoint();
    const rest = [a.step(), a.step(), a.step()].map((m) => m.loss);
    const evalA = a.evaluate();

    const b = new MetaTrainer();
    b.init(config, 9);
    b.restore(saved);
    const resumed = [b.step(), b.step(), b.step()].map((m) => m.loss);
    expect(bits(resumed)).toEqual(bits(rest));
    expect(b.evaluate()).toEqual(evalA);
    const weights = (t: MetaTrainer) => decodeSafetensors(t.checkpoint(), 'x').tensors;
    for (const [name, value] of Object.entries(weights(a)))
      expect(weights(b)[name].toFlat(), name).toEqual(value.toFlat());
  });

  it('leaves the best-validated optimizer, also once later steps made the weights non-finite', () => {
    const t = new MetaTrainer();
    t.init(runConfig(), 4);
    t.evaluate();
    for (let i = 0; i < 4; i++) t.step();
    const best = t.evaluate().best_val_loss;
    const kept = (
      t as unknown as { rule: { module: { stateDict(): Record<string, NDArray> } } }
    ).rule.module.stateDict();
    // Break the weights: the next meta-loss is NaN (the lab ends the run diverged there).
    const params = (
      t as unknown as { rule: { module: { parameters(): { get(): NDArray; set(v: NDArray): void }[] } } }
    ).rule.module.parameters();
    const first = params[0].get();
    params[0].set(NDArray.full(first.shape, Number.NaN, first.dtype));
    expect(t.step().loss).toBeNaN();
    const [artifact] = t.artifacts();
    expect(artifact).toMatchObject({ name: 'optimizer', format: 'safetensors', meta: { valLoss: best } });
    const loaded = decodeLearnedOptimizer(artifact.bytes, 'artifact');
    for (const [name, value] of Object.entries(loaded.rule.module.stateDict()))
      expect(value.toFlat(), name).toEqual(kept[name].toFlat());
  });

  it('never trains on an excluded seed', () => {
    const first = deriveSeed(7, 'train-problem', 0);
    const config = { ...runConfig(), excludedSeeds: [first] };
    const t = new MetaTrainer();
    t.init(config, 7);
    t.step();
    const position = JSON.parse(decodeSafetensors(t.checkpoint(), 'x').metadata.position) as {
      problemSeed: number;
    };
    expect(position.problemSeed).toBe(deriveSeed(7, 'train-problem', 1));
  });

  it('truncated BPTT lowers the validation loss of the learned optimizer', () => {
    const t = new MetaTrainer();
    t.init(runConfig({ unroll: 5, horizon: 20 }), 3);
    const before = t.evaluate().val_loss;
    for (let i = 0; i < 60; i++) t.step();
    const after = t.evaluate().val_loss;
    expect(after).toBeLessThan(0.7 * before);
  });

  it('validates exactly what an optimizer-comparison run of the saved optimizer measures', () => {
    const config = runConfig();
    const t = new MetaTrainer();
    t.init(config, 5);
    for (let i = 0; i < 4; i++) t.step();
    const val = t.evaluate().val_loss;
    const file = join(mkdtempSync(join(tmpdir(), 'meta-trainer-')), 'optimizer.safetensors');
    writeFileSync(file, t.artifacts()[0].bytes);
    const finals = config.validationSeeds.map((seed) => {
      const run = new MetaProblemTrainer();
      run.init({ problem: config.problem, optimizer: { name: 'learned', artifact: file } }, seed);
      for (let s = 0; s < config.metaTraining.horizon; s++) run.step();
      return run.evaluate().val_loss;
    });
    expect(Math.abs(val - (finals[0] + finals[1]) / 2)).toBeLessThan(1e-5 * Math.max(1, Math.abs(val)));
  });
});
