// The distillation report: the mentor's own results, and for every arm × student size the final
// test metrics over the student seeds (mean ± 95 % Student-t interval), its mean validation curve
// with a band, the mean soft and hard terms of its loss over training, its summed test confusion
// matrix (images), and its difference from the baseline on the same seeds (a paired interval:
// every arm trains the same seeds on the same data order). Stored with the experiment;
// present.ts turns it into tables and charts.
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import { finalMetricName, type RunOutcome } from '../../runPlan.ts';
import type { CurveReader } from '../experimentKind.ts';
import {
  armReadsMentor,
  isTranslationTask,
  modelLabel,
  parseModel,
  type DistillationConfig,
} from './config.ts';
import {
  meanCurve,
  storedInterval,
  thin,
  valueAtBest,
  type Curve,
  type MeanCurve,
  type StoredInterval,
} from './curves.ts';
import { mentorKey, mentorRun, studentGroups, type StudentGroup } from './plan.ts';

export interface MentorReport {
  label: string;
  /** trained: by this experiment; artifact: read from an artifact id or a file. */
  source: 'trained' | 'artifact';
  artifact: number | string | null;
  status: RunOutcome['status'] | 'missing' | null;
  /** Its final metrics (`test_accuracy`, `test_bleu_greedy`, …); empty for an artifact. */
  metrics: Record<string, number | null>;
  /** Its validation curve (one run). */
  curve: Curve;
  confusion: number[][] | null;
}

export interface GroupReport {
  arm: string;
  student: string;
  label: string;
  /** Whether the arm learns from the mentor. */
  distilled: boolean;
  /** The loss it minimised, written out (the run config's arm.formula). */
  formula: string;
  temperature: number | null;
  runs: number;
  diverged: number;
  metrics: Record<string, StoredInterval | null>;
  curve: MeanCurve;
  /** Mean soft and hard terms of the training loss (distilled arms). */
  lossTerms: { steps: number[]; soft: number[]; hard: number[] } | null;
  /** Test confusion matrix summed over seeds (images). */
  confusion: number[][] | null;
}

export interface Comparison {
  arm: string;
  student: string;
  baseline: string;
  metric: string;
  /** Mean over seeds of (arm − baseline) on the same seed, with its 95 % interval. */
  difference: StoredInterval | null;
}

export interface DistillationReport {
  task: string;
  /** What the curves show: val_accuracy (images) or val_bleu_greedy (translation). */
  curveMetric: string;
  /** The metric arms are compared on. */
  primaryMetric: string;
  transfer: { fraction: number; omitClass: number | null };
  studentSeeds: number;
  mentor: MentorReport;
  groups: GroupReport[];
  comparisons: Comparison[];
}

export const imageReportMetrics = ['test_accuracy', 'test_errors', 'test_loss', 'val_accuracy'];
export const omittedClassMetrics = [
  'bias_shift',
  'test_accuracy_omitted',
  'test_accuracy_omitted_shifted',
  'test_accuracy_shifted',
];
export const translationReportMetrics = [
  'test_bleu_greedy',
  'test_bleu_beam',
  'test_exact_greedy',
  'test_exact_beam',
  'test_consistent_greedy',
  'test_consistent_beam',
  'test_perplexity',
  'greedy_sentences_per_second',
  'beam_sentences_per_second',
];
/** Test accuracy at the evaluation with the lowest validation loss (early stopping). */
export const earlyStoppedAccuracy = 'test_accuracy_at_best_val';

function reportMetrics(config: DistillationConfig): string[] {
  if (isTranslationTask(config.task)) return translationReportMetrics;
  return config.transfer.omitClass === undefined
    ? imageReportMetrics
    : [...imageReportMetrics, ...omittedClassMetrics];
}

export function primaryMetric(config: DistillationConfig): string {
  if (isTranslationTask(config.task)) return 'test_bleu_greedy';
  return config.transfer.omitClass === undefined ? 'test_accuracy' : 'test_accuracy_omitted_shifted';
}

/** The test confusion matrix from final metrics (`final_test_confusion_<true>_<predicted>`). */
export function confusionFromResult(result: Record<string, number | null>): number[][] | null {
  const cells = Object.entries(result)
    .map(([name, value]) => ({ match: /^final_test_confusion_(\d+)_(\d+)$/.exec(name), value }))
    .filter((c) => c.match !== null);
  if (cells.length === 0) return null;
  const classes = Math.max(...cells.map((c) => Number(c.match![1]))) + 1;
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (const { match, value } of cells) matrix[Number(match![1])][Number(match![2])] = value ?? 0;
  return matrix;
}

/** Accuracy on class `cls` from a confusion matrix (right / examples of it), or null without any. */
export function classAccuracyFromConfusion(
  matrix: readonly (readonly number[])[],
  cls: number,
): number | null {
  const row = matrix[cls];
  const total = row?.reduce((s, v) => s + v, 0) ?? 0;
  return row && total > 0 ? row[cls] / total : null;
}

function sumMatrices(matrices: number[][][]): number[][] | null {
  if (matrices.length === 0) return null;
  return matrices[0].map((row, i) => row.map((_, j) => matrices.reduce((s, m) => s + (m[i]?.[j] ?? 0), 0)));
}

