// The optimizer-comparison report: for each optimizer, the learning rate tuning chose, its final
// validation loss on the fresh report seeds (mean ± 95 % Student-t interval), the steps it needed
// to reach the target loss, and its mean validation curve with a 95 % band. This is what is
// stored with the experiment; present.ts turns it into tables and charts.
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import type { RunOutcome } from '../../runPlan.ts';
import { mean, meanConfidenceInterval } from '../../statistics.ts';
import type { CurveReader } from '../experimentKind.ts';
import type { OptimizerComparisonConfig } from './config.ts';
import { optimizerTunings, reportRuns } from './plan.ts';
import type { LearningRateScore } from './selection.ts';

export interface StepsToTarget {
  target: number;
  /** Mean over the runs that reached the target; null if none did. */
  meanSteps: number | null;
  reached: number;
  runs: number;
}

export interface OptimizerReport {
  label: string;
  optimizer: Record<string, unknown>;
  lr: number | null;
  /** learned: a learned optimizer, which has no learning rate. */
  lrSource: 'tuned' | 'fixed' | 'learned';
  tuning: LearningRateScore[];
  runs: number;
  diverged: number;
  finalValLoss: StoredInterval | null;
  stepsToTarget: StepsToTarget | null;
  curve: MeanCurve;
}

/** A mean with its 95 % interval as stored: what is undefined for one value is null (JSON has no NaN). */
export interface StoredInterval {
  n: number;
  mean: number;
  std: number | null;
  halfWidth: number | null;
  low: number | null;
  high: number | null;
}

export function storedInterval(values: readonly number[]): StoredInterval {
  const { n, mean: m, std, halfWidth, low, high } = meanConfidenceInterval(values);
  const orNull = (v: number) => (Number.isFinite(v) ? v : null);
  return { n, mean: m, std: orNull(std), halfWidth: orNull(halfWidth), low: orNull(low), high: orNull(high) };
}

/** The mean validation curve over an optimizer's report runs, at the steps all of them have. */
export interface MeanCurve {
  steps: number[];
  meanValLoss: number[];
  /** Half-width of the 95 % interval of the mean at each step (null with one run; absent in reports stored before it was kept). */
  halfWidth?: (number | null)[];
}

export interface OptimizerComparisonReport {
  problem: string;
  steps: number;
  optimizers: OptimizerReport[];
}

const maxCurvePoints = 200;

/** First step at which the curve is at or below `target`, or null. */
export function firstStepAtOrBelow(
  curve: { steps: number[]; values: (number | null)[] },
  target: number,
): number | null {
  const index = curve.values.findIndex((v) => v !== null && v <= target);
  return index < 0 ? null : curve.steps[index];
}

/** Pointwise mean (and 95 % interval) of curves over the steps all of them have, thinned to ≤ maxCurvePoints. */
export function meanCurve(curves: { steps: number[]; values: (number | null)[] }[]): MeanCurve {
  if (curves.length === 0) return { steps: [], meanValLoss: [], halfWidth: [] };
  const maps = curves.map((c) => new Map(c.steps.map((s, i) => [s, c.values[i]])));
  const valuesAt = (step: number) => maps.map((m) => m.get(step)).filter((v) => typeof v === 'number');
  const common = curves[0].steps.filter((s) => valuesAt(s).length === maps.length);
  const stride = Math.max(1, Math.ceil(common.length / maxCurvePoints));
  const steps = common.filter((_, i) => i % stride === 0 || i === common.length - 1);
  const intervals = steps.map((s) => meanConfidenceInterval(valuesAt(s)));
  return {
    steps,
    meanValLoss: steps.map((s) => mean(valuesAt(s))),
    halfWidth: intervals.map((i) => (Number.isFinite(i.halfWidth) ? i.halfWidth : null)),
  };
}

export function summariseOptimizerComparison(
  config: OptimizerComparisonConfig,
  finished: ReadonlyMap<string, RunOutcome>,
  readCurve: CurveReader,
): OptimizerComparisonReport {
  const optimizers = optimizerTunings(config, finished).map((tuning): OptimizerReport => {
    const outcomes = reportRuns(config, tuning)
      .map((plan) => finished.get(plan.key))
      .filter((o): o is RunOutcome => o !== undefined);
    const completed = outcomes.filter((o) => o.status === 'completed' && o.result.final_val_loss !== null);
    const curves = completed.map((o) => readCurve(o.runId, 'val_loss'));
    const target = config.report.targetLoss;
    const reachedAt =
      target === undefined
        ? []
        : outcomes.map((o) => firstStepAtOrBelow(readCurve(o.runId, 'val_loss'), target));
    const reachedSteps = reachedAt.filter((s): s is number => s !== null);
    return {
      label: tuning.label,
      optimizer: { ...tuning.spec },
      lr: tuning.choice?.lr ?? null,
      lrSource: tuning.spec.name === 'learned' ? 'learned' : tuning.spec.lr === undefined ? 'tuned' : 'fixed',
      tuning: tuning.choice?.scores ?? [],
      runs: outcomes.length,
      diverged: outcomes.filter((o) => o.status === 'diverged').length,
      finalValLoss:
        completed.length > 0 ? storedInterval(completed.map((o) => o.result.final_val_loss!)) : null,
      stepsToTarget:
        target === undefined
          ? null
          : {
              target,
              meanSteps: reachedSteps.length > 0 ? mean(reachedSteps) : null,
              reached: reachedSteps.length,
              runs: outcomes.length,
            },
      curve: meanCurve(curves),
    };
  });
  return { problem: config.problem.name, steps: config.training.steps, optimizers };
}

/** A stored report (JSON: NaN intervals came back as null) as the typed report. */
export function parseOptimizerComparisonReport(value: unknown): OptimizerComparisonReport {
  return parseWithSchema<OptimizerComparisonReport>(
    'reports/optimizer-comparison.schema.json',
    value,
    'the stored optimizer-comparison report',
  );
}
