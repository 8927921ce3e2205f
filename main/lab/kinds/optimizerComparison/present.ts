// The optimizer-comparison report as people read it: the ranking (final validation loss with
// its interval, diverged runs, steps to the target), the tuning grid every optimizer went
// through, and the mean validation curves with their 95 % bands on a log axis.
import { formatValue } from '../../formatValue.ts';
import {
  intervalCell,
  numberCell,
  textCell,
  type LabReport,
  type ReportChart,
  type ReportTable,
} from '../../report/labReport.ts';
import { formatLearningRate } from './config.ts';
import type { OptimizerComparisonReport, OptimizerReport } from './report.ts';

/** Fewest diverged report runs first, then the lowest mean final validation loss. */
export function rankOptimizers(optimizers: readonly OptimizerReport[]): OptimizerReport[] {
  // The mean of the runs that survived would otherwise put an optimizer that blew up on two
  // seeds of three at the top.
  return [...optimizers].sort(
    (a, b) =>
      a.diverged / Math.max(1, a.runs) - b.diverged / Math.max(1, b.runs) ||
      (a.finalValLoss?.mean ?? Number.POSITIVE_INFINITY) - (b.finalValLoss?.mean ?? Number.POSITIVE_INFINITY),
  );
}

/**
 * A note for each optimizer whose tuning chose the smallest or largest rate of its grid: the best
 * rate may lie beyond it, so the comparison may be unfair to that optimizer.
 */
export function gridEdgeNotes(optimizers: readonly OptimizerReport[]): string[] {
  return optimizers.flatMap((o) => {
    const rates = o.tuning.map((s) => s.lr);
    if (o.lr === null || o.lrSource !== 'tuned' || rates.length < 2) return [];
    const edge = o.lr === Math.max(...rates) ? 'largest' : o.lr === Math.min(...rates) ? 'smallest' : null;
    return edge
      ? [
          `${o.label}: tuning chose the ${edge} rate of its grid (${formatLearningRate(o.lr)}); a better one may lie beyond it — widen learningRates.`,
        ]
      : [];
  });
}

function rankingTable(report: OptimizerComparisonReport): ReportTable {
  const target = report.optimizers.find((o) => o.stepsToTarget)?.stepsToTarget?.target;
  const columns = ['optimizer', 'lr', 'final val loss (95% CI)', 'seeds', 'diverged'];
  if (target !== undefined) columns.push(`steps to ≤ ${target}`);
  const rows = rankOptimizers(report.optimizers).map((o) => {
    const row = [
      textCell(o.label),
      o.lrSource === 'learned'
        ? textCell('learned', null)
        : o.lr === null
          ? textCell('none stable', null)
          : textCell(`${formatLearningRate(o.lr)}${o.lrSource === 'fixed' ? ' (fixed)' : ''}`, o.lr),
      o.finalValLoss === null ? numberCell(null) : intervalCell(o.finalValLoss),
      numberCell(o.runs),
      numberCell(o.diverged),
    ];
    if (target !== undefined) {
      const s = o.stepsToTarget;
      row.push(
        s?.meanSteps == null
          ? textCell(`not reached (0/${s?.runs ?? 0})`, null)
          : textCell(`${Math.round(s.meanSteps)} (${s.reached}/${s.runs})`, s.meanSteps),
      );
    }
    return row;
  });
  return { id: 'ranking', title: 'Ranking on fresh report seeds', columns, rows };
}

/** Optimizers × grid learning rates: the mean final validation loss each rate reached in tuning. */
function tuningTable(report: OptimizerComparisonReport): ReportTable | null {
  const rates = [...new Set(report.optimizers.flatMap((o) => o.tuning.map((s) => s.lr)))].sort(
    (a, b) => a - b,
  );
  if (rates.length === 0) return null;
  const rows = report.optimizers.map((o) => [
    textCell(o.label),
    ...rates.map((lr) => {
      const score = o.tuning.find((s) => s.lr === lr);
      if (!score) return textCell('·', null);
      if (score.meanValLoss === null) return textCell(`diverged ${score.diverged}/${score.seeds}`, null);
      const chosen = o.lr === lr ? ' ✓' : '';
      return textCell(`${formatValue(score.meanValLoss)}${chosen}`, score.meanValLoss);
    }),
  ]);
  return {
    id: 'tuning',
    title: 'Tuning: mean final validation loss per learning rate (✓ chosen)',
    columns: ['optimizer', ...rates.map(formatLearningRate)],
    rows,
  };
}

function curvesChart(report: OptimizerComparisonReport): ReportChart {
  return {
    id: 'val-loss',
    title: 'Validation loss, mean over report seeds (95 % band)',
    x: { label: 'step', scale: 'linear' },
    y: { label: 'validation loss', scale: 'log' },
    series: report.optimizers
      .filter((o) => o.curve.steps.length > 0)
      .map((o) => {
        const { steps, meanValLoss, halfWidth } = o.curve;
        const band = halfWidth && {
          lower: meanValLoss.map((m, i) => (halfWidth[i] === null ? null : m - halfWidth[i])),
          upper: meanValLoss.map((m, i) => (halfWidth[i] === null ? null : m + halfWidth[i])),
          level: 0.95,
        };
        return { label: o.label, x: steps, y: meanValLoss, ...(band ? { band } : {}) };
      }),
  };
}

export function presentOptimizerComparison(report: OptimizerComparisonReport): LabReport {
  const tuning = tuningTable(report);
  return {
    title: `Optimizer comparison on ${report.problem}, ${report.steps} steps`,
    notes: [
      'Each optimizer’s learning rate was tuned on a half-decade grid by mean final validation loss over the tuning seeds; a rate that diverged on any seed was not eligible.',
      'The chosen rates were rerun on fresh seeds: only those runs are ranked (mean ± 95 % Student-t interval); optimizers with diverged report runs rank below those without.',
      ...gridEdgeNotes(report.optimizers),
    ],
    tables: tuning ? [rankingTable(report), tuning] : [rankingTable(report)],
    charts: [curvesChart(report)],
  };
}
