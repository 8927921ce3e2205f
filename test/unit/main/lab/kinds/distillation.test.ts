// The distillation kind's lifecycle without training: what it plans (the mentor first, students
// that wait for it, baselines that do not, a mentor from an artifact), the loss each arm's runs
// store, and what the report concludes from finished runs (intervals, the paired comparison with
// the baseline, early stopping, summed confusion matrices), also after a trip through JSON.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCell } from '../../../../../main/cli/renderReport.ts';
import {
  parseDistillationConfig,
  type DistillationConfig,
} from '../../../../../main/lab/kinds/distillation/config.ts';
import { lossFormula } from '../../../../../main/lab/kinds/distillation/lossFormula.ts';
import {
  mentorKey,
  planDistillation,
  studentGroups,
} from '../../../../../main/lab/kinds/distillation/plan.ts';
import { presentDistillation } from '../../../../../main/lab/kinds/distillation/present.ts';
import {
  parseDistillationReport,
  summariseDistillation,
} from '../../../../../main/lab/kinds/distillation/report.ts';
import { checkDefinition } from '../../../../../main/lab/loadDefinition.ts';
import type { RunOutcome } from '../../../../../main/lab/runPlan.ts';
import { meanConfidenceInterval } from '../../../../../main/lab/statistics.ts';
import { projectRoot } from '../../../../../native/paths.ts';

function config(overrides: Record<string, unknown> = {}): DistillationConfig {
  return parseDistillationConfig({
    name: 'unit',
    seed: 3,
    task: { name: 'mnist', trainSize: 500 },
    mentor: { model: { hidden: [32] }, training: { steps: 50 } },
    student: { model: { hidden: [8] }, training: { steps: 40 }, seeds: 3, sizes: [[8], [16]] },
    arms: [{ name: 'baseline' }, { name: 'soft', distillation: { temperature: 20, alpha: 0.9 } }],
    ...overrides,
  });
}

describe('distillation plan', () => {
  it('trains the mentor first; distilled students read its model, baselines start at once; seeds are shared', () => {
    const { runs, complete } = planDistillation(config(), new Map());
    expect(complete).toBe(true);
    expect(runs[0]).toMatchObject({ key: mentorKey, phase: 'mentor', trainer: 'distillation-images' });
    expect(runs[0].config).toMatchObject({ role: 'mentor', model: { hidden: [32], dropout: 0 }, arm: null });
    const students = runs.slice(1);
    expect(students).toHaveLength(2 * 2 * 3);
    const baseline = students.filter((r) => r.config.arm?.name === 'baseline');
    const soft = students.filter((r) => r.config.arm?.name === 'soft');
    expect(baseline.every((r) => r.inputs === undefined && r.config.mentor === null)).toBe(true);
    expect(
      soft.every((r) => r.inputs?.mentor && 'run' in r.inputs.mentor && r.inputs.mentor.run === mentorKey),
    ).toBe(true);
    expect(new Set(baseline.map((r) => r.seed))).toEqual(new Set(soft.map((r) => r.seed)));
    expect(new Set(students.map((r) => r.key)).size).toBe(students.length);
    expect(soft[0].key).toMatch(/^student\/1-soft\/784-8-10\/seed=\d+$/);
    expect(soft[0].config.arm?.formula).toBe(
      "L = 0.9 · T² · KL(softmax(z_m/T) ‖ softmax(z_s/T)) + 0.1 · CE(y, softmax(z_s)); T = 20 (T² = 400); z_m: the mentor's logits, z_s: the student's; y = the true class; mean over examples",
    );
    // Every student of every arm learns from the same transfer subset.
    expect(new Set(students.map((r) => r.config.transfer?.subsetSeed)).size).toBe(1);
  });

  it('reads a mentor artifact by id (students wait for nothing else) or by path (kept in the config)', () => {
    const byId = planDistillation(
      config({ mentor: { artifact: 12, model: { hidden: [32] } } }),
      new Map(),
    ).runs;
    expect(byId.some((r) => r.key === mentorKey)).toBe(false);
    const soft = byId.filter((r) => r.config.arm?.name === 'soft');
    expect(
      soft.every((r) => JSON.stringify(r.inputs) === JSON.stringify({ mentor: { artifactId: 12 } })),
    ).toBe(true);
    expect(soft[0].config.mentor).toEqual({
      model: { hidden: [32], activation: 'relu', inputDropout: 0, dropout: 0 },
    });
    const byPath = planDistillation(config({ mentor: { artifact: 'm.safetensors' } }), new Map()).runs;
    expect(byPath.find((r) => r.config.arm?.name === 'soft')).toMatchObject({
      config: { mentor: { artifact: 'm.safetensors' } },
    });
    expect(byPath.find((r) => r.config.arm?.name === 'soft')?.inputs).toBeUndefined();
  });

  it('writes each loss knob into the formula', () => {
    const terms = { unit: 'example', labels: 'the true class' } as const;
    expect(lossFormula({ name: 'b' }, terms)).toBe(
      'L = CE(y, softmax(z_s)); y = the true class; mean over examples',
    );
    expect(
      lossFormula(
        {
          name: 'ce',
          distillation: {
            temperature: 2.5,
            alpha: 1,
            squaredTemperature: false,
            softLoss: 'cross-entropy',
            reduction: 'sum',
          },
        },
        terms,
      ),
    ).toMatch(/^L = 1 · CE\(softmax\(z_m\/T\), softmax\(z_s\/T\)\); T = 2.5; .*sum over examples$/);
    expect(lossFormula({ name: 's', sequenceTargets: 'beam' }, { unit: 'target word', labels: 'r' }, 5)).toBe(
      "L = CE(ŷ, softmax(z_s)); ŷ = the mentor's beam-5 translation; mean over target words",
    );
  });
});