function finalValues(outcomes: readonly RunOutcome[], metric: string): number[] {
  return outcomes
    .map((o) => o.result[finalMetricName(metric)])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** Mean training curves of the soft and hard terms, at steps all runs have. */
function lossTerms(outcomes: readonly RunOutcome[], readCurve: CurveReader): GroupReport['lossTerms'] {
  if (outcomes.length === 0) return null;
  const soft = meanCurve(outcomes.map((o) => readCurve(o.runId, 'loss_soft')));
  const hard = meanCurve(outcomes.map((o) => readCurve(o.runId, 'loss_hard')));
  if (soft.steps.length === 0) return null;
  const hardAt = new Map(hard.steps.map((s, i) => [s, hard.mean[i]]));
  const steps = soft.steps.filter((s) => hardAt.has(s));
  const softAt = new Map(soft.steps.map((s, i) => [s, soft.mean[i]]));
  return { steps, soft: steps.map((s) => softAt.get(s)!), hard: steps.map((s) => hardAt.get(s)!) };
}

function groupReport(
  config: DistillationConfig,
  group: StudentGroup,
  finished: ReadonlyMap<string, RunOutcome>,
  readCurve: CurveReader,
  curveMetric: string,
): GroupReport {
  const outcomes = group.runs.map((r) => finished.get(r.key)).filter((o): o is RunOutcome => o !== undefined);
  const completed = outcomes.filter((o) => o.status === 'completed');
  const metrics: Record<string, StoredInterval | null> = {};
  for (const metric of reportMetrics(config))
    metrics[metric] = storedInterval(finalValues(completed, metric));
  if (!isTranslationTask(config.task)) {
    const early = completed
      .map((o) => valueAtBest(readCurve(o.runId, 'val_loss'), readCurve(o.runId, 'test_accuracy'), 'min'))
      .filter((v): v is number => v !== null);
    metrics[earlyStoppedAccuracy] = storedInterval(early);
  }
  const first = group.runs[0].config;
  return {
    arm: group.arm.name,
    student: modelLabel(group.model),
    label: group.label,
    distilled: armReadsMentor(group.arm),
    formula: first.arm?.formula ?? '',
    temperature: group.arm.distillation?.temperature ?? null,
    runs: outcomes.length,
    diverged: outcomes.filter((o) => o.status === 'diverged').length,
    metrics,
    curve: meanCurve(completed.map((o) => readCurve(o.runId, curveMetric))),
    lossTerms: group.arm.distillation ? lossTerms(completed, readCurve) : null,
    confusion: sumMatrices(
      completed.map((o) => confusionFromResult(o.result)).filter((m): m is number[][] => m !== null),
    ),
  };
}

function mentorReport(
  config: DistillationConfig,
  finished: ReadonlyMap<string, RunOutcome>,
  readCurve: CurveReader,
  curveMetric: string,
): MentorReport {
  const run = mentorRun(config);
  if (!run) {
    const model = config.mentor.model
      ? parseModel(config.task, config.mentor.model, 'experiment.mentor.model')
      : null;
    return {
      label: model ? `mentor ${modelLabel(model)}` : 'mentor',
      source: 'artifact',
      artifact: config.mentor.artifact ?? null,
      status: null,
      metrics: {},
      curve: { steps: [], values: [] },
      confusion: null,
    };
  }
  const outcome = finished.get(mentorKey);
  const metrics: Record<string, number | null> = {};
  for (const metric of reportMetrics(config)) {
    const value = outcome?.result[finalMetricName(metric)];
    if (value !== undefined) metrics[metric] = value;
  }
  const curve: Curve | null = outcome ? readCurve(outcome.runId, curveMetric) : null;
  return {
    label: run.label,
    source: 'trained',
    artifact: null,
    status: outcome?.status ?? 'missing',
    metrics,
    curve: curve ? { steps: thin(curve.steps), values: thin(curve.values) } : { steps: [], values: [] },
    confusion: outcome ? confusionFromResult(outcome.result) : null,
  };
}

/** Each arm that learns from the mentor against the first baseline arm of the same student size. */
function comparisons(
  config: DistillationConfig,
  groups: readonly StudentGroup[],
  finished: ReadonlyMap<string, RunOutcome>,
): Comparison[] {
  const metric = primaryMetric(config);
  const valueBySeed = (group: StudentGroup) =>
    new Map(
      group.runs.flatMap((run) => {
        const o = finished.get(run.key);
        const v = o?.status === 'completed' ? o.result[finalMetricName(metric)] : null;
        return typeof v === 'number' ? [[run.seed, v] as const] : [];
      }),
    );
  return groups
    .filter((g) => armReadsMentor(g.arm))
    .flatMap((group) => {
      const baseline = groups.find((b) => !armReadsMentor(b.arm) && b.sizeIndex === group.sizeIndex);
      if (!baseline) return [];
      const ours = valueBySeed(group);
      const theirs = valueBySeed(baseline);
      const differences = [...ours]
        .filter(([seed]) => theirs.has(seed))
        .map(([seed, v]) => v - theirs.get(seed)!);
      return [
        {
          arm: group.arm.name,
          student: modelLabel(group.model),
          baseline: baseline.arm.name,
          metric,
          difference: storedInterval(differences),
        },
      ];
    });
}

export function summariseDistillation(
  config: DistillationConfig,
  finished: ReadonlyMap<string, RunOutcome>,
  readCurve: CurveReader,
): DistillationReport {
  const translation = isTranslationTask(config.task);
  const curveMetric = translation ? 'val_bleu_greedy' : 'val_accuracy';
  const groups = studentGroups(config);
  return {
    task: config.task.name,
    curveMetric,
    primaryMetric: primaryMetric(config),
    transfer: { fraction: config.transfer.fraction, omitClass: config.transfer.omitClass ?? null },
    studentSeeds: config.student.seeds,
    mentor: mentorReport(config, finished, readCurve, curveMetric),
    groups: groups.map((g) => groupReport(config, g, finished, readCurve, curveMetric)),
    comparisons: comparisons(config, groups, finished),
  };
}

export function parseDistillationReport(value: unknown): DistillationReport {
  return parseWithSchema<DistillationReport>(
    'reports/distillation.schema.json',
    value,
    'the stored distillation report',
  );
}
