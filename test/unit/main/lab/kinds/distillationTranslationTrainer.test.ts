// The translation trainer of the distillation kind on a tiny toy language: resumed runs continue
// bit for bit, word-level KD is α·T²·soft + (1 − α)·hard of the terms it reports and the same
// with cached or live teacher logits, sequence-level KD trains on exactly the teacher's beam
// translations (seq-inter on the hypothesis of the beam closest to the reference), cached per
// teacher, the last evaluation decodes the test set greedily and with the beam, and a teacher of
// another vocabulary is refused.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NDArray } from '../../../../../engine/core/ndarray.ts';
import { smoothedSentenceBleu } from '../../../../../main/lab/bleu.ts';
import {
  distillationRunConfig,
  type DistillationRunConfig,
} from '../../../../../main/lab/kinds/distillation/runConfig.ts';
import {
  sentenceWords,
  translationDecoder,
} from '../../../../../main/lab/kinds/distillation/translationDecoding.ts';
import { TranslationDistillationTrainer } from '../../../../../main/lab/kinds/distillation/translationTrainer.ts';
import type { RunLoop } from '../../../../../main/lab/runPlan.ts';

const task = {
  name: 'toy-translation' as const,
  vocabulary: 5,
  minLength: 2,
  maxLength: 4,
  trainSize: 96,
  validationSize: 24,
  testSize: 24,
  dataSeed: 3,
};
const loop: RunLoop = { steps: 12, evalEvery: 6, checkpointEvery: 100, divergenceFactor: null };
const kd = {
  temperature: 2,
  alpha: 0.6,
  squaredTemperature: true,
  softLoss: 'kl',
  reduction: 'mean',
} as const;
const decoding = { beamSize: 3, evalSentences: 10 };

const teacherConfig: DistillationRunConfig = distillationRunConfig.parse({
  role: 'mentor',
  task,
  model: { cell: 'lstm', embedding: 6, hidden: 10, layers: 1, attention: 'general' },
  batchSize: 16,
  optimizer: { name: 'adam', lr: 0.01, weightDecay: 0 },
  transfer: null,
  arm: null,
  mentor: null,
  mentorLogits: 'cached',
  biasShift: null,
  decoding,
});

function student(
  teacherPath: string,
  arm: Partial<NonNullable<DistillationRunConfig['arm']>>,
  extra: Partial<DistillationRunConfig> = {},
) {
  return distillationRunConfig.parse({
    ...structuredClone(teacherConfig),
    role: 'student',
    model: { cell: 'gru', embedding: 4, hidden: 6, layers: 1, attention: 'dot' },
    arm: { name: 'student', formula: 'L', ...arm },
    mentor: { artifact: teacherPath },
    ...extra,
  });
}

function trainedTeacher(): { path: string; trainer: TranslationDistillationTrainer } {
  const trainer = new TranslationDistillationTrainer();
  trainer.init(teacherConfig, 1, { loop, inputs: {} });
  for (let i = 0; i < 20; i++) trainer.step();
  const path = join(mkdtempSync(join(tmpdir(), 'kd-teacher-')), 'model.safetensors');
  writeFileSync(path, trainer.artifacts()[0].bytes);
  return { path, trainer };
}

const teacher = trainedTeacher();
const trainingTargets = (t: TranslationDistillationTrainer) =>
  (t as unknown as { batches: { data: { target: NDArray; source: NDArray } } }).batches.data;