function outcome(key: string, runId: number, result: Record<string, number | null>): RunOutcome {
  return { key, runId, status: 'completed', result };
}

describe('distillation report', () => {
  const c = config({ student: { model: { hidden: [8] }, training: { steps: 40 }, seeds: 3 } });
  const groups = studentGroups(c);
  const accuracy: Record<string, number[]> = { baseline: [0.9, 0.92, 0.91], soft: [0.93, 0.945, 0.935] };
  const finished = new Map<string, RunOutcome>([
    [
      mentorKey,
      outcome(mentorKey, 1, {
        final_test_accuracy: 0.97,
        final_test_confusion_0_0: 5,
        final_test_confusion_1_0: 1,
        final_test_confusion_1_1: 4,
        final_test_confusion_0_1: 0,
      }),
    ],
  ]);
  let runId = 2;
  for (const g of groups)
    g.runs.forEach((run, i) =>
      finished.set(
        run.key,
        outcome(run.key, runId++, {
          final_test_accuracy: accuracy[g.arm.name][i],
          final_test_errors: Math.round((1 - accuracy[g.arm.name][i]) * 1000),
          final_test_confusion_0_0: 3,
          final_test_confusion_0_1: i,
          final_test_confusion_1_0: 1,
          final_test_confusion_1_1: 2,
        }),
      ),
    );
  // Validation loss is lowest at step 20, where the test accuracy was 0.5 for every run.
  const readCurve = (id: number, name: string) => {
    if (name === 'val_loss') return { steps: [10, 20, 30], values: [0.5, 0.2, 0.3] };
    if (name === 'test_accuracy') return { steps: [10, 20, 30], values: [0.4, 0.5, 0.45] };
    if (name === 'loss_soft' || name === 'loss_hard') return { steps: [1, 2], values: [id, id / 2] };
    return { steps: [10, 20], values: [0.1 * id, 0.2] };
  };
  const report = summariseDistillation(c, finished, readCurve);

  it('summarises each arm over its seeds with 95 % intervals, early stopping and summed confusion matrices', () => {
    const [baseline, soft] = report.groups;
    const expected = meanConfidenceInterval(accuracy.soft);
    expect(soft.metrics.test_accuracy).toMatchObject({ n: 3, mean: expected.mean });
    expect(soft.metrics.test_accuracy?.halfWidth).toBeCloseTo(expected.halfWidth, 12);
    expect(baseline.metrics.test_accuracy_at_best_val).toMatchObject({ n: 3, mean: 0.5 });
    expect(baseline.confusion).toEqual([
      [9, 3],
      [3, 6],
    ]);
    expect(report.mentor).toMatchObject({
      source: 'trained',
      metrics: { test_accuracy: 0.97 },
      confusion: [
        [5, 0],
        [1, 4],
      ],
    });
    expect(baseline.lossTerms).toBeNull();
    expect(soft.lossTerms?.steps).toEqual([1, 2]);
  });

  it('compares each distilled arm with the baseline paired by seed', () => {
    const differences = accuracy.soft.map((v, i) => v - accuracy.baseline[i]);
    const expected = meanConfidenceInterval(differences);
    expect(report.comparisons).toHaveLength(1);
    expect(report.comparisons[0]).toMatchObject({
      arm: 'soft',
      baseline: 'baseline',
      metric: 'test_accuracy',
    });
    expect(report.comparisons[0].difference?.mean).toBeCloseTo(expected.mean, 12);
    expect(report.comparisons[0].difference?.halfWidth).toBeCloseTo(expected.halfWidth, 12);
  });

  it('survives JSON and presents tables and charts the CLI can print', () => {
    const stored = parseDistillationReport(JSON.parse(JSON.stringify(report)));
    const lab = presentDistillation(stored);
    expect(lab.tables.map((t) => t.id)).toEqual([
      'results',
      'comparison',
      'losses',
      'confusion-mentor',
      'confusion-0',
      'confusion-1',
    ]);
    const results = lab.tables[0];
    expect(results.rows[0].map(formatCell)[0]).toBe('mentor 784-32-10');
    // The app shades confusion matrices by count; result tables stay plain.
    expect(lab.tables.filter((t) => t.heatmap).map((t) => t.id)).toEqual([
      'confusion-mentor',
      'confusion-0',
      'confusion-1',
    ]);
    expect(lab.tables[1].rows[0].map(formatCell).at(-1)).toBe('yes');
    expect(lab.charts.map((c) => c.id)).toEqual(['curves', 'loss-terms']);
    // With an omitted class, the mentor (which saw it) gets its accuracy on it from its confusion matrix.
    const omitted = presentDistillation({ ...stored, transfer: { fraction: 1, omitClass: 1 } });
    const mentorRow = omitted.tables.find((t) => t.id === 'omitted')!.rows[0].map(formatCell);
    expect(mentorRow[3]).toBe('0.8000'); // 4 of the mentor's 5 test 1s

    expect(lab.charts[0].series.map((s) => s.label)).toEqual(['mentor 784-32-10', 'baseline', 'soft']);
  });
});

describe('distillation presets', () => {
  const presets = readdirSync(join(projectRoot, 'curricula')).filter((f) => f.endsWith('.yaml'));
  const ours = presets.filter((f) =>
    readFileSync(join(projectRoot, 'curricula', f), 'utf8').includes('kind: distillation'),
  );
  it.each(ours)('%s is a valid definition', async (file) => {
    const path = join(projectRoot, 'curricula', file);
    const text = readFileSync(path, 'utf8');
    const result = await checkDefinition(text, path);
    // An IDX preset needs its files (CI installs Debian's fashion-mnist); without them the only
    // problem may be the missing folder.
    const folder = /^\s+folder: (.+)$/m.exec(text)?.[1];
    if (folder && !existsSync(folder)) {
      expect(result.ok ? [] : result.problems.map((p) => p.keyPath)).toEqual(['experiment.task.folder']);
      return;
    }
    expect(result.ok, JSON.stringify(result.ok ? '' : result.problems)).toBe(true);
  });
});
