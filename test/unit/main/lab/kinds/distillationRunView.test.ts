// One distillation run as the app's run page and `lab inspect` show it (presentDistillationRun),
// on runs and curves held in memory: the student's mentor found through its input artifact, in
// its own experiment for a baseline, or named by file; results and curves beside the mentor's;
// the KD loss split into its raw and weighted terms (T² on and off); per-class accuracy from the
// confusion matrices, the omitted class marked; the confusion matrix as a heat map.
import { describe, expect, it } from 'vitest';
import { formatCell } from '../../../../../main/cli/renderReport.ts';
import type { Curve } from '../../../../../main/lab/kinds/distillation/curves.ts';
import { presentDistillationRun } from '../../../../../main/lab/kinds/distillation/runView.ts';
import type { RunReader } from '../../../../../main/lab/kinds/experimentKind.ts';
import type { RunRecord } from '../../../../../main/store/records.ts';
import { imageMentorRunConfig } from '../../../../fixtures/lab/distillationRunConfig.ts';

const mentorConfig = imageMentorRunConfig;
const kd = { temperature: 4, alpha: 0.75, squaredTemperature: true, softLoss: 'kl', reduction: 'mean' };

function studentConfig(overrides: Record<string, unknown> = {}) {
  return {
    ...mentorConfig,
    role: 'student',
    model: { hidden: [8], activation: 'relu', inputDropout: 0, dropout: 0 },
    transfer: { fraction: 1, omitClass: 1, subsetSeed: 4 },
    biasShift: { min: 0, max: 4, step: 0.5 },
    arm: { name: 'soft', distillation: kd, formula: 'L = the formula' },
    mentor: {},
    ...overrides,
  };
}

/** Final confusion metrics of a 3-class matrix (the view reads any number of classes). */
function confusionResult(matrix: number[][]): Record<string, number> {
  return Object.fromEntries(
    matrix.flatMap((row, i) => row.map((v, j) => [`final_test_confusion_${i}_${j}`, v] as const)),
  );
}

function record(id: number, fields: Partial<RunRecord>): RunRecord {
  return {
    id,
    experimentId: 1,
    planKey: `run-${id}`,
    phase: 'students',
    label: `run ${id}`,
    trainer: 'distillation-images',
    status: 'completed',
    reason: null,
    config: null,
    loop: { steps: 20, evalEvery: 10, checkpointEvery: 100, divergenceFactor: null },
    selection: { name: 'val_loss', goal: 'min' },
    inputs: {},
    seed: 1,
    steps: 20,
    step: 20,
    environment: null,
    result: null,
    createdAt: 0,
    startedAt: 0,
    endedAt: 0,
    ...fields,
  };
}

const mentor = record(1, {
  phase: 'mentor',
  label: 'mentor 784-24-10',
  config: mentorConfig,
  result: confusionResult([
    [9, 1, 0],
    [0, 8, 2],
    [1, 0, 4],
  ]),
});
const student = record(2, {
  label: 'soft (student 784-8-10)',
  config: studentConfig(),
  inputs: { mentor: 77 },
  result: confusionResult([
    [8, 2, 0],
    [5, 0, 5],
    [0, 1, 4],
  ]),
});

const curves: Record<string, Curve> = {
  '1/val_accuracy': { steps: [0, 10, 20], values: [0.1, 0.8, 0.9] },
  '2/val_accuracy': { steps: [0, 10, 20], values: [0.1, 0.5, 0.6] },
  '2/test_accuracy': { steps: [0, 10, 20], values: [0.1, 0.5, 0.55] },
  '1/test_accuracy': { steps: [0, 20], values: [0.1, 0.84] },
  '2/loss_soft': { steps: [1, 2, 3], values: [0.5, 0.25, 0.125] },
  '2/loss_hard': { steps: [1, 2, 3], values: [2, 1.5, 1] },
  '2/loss': { steps: [1, 2, 3], values: [6.5, 3.375, 1.75] },
  '2/test_accuracy_omitted_shifted': { steps: [10, 20], values: [0.2, 0.6] },
};

function reader(runs: RunRecord[], artifacts: Record<number, number> = { 77: 1 }): RunReader {
  return {
    curve: (runId, name) => curves[`${runId}/${name}`] ?? { steps: [], values: [] },
    run: (id) => runs.find((r) => r.id === id),
    experimentRuns: (experimentId) => runs.filter((r) => r.experimentId === experimentId),
    artifactRun: (artifactId) => runs.find((r) => r.id === artifacts[artifactId]),
    models: (runId) =>
      runId === 2
        ? [
            {
              id: 91,
              runId,
              kind: 'model',
              name: 'model',
              format: 'safetensors',
              path: '/m',
              step: 20,
              bytes: 1,
              meta: {},
              createdAt: 0,
            },
          ]
        : [],
  };
}

const rows = (table: { rows: Parameters<typeof formatCell>[0][][] } | undefined) =>
  table?.rows.map((row) => row.map(formatCell)) ?? [];

