// The optimizer-comparison report: for each optimizer, the learning rate tuning chose, its final
// validation loss on the fresh report seeds (mean ± 95 % Student-t interval), the steps it needed
// to reach the target loss, and its mean validation curve.
import type { CurveReader, RunOutcome, SummaryTable } from '../experimentKind.ts';
import { mean, meanConfidenceInterval, type MeanWithInterval } from '../../statistics.ts';
import type { OptimizerComparisonConfig } from './config.ts';
import { formatLearningRate } from './config.ts';
import { optimizerTunings, reportRuns } from './plan.ts';
import type { LearningRateScore } from './selection.ts';
import { formatValue } from '../../formatValue.ts';

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
  lrSource: 'tuned' | 'fixed';
  tuning: LearningRateScore[];
  runs: number;
  diverged: number;
  finalValLoss: MeanWithInterval | null;
  stepsToTarget: StepsToTarget | null;
  curve: { steps: number[]; meanValLoss: number[] };
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

/** Pointwise mean of curves over the steps all of them have, thinned to ≤ maxCurvePoints. */
export function meanCurve(curves: { steps: number[]; values: (number | null)[] }[]): {
  steps: number[];
  meanValLoss: number[];
} {
  if (curves.length === 0) return { steps: [], meanValLoss: [] };
  const maps = curves.map((c) => new Map(c.steps.map((s, i) => [s, c.values[i]])));
  const common = curves[0].steps.filter((s) => maps.every((m) => typeof m.get(s) === 'number'));
  const stride = Math.max(1, Math.ceil(common.length / maxCurvePoints));
  const steps = common.filter((_, i) => i % stride === 0 || i === common.length - 1);
  return { steps, meanValLoss: steps.map((s) => mean(maps.map((m) => m.get(s) as number))) };
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
      lrSource: tuning.spec.lr === undefined ? 'tuned' : 'fixed',
      tuning: tuning.choice?.scores ?? [],
      runs: outcomes.length,
      diverged: outcomes.filter((o) => o.status === 'diverged').length,
      finalValLoss:
        completed.length > 0 ? meanConfidenceInterval(completed.map((o) => o.result.final_val_loss!)) : null,
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

export function optimizerComparisonTable(report: OptimizerComparisonReport): SummaryTable {
  const target = report.optimizers.find((o) => o.stepsToTarget)?.stepsToTarget?.target;
  const head = ['optimizer', 'lr', 'final val loss (95% CI)', 'seeds', 'diverged'];
  if (target !== undefined) head.push(`steps to ≤ ${target}`);
  // Fewest diverged report runs first, then the lowest mean: the mean of the runs that survived
  // would otherwise put an optimizer that blew up on two seeds of three at the top.
  const ranked = [...report.optimizers].sort(
    (a, b) =>
      a.diverged / Math.max(1, a.runs) - b.diverged / Math.max(1, b.runs) ||
      (a.finalValLoss?.mean ?? Number.POSITIVE_INFINITY) - (b.finalValLoss?.mean ?? Number.POSITIVE_INFINITY),
  );
  const rows = ranked.map((o) => {
    const loss = o.finalValLoss;
    const row = [
      o.label,
      o.lr === null
        ? 'none stable'
        : `${formatLearningRate(o.lr)}${o.lrSource === 'fixed' ? ' (fixed)' : ''}`,
      loss === null
        ? '—'
        : // One run has no interval: NaN when computed, null once the report went through JSON.
          typeof loss.halfWidth !== 'number' || !Number.isFinite(loss.halfWidth)
          ? formatValue(loss.mean)
          : `${formatValue(loss.mean)} ± ${formatValue(loss.halfWidth)}`,
      String(o.runs),
      String(o.diverged),
    ];
    if (target !== undefined) {
      const s = o.stepsToTarget;
      row.push(
        s?.meanSteps == null
          ? `not reached (0/${s?.runs ?? 0})`
          : `${Math.round(s.meanSteps)} (${s.reached}/${s.runs})`,
      );
    }
    return row;
  });
  return { head, rows };
}
