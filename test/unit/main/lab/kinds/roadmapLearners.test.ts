// The roadmap learners on the graph engine: the character sequence learner learns micro-tasks
// and grades each answer; the roadmap trainer resumes bit-identically from its checkpoint; the
// MNIST learner's mitigations do what they claim — progressive columns leave earlier columns
// untouched, EWC's penalty is λ/2 Σ F (θ − θ*)², EWC keeps an earlier permutation that plain
// training forgets, and the replay reservoir stays a uniform sample of the stream.
import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../../engine/core/ndarray.ts';
import { findCharacterTask, fixedMappingTask } from '../../../../../engine/data/microTasks.ts';
import { Adam } from '../../../../../engine/optim/adam.ts';
import { SGD } from '../../../../../engine/optim/sgd.ts';
import { Rng } from '../../../../../engine/random/rng.ts';
import { shared } from '../../../../../engine/tensor.ts';
import { fn } from '../../../../../engine/compile/fn.ts';
import { ElasticConsolidation } from '../../../../../main/lab/kinds/roadmap/learners/elasticConsolidation.ts';
import {
  ImageLearner,
  type ImageLearnerOptions,
} from '../../../../../main/lab/kinds/roadmap/learners/imageLearner.ts';
import { ReservoirBuffer } from '../../../../../main/lab/kinds/roadmap/learners/replayBuffer.ts';
import { SequenceLearner } from '../../../../../main/lab/kinds/roadmap/learners/sequenceLearner.ts';
import { RoadmapTrainer } from '../../../../../main/lab/kinds/roadmap/roadmapTrainer.ts';
import type { RoadmapRunConfig } from '../../../../../main/lab/kinds/roadmap/runConfig.ts';

const tinySequence = { cell: 'lstm', hidden: 16, embedding: 8, layers: 1 } as const;

describe('the sequence learner', () => {
  it('learns find-char and a fixed mapping, grading each answer before it trains on it', () => {
    const tasks = [
      findCharacterTask({ alphabet: 'abcd', seed: 1 }),
      fixedMappingTask({ alphabet: 'abcd', seed: 2 }),
    ];
    const learner = new SequenceLearner(
      tasks,
      { model: tinySequence, batchSize: 16, validation: { examples: 64, seed: 9 } },
      new Adam({ lr: 0.03 }),
      1,
    );
    expect(learner.evaluate(0).accuracy).toBeLessThan(0.5);
    const gains: number[] = [];
    for (let step = 0; step < 240; step++) {
      const trained = learner.trainStep(step % 2, { predictionGain: step < 20 });
      expect(trained.correct).toHaveLength(16);
      if (trained.predictionGain !== undefined) gains.push(trained.predictionGain);
    }
    expect(learner.evaluate(0).accuracy).toBe(1);
    expect(learner.evaluate(1).accuracy).toBeGreaterThan(0.9);
    // Early steps lower the loss on the batch they trained on.
    expect(gains.filter((g) => g > 0).length).toBeGreaterThan(15);
    const last = learner.trainStep(0, { predictionGain: false });
    expect([...last.correct].every((c) => c === 1)).toBe(true);
  });
});

function sequenceRunConfig(): RoadmapRunConfig {
  return {
    roadmap: { name: 'micro', version: null, hash: null },
    skills: [
      {
        id: 'find',
        task: { name: 'find-char', alphabet: 'abcd', seed: 1 },
        prerequisites: [],
        mastery: { inARow: 10 },
      },
      {
        id: 'map',
        task: { name: 'fixed-mapping', alphabet: 'abcd', seed: 2 },
        prerequisites: ['find'],
        mastery: { accuracy: 0.9, window: 32 },
      },
    ],
    learner: {
      model: { name: 'sequence', ...tinySequence },
      optimizer: { name: 'adam', lr: 0.01 },
      batchSize: 8,
    },
    teacher: {
      name: 'tscl-sampling',
      lr: 0.1,
      window: 5,
      policy: 'egreedy',
      epsilon: 0.1,
      temperature: 0.0004,
      slope: 'absolute',
      label: 's',
    },
    budget: { steps: 100, untilMastered: false },
    evaluation: { examples: 32, teacherLogEvery: 1 },
    validationSeed: 5,
  };
}

describe('the roadmap trainer', () => {
  it('continues bit-identically from its checkpoint (weights, optimizer, teacher, mastery, data streams)', async () => {
    const context = {
      loop: { steps: 100, evalEvery: 10, checkpointEvery: 20, divergenceFactor: null },
      inputs: {},
    };
    const make = () => {
      const trainer = new RoadmapTrainer();
      trainer.init(sequenceRunConfig(), 3, context);
      return trainer;
    };
    const whole = make();
    const first = make();
    whole.evaluate();
    first.evaluate();
    for (let i = 0; i < 25; i++) {
      whole.step();
      first.step();
    }
    const bytes = first.checkpoint();
    const resumed = make();
    resumed.restore(bytes);
    for (let i = 0; i < 25; i++) expect(resumed.step()).toEqual(whole.step());
    const evaluation = resumed.evaluate();
    expect(evaluation).toEqual(whole.evaluate());
    expect(Object.keys(evaluation)).toEqual(
      expect.arrayContaining([
        'accuracy/find',
        'mastery/map',
        'mastered/find',
        'val_accuracy',
        'val_loss',
        'examples',
      ]),
    );
    await Promise.resolve();
  });

  it('stops when the budget says so: every skill mastered, a validation accuracy, examples', () => {
    const context = {
      loop: { steps: 400, evalEvery: 10, checkpointEvery: 100, divergenceFactor: null },
      inputs: {},
    };
    const scripted = (budget: RoadmapRunConfig['budget']): RoadmapTrainer => {
      const trainer = new RoadmapTrainer();
      trainer.init(
        {
          ...sequenceRunConfig(),
          learner: {
            model: { name: 'scripted', rate: 0.2, decay: 0 },
            optimizer: { name: 'adam', lr: 1 },
            batchSize: 10,
          },
          teacher: { name: 'manual', review: 0, finalUniform: 0, label: 'm' },
          budget,
        },
        1,
        context,
      );
      trainer.evaluate();
      return trainer;
    };
    const until = (trainer: RoadmapTrainer) => {
      for (let step = 1; step <= 400; step++) {
        trainer.step();
        if (step % 10 === 0) {
          trainer.evaluate();
          const reason = trainer.stopReason();
          if (reason) return reason;
        }
      }
      return null;
    };
    expect(until(scripted({ steps: 400, untilMastered: true }))).toMatch(
      /^every skill mastered at step \d+$/,
    );
    expect(until(scripted({ steps: 400, untilMastered: false, untilValAccuracy: 0.5 }))).toMatch(
      /^val_accuracy 0\.\d+ reached 0\.5 at step \d+$/,
    );
    expect(until(scripted({ steps: 400, untilMastered: false, examples: 95 }))).toBe(
      'the example budget (95) was spent at step 10',
    );
  });
});