describe('distillation translation trainer', () => {
  it.each([
    ['a teacher', () => teacherConfig],
    ['a word-level KD student', () => student(teacher.path, { distillation: { ...kd } })],
  ] as const)('%s: restoring a checkpoint continues bit for bit', (_name, config) => {
    const original = new TranslationDistillationTrainer();
    original.init(config(), 4, { loop, inputs: {} });
    for (let i = 0; i < 4; i++) original.step();
    const saved = original.checkpoint();
    const continued = Array.from({ length: 5 }, () => original.step()); // 96 / 16 = 6 batches an epoch
    const restored = new TranslationDistillationTrainer();
    restored.init(config(), 4, { loop, inputs: {} });
    restored.restore(saved);
    expect(Array.from({ length: 5 }, () => restored.step())).toEqual(continued);
    expect(restored.evaluate()).toEqual(original.evaluate());
  });

  it('word-level KD mixes its reported terms with α·T², the same with cached or live teacher logits', () => {
    const runs = (['cached', 'live'] as const).map((mentorLogits) => {
      const t = new TranslationDistillationTrainer();
      t.init(student(teacher.path, { distillation: { ...kd } }, { mentorLogits }), 2, { loop, inputs: {} });
      return Array.from({ length: 6 }, () => t.step());
    });
    for (const m of runs[0]) {
      expect(m.loss).toBeCloseTo(
        kd.alpha * kd.temperature ** 2 * m.loss_soft + (1 - kd.alpha) * m.loss_hard,
        5,
      );
      expect(m.loss_soft).toBeGreaterThan(0);
    }
    runs[0].forEach((m, i) => expect(runs[1][i].loss).toBeCloseTo(m.loss, 5));
  });

  it('sequence-level KD trains on the teacher’s beam translations, computed once per teacher', () => {
    const t = new TranslationDistillationTrainer();
    t.init(student(teacher.path, { sequenceTargets: 'beam' }), 2, { loop, inputs: {} });
    expect(t.mentorOutputsCacheHit).toBe(false);
    const { source, target } = trainingTargets(t);
    const decoder = translationDecoder(
      (teacher.trainer as unknown as { model: Parameters<typeof translationDecoder>[0] }).model,
      task.maxLength + 1,
      'cpu',
    );
    const best = decoder.beam(source, decoding.beamSize).map((list) => list[0].tokens);
    const width = task.maxLength + 1;
    const rows = Array.from({ length: source.shape[0] }, (_, r) =>
      sentenceWords(target.toFlat().slice(r * width, (r + 1) * width)),
    );
    expect(rows).toEqual(best.map((words) => words.slice(0, width)));
    const again = new TranslationDistillationTrainer();
    again.init(student(teacher.path, { sequenceTargets: 'beam' }), 3, { loop, inputs: {} });
    expect(again.mentorOutputsCacheHit).toBe(true);

    // seq-inter: the hypothesis of the beam closest to the reference, never farther than the best.
    const inter = new TranslationDistillationTrainer();
    inter.init(student(teacher.path, { sequenceTargets: 'closest-beam' }), 2, { loop, inputs: {} });
    const chosen = trainingTargets(inter).target.toFlat();
    const references = trainingTargets(new TrainerWithReferences()).target.toFlat();
    const lists = decoder.beam(source, decoding.beamSize);
    lists.forEach((list, r) => {
      const reference = sentenceWords(references.slice(r * width, (r + 1) * width));
      const picked = sentenceWords(chosen.slice(r * width, (r + 1) * width));
      expect(list.map((h) => JSON.stringify(h.tokens))).toContain(JSON.stringify(picked));
      const bleu = (words: number[]) => smoothedSentenceBleu(words, [reference]);
      expect(bleu(picked)).toBeGreaterThanOrEqual(Math.max(...list.map((h) => bleu(h.tokens))) - 1e-12);
    });
  });

  it('decodes the whole test set greedily and with the beam at the last step', () => {
    const t = new TranslationDistillationTrainer();
    t.init(teacherConfig, 1, { loop: { ...loop, steps: 2 }, inputs: {} });
    expect(Object.keys(t.evaluate())).not.toContain('test_bleu_beam');
    t.step();
    t.step();
    const metrics = t.evaluate();
    for (const name of [
      'test_bleu_greedy',
      'test_bleu_beam',
      'test_exact_beam',
      'test_consistent_beam',
      'test_perplexity',
    ]) {
      expect(metrics[name], name).toBeGreaterThanOrEqual(0);
    }
    expect(metrics.test_perplexity).toBeCloseTo(Math.exp(metrics.test_loss), 10);
    expect(metrics.beam_sentences_per_second).toBeGreaterThan(0);
  });

  it('refuses a teacher of another target vocabulary, naming both sizes', () => {
    const other = new TranslationDistillationTrainer();
    other.init({ ...teacherConfig, task: { ...task, vocabulary: 7 } }, 1, { loop, inputs: {} });
    const path = join(mkdtempSync(join(tmpdir(), 'kd-other-')), 'model.safetensors');
    writeFileSync(path, other.artifacts()[0].bytes);
    expect(() =>
      new TranslationDistillationTrainer().init(student(path, { distillation: { ...kd } }), 1, {
        loop,
        inputs: {},
      }),
    ).toThrow(/the student has 13 output classes but the mentor \(.*\) has 17/);
  });
});

/** A teacher-config trainer, to read the reference targets of the training split. */
class TrainerWithReferences extends TranslationDistillationTrainer {
  constructor() {
    super();
    this.init(teacherConfig, 1, { loop, inputs: {} });
  }
}