describe('a distillation run as the run page shows it', () => {
  const view = presentDistillationRun(student, reader([mentor, student]));
  const table = (id: string) => view.tables.find((t) => t.id === id);
  const chart = (id: string) => view.charts.find((c) => c.id === id);

  it('says what the run is: its loss, its knobs, its mentor through the input artifact, its transfer set', () => {
    const what = Object.fromEntries(rows(table('run')).map(([k, v]) => [k, v]));
    expect(what).toMatchObject({
      role: 'student',
      arm: 'soft',
      loss: 'L = the formula',
      'distillation knobs': 'T 4 · α 0.75 · T² factor on · KL divergence · mean reduction',
      mentor: 'run 1 (mentor 784-24-10), its model artifact 77',
      'transfer set': 'all of the training split, without class 1',
      'bias shift grid': '0 … 4 in steps of 0.5',
      // Its own model, declared as a definition writes it (dropout is training, not architecture).
      'reuse as a mentor': 'mentor: { artifact: 91, model: { hidden: [8], activation: relu } }',
    });
  });

  it('puts the latest results and the validation curve beside the mentor’s', () => {
    expect(table('results')?.columns).toEqual([
      'metric',
      'soft (student 784-8-10)',
      'mentor: mentor 784-24-10',
    ]);
    expect(rows(table('results')).find((r) => r[0] === 'test accuracy')).toEqual([
      'test accuracy',
      '0.5500',
      '0.8400',
    ]);
    expect(chart('curves')?.series.map((s) => [s.label, s.y])).toEqual([
      ['soft (student 784-8-10)', [0.1, 0.5, 0.6]],
      ['mentor: mentor 784-24-10', [0.1, 0.8, 0.9]],
    ]);
  });

  it('splits the KD loss into raw terms and their weights in the loss, which add up to it', () => {
    const series = new Map(chart('loss-terms')!.series.map((s) => [s.label, s.y]));
    expect(series.get('soft term D(p_T ‖ q_T)')).toEqual([0.5, 0.25, 0.125]);
    expect(series.get('α·T² · soft (in the loss)')).toEqual([6, 3, 1.5]); // 0.75 · 16
    expect(series.get('(1 − α) · hard (in the loss)')).toEqual([0.5, 0.375, 0.25]);
    expect(series.get('loss')).toEqual([6.5, 3.375, 1.75]);
    const off = presentDistillationRun(
      record(2, {
        ...student,
        config: studentConfig({
          arm: { ...studentConfig().arm, distillation: { ...kd, squaredTemperature: false } },
        }),
      }),
      reader([mentor, student]),
    );
    const weighted = off.charts
      .find((c) => c.id === 'loss-terms')!
      .series.find((s) => s.label.startsWith('α ·'));
    expect(weighted?.y).toEqual([0.375, 0.1875, 0.09375]);
  });

  it('gives each class’s test accuracy beside the mentor’s, marks the omitted class, and shades the confusion matrix', () => {
    expect(rows(table('per-class'))).toEqual([
      ['0', '10', '0.8000', '0.9000', ''],
      ['1', '10', '0', '0.8000', 'never in the transfer set (before any bias shift)'],
      ['2', '5', '0.8000', '0.8000', ''],
    ]);
    expect(table('confusion')?.heatmap).toBe(true);
    expect(rows(table('confusion'))[1]).toEqual(['1', '5', '0', '5']);
    expect(chart('omitted')?.series.map((s) => s.y)).toEqual([[0.2, 0.6]]);
    expect(view.notes.join(' ')).toMatch(/Class 1 was never in this student's transfer set/);
  });

  it("compares a baseline student with its experiment's mentor run, and has no loss split", () => {
    // Run 2's curves, its loss_soft included: without a distillation arm there is no loss split.
    const baseline = record(2, {
      label: 'baseline (student 784-8-10)',
      config: studentConfig({ arm: { name: 'baseline', formula: 'L = CE(y, softmax(z_s))' } }),
    });
    const shown = presentDistillationRun(baseline, reader([mentor, baseline]));
    const what = Object.fromEntries(rows(shown.tables[0]).map(([k, v]) => [k, v]));
    expect(what.mentor).toBe('run 1 (mentor 784-24-10) — not read by this baseline student');
    expect(what['distillation knobs']).toBeUndefined();
    expect(shown.charts.map((c) => c.id)).toEqual(['curves', 'omitted']);
  });

  it('names a mentor read from a file, which has no run to draw', () => {
    const fromFile = record(4, {
      config: studentConfig({ mentor: { artifact: '/models/mentor.safetensors' } }),
    });
    const shown = presentDistillationRun(fromFile, reader([fromFile]));
    expect(rows(shown.tables[0]).find((r) => r[0] === 'mentor')?.[1]).toBe(
      'the model file /models/mentor.safetensors',
    );
    expect(shown.tables.find((t) => t.id === 'results')?.columns).toHaveLength(2);
    expect(shown.notes.join(' ')).toContain('has no run in this lab database');
  });
});