const mlpSpec = (
  extra: Partial<Omit<ImageLearnerOptions, 'model' | 'validation'>> = {},
): ImageLearnerOptions => ({
  model: { name: 'mlp', hidden: [32], activation: 'relu', trainSize: 2000 },
  batchSize: 32,
  validation: { examples: 300, seed: 0 },
  ...extra,
});
const permuted = [
  { name: 'permuted-mnist', permutation: 0 },
  { name: 'permuted-mnist', permutation: 1 },
];

describe('the MNIST learner', () => {
  it('progressive columns: training column 1 leaves column 0 and its answers exactly as they were', () => {
    const learner = new ImageLearner(permuted, mlpSpec({ progressive: {} }), new Adam({ lr: 0.01 }), 1);
    for (let i = 0; i < 30; i++) learner.trainStep(0, { predictionGain: false });
    const before = learner.evaluate(0);
    const column0 = learner
      .stateVariables()
      .filter((v) => v.name!.includes('column0'))
      .map((v) => v.get().toFlat());
    for (let i = 0; i < 30; i++) learner.trainStep(1, { predictionGain: false });
    expect(learner.evaluate(0)).toEqual(before);
    const after = learner
      .stateVariables()
      .filter((v) => v.name!.includes('column0'))
      .map((v) => v.get().toFlat());
    expect(after).toEqual(column0);
    expect(learner.evaluate(1).accuracy).toBeGreaterThan(0.5);
  });

  it('EWC keeps the first permutation that plain training on the second erodes', () => {
    const forgetting = (ewc: boolean) => {
      const learner = new ImageLearner(
        permuted,
        {
          ...mlpSpec(ewc ? { ewc: { lambda: 30, samples: 100 } } : {}),
          model: { ...mlpSpec().model, hidden: [64] },
        },
        new SGD({ lr: 0.05 }),
        2,
      );
      for (let i = 0; i < 300; i++) learner.trainStep(0, { predictionGain: false });
      const learned = learner.evaluate(0).accuracy;
      learner.endStage(0);
      for (let i = 0; i < 800; i++) learner.trainStep(1, { predictionGain: false });
      return { learned, kept: learner.evaluate(0).accuracy, second: learner.evaluate(1).accuracy };
    };
    const plain = forgetting(false);
    const ewc = forgetting(true);
    expect(plain.learned).toBeGreaterThan(0.8);
    expect(plain.kept).toBeLessThan(plain.learned - 0.02);
    expect(ewc.kept).toBeGreaterThan(ewc.learned - 0.01);
    expect(ewc.second).toBeGreaterThan(0.8);
  });

  it("EWC's penalty is λ/2 Σ F (θ − θ*)² summed over the anchors it was given", () => {
    const theta = shared(NDArray.from([1, -2, 3], [3], 'float32'), 'theta');
    const ewc = new ElasticConsolidation([theta], 4);
    const penalty = fn([], ewc.penalty());
    ewc.consolidate([NDArray.from([0.5, 1, 0], [3], 'float32')]);
    theta.set(NDArray.from([2, 0, 0], [3], 'float32'));
    ewc.consolidate([NDArray.from([1, 0, 2], [3], 'float32')]);
    theta.set(NDArray.from([0, 0, 1], [3], 'float32'));
    // Anchors θ*₁ = (1, −2, 3) with F₁ = (.5, 1, 0), θ*₂ = (2, 0, 0) with F₂ = (1, 0, 2).
    const direct = 2 * (0.5 * 1 + 1 * 4 + 0 * 4 + 1 * 4 + 0 * 0 + 2 * 1);
    expect((penalty() as NDArray).toFlat()[0]).toBeCloseTo(direct, 5);
  });

  it('the replay reservoir holds a uniform sample of everything offered, and resumes', () => {
    const rng = new Rng(4);
    const buffer = new ReservoirBuffer(500);
    for (let skill = 0; skill < 4; skill++)
      buffer.add(
        skill,
        Array.from({ length: 2000 }, (_, i) => i),
        rng,
      );
    const counts = [0, 0, 0, 0];
    for (const entry of buffer.sample(4000, rng)) counts[entry.skill]++;
    for (const c of counts) expect(c / 4000).toBeCloseTo(0.25, 1);
    const copy = new ReservoirBuffer(500);
    copy.restore(JSON.parse(JSON.stringify(buffer.save())) as ReturnType<ReservoirBuffer['save']>);
    expect(copy.sample(5, new Rng(9))).toEqual(buffer.sample(5, new Rng(9)));
  });
});
