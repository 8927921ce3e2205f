import { describe, expect, it } from 'vitest';
import { formatCell } from '../../../../../main/cli/renderReport.ts';
import {
  formatLearningRate,
  learningRateGrid,
  type OptimizerComparisonConfig,
} from '../../../../../main/lab/kinds/optimizerComparison/config.ts';
import {
  planOptimizerComparison,
  reportSeeds,
  tuningSeeds,
} from '../../../../../main/lab/kinds/optimizerComparison/plan.ts';
import { presentOptimizerComparison } from '../../../../../main/lab/kinds/optimizerComparison/present.ts';
import {
  parseOptimizerComparisonReport,
  summariseOptimizerComparison,
} from '../../../../../main/lab/kinds/optimizerComparison/report.ts';
import { chooseLearningRate } from '../../../../../main/lab/kinds/optimizerComparison/selection.ts';
import type { RunOutcome, RunPlan } from '../../../../../main/lab/runPlan.ts';
import type { OptimizerRunConfig } from '../../../../../main/lab/kinds/optimizerComparison/runConfig.ts';
import { meanConfidenceInterval } from '../../../../../main/lab/statistics.ts';

const config: OptimizerComparisonConfig = {
  name: 'synthetic',
  seed: 5,
  problem: { name: 'quadratics' },
  training: { steps: 100, evalEvery: 10, checkpointEvery: 50, divergenceFactor: 1000 },
  learningRates: { min: 1e-3, max: 0.1 },
  optimizers: [{ name: 'sgd' }, { name: 'adam', beta1: 0.9, lr: 0.002 }],
  tuning: { seeds: 2 },
  report: { seeds: 3, targetLoss: 0.5 },
};

/** The learning rate of a handcrafted optimizer's run. */
function lrOf(run: RunPlan<OptimizerRunConfig>): number {
  if (run.config.optimizer.name === 'learned') throw new Error(`${run.key} runs a learned optimizer`);
  return run.config.optimizer.lr;
}

function outcome(
  key: string,
  runId: number,
  finalValLoss: number | null,
  status: RunOutcome['status'] = 'completed',
): RunOutcome {
  return { key, runId, status, result: { final_val_loss: finalValLoss } };
}

describe('learning-rate grid', () => {
  it('is the half-decade grid 10^(k/2) within the range, written as researchers write it', () => {
    const grid = learningRateGrid({ min: 1e-4, max: 1 });
    expect(grid).toHaveLength(9);
    grid.forEach((lr, i) => expect(lr).toBeCloseTo(10 ** ((i - 8) / 2), 15));
    expect(grid.map(formatLearningRate)).toEqual([
      '1e-4',
      '3e-4',
      '1e-3',
      '3e-3',
      '0.01',
      '0.03',
      '0.1',
      '0.3',
      '1',
    ]);
    // Rounded bounds written by hand include the grid point they stand for.
    expect(learningRateGrid({ min: 3e-4, max: 3e-3 }).map(formatLearningRate)).toEqual([
      '3e-4',
      '1e-3',
      '3e-3',
    ]);
    expect(learningRateGrid({ min: 0.2, max: 0.25 })).toEqual([]);
    expect(formatLearningRate(0.002)).toBe('0.002');
  });
});

describe('learning-rate selection', () => {
  it('picks the lowest mean final validation loss; a diverged seed disqualifies; ties go to the smaller lr', () => {
    const choice = chooseLearningRate(
      new Map([
        [0.01, [outcome('a', 1, 0.5), outcome('b', 2, 0.3)]],
        [0.03, [outcome('c', 3, 0.2), outcome('d', 4, 0.6)]],
        [0.1, [outcome('e', 5, 0.01), outcome('f', 6, null, 'diverged')]],
      ]),
    );
    expect(choice.lr).toBe(0.01);
    expect(choice.scores.map((s) => [s.lr, s.meanValLoss, s.diverged])).toEqual([
      [0.01, 0.4, 0],
      [0.03, 0.4, 0],
      [0.1, null, 1],
    ]);
    expect(chooseLearningRate(new Map([[1, [outcome('x', 1, null, 'diverged')]]])).lr).toBeNull();
  });
});

describe('optimizer-comparison planning and report', () => {
  it('plans tuning first, then reruns each chosen setting on fresh seeds, and summarises them', () => {
    const first = planOptimizerComparison(config, new Map());
    // sgd: 5 grid points × 2 seeds; adam has a fixed lr, so its report runs start at once.
    expect(first.runs.filter((r) => r.phase === 'tuning')).toHaveLength(10);
    expect(first.runs.filter((r) => r.phase === 'report').map((r) => r.config.optimizer)).toEqual(
      Array(3).fill({ name: 'adam', beta1: 0.9, lr: 0.002 }),
    );
    expect(first.complete).toBe(false);
    expect(new Set(first.runs.map((r) => r.key)).size).toBe(first.runs.length);

    // Synthetic tuning results: sgd is best at lr = 0.01 (loss |log10 lr + 2|).
    const finished = new Map<string, RunOutcome>();
    let runId = 0;
    for (const run of first.runs.filter((r) => r.phase === 'tuning')) {
      const loss = Math.abs(Math.log10(lrOf(run)) + 2) + run.seed * 1e-12;
      finished.set(run.key, outcome(run.key, ++runId, loss));
    }
    const second = planOptimizerComparison(config, finished);
    expect(second.complete).toBe(true);
    const sgdReport = second.runs.filter((r) => r.phase === 'report' && r.config.optimizer.name === 'sgd');
    expect(sgdReport.map((r) => r.config.optimizer.lr)).toEqual([0.01, 0.01, 0.01]);
    expect(sgdReport.map((r) => r.seed)).toEqual(reportSeeds(config));
    expect(reportSeeds(config).some((s) => tuningSeeds(config).includes(s))).toBe(false);

    const finalLosses = [0.2, 0.25, 0.3];
    const curves = new Map<number, { steps: number[]; values: number[] }>();
    for (const run of second.runs.filter((r) => r.phase === 'report')) {
      const id = ++runId;
      const index = curves.size % 3;
      finished.set(run.key, outcome(run.key, id, finalLosses[index]));
      // Validation curves 1, 0.6, final: the target 0.5 is first reached at step 100.
      curves.set(id, { steps: [0, 50, 100], values: [1, 0.6, finalLosses[index]] });
    }
    const report = summariseOptimizerComparison(config, finished, (id) => curves.get(id)!);
    const [sgd, adam] = report.optimizers;
    expect(sgd).toMatchObject({ label: 'sgd', lr: 0.01, lrSource: 'tuned', runs: 3, diverged: 0 });
    expect(adam).toMatchObject({ label: 'adam', lr: 0.002, lrSource: 'fixed', tuning: [] });
    expect(sgd.finalValLoss).toEqual(meanConfidenceInterval(finalLosses));
    expect(sgd.stepsToTarget).toEqual({ target: 0.5, meanSteps: 100, reached: 3, runs: 3 });
    expect(sgd.curve.steps).toEqual([0, 50, 100]);
    expect(sgd.curve.meanValLoss[2]).toBeCloseTo(0.25, 15);
    expect(sgd.tuning.map((s) => s.lr)).toEqual(learningRateGrid(config.learningRates));
    // Each step's 95 % interval of the mean over the three report runs.
    expect(sgd.curve.halfWidth![2]).toBeCloseTo(meanConfidenceInterval(finalLosses).halfWidth, 12);

    // Presented: ranking, the tuning grid with the chosen rate marked, curves with their bands.
    const presented = presentOptimizerComparison(report);
    expect(presented.tables.map((t) => t.id)).toEqual(['ranking', 'tuning']);
    const tuning = presented.tables[1];
    expect(tuning.columns).toEqual(['optimizer', '1e-3', '3e-3', '0.01', '0.03', '0.1']);
    const sgdRow = tuning.rows[0];
    expect(sgdRow.slice(1).map((cell) => (cell.type === 'text' ? cell.value : undefined))).toEqual(
      sgd.tuning.map((score) => score.meanValLoss),
    );
    expect(sgdRow.map(formatCell).filter((text) => text.endsWith(' ✓'))).toEqual([formatCell(sgdRow[3])]);
    expect(tuning.rows[1].map(formatCell)).toEqual(['adam', '·', '·', '·', '·', '·']);
    const [chart] = presented.charts;
    expect(chart).toMatchObject({ id: 'val-loss', y: { scale: 'log' }, x: { scale: 'linear' } });
    const sgdSeries = chart.series.find((series) => series.label === 'sgd')!;
    expect(sgdSeries.x).toEqual([0, 50, 100]);
    expect(sgdSeries.band!.upper[2]! - sgdSeries.y[2]!).toBeCloseTo(sgd.curve.halfWidth![2]!, 12);
    expect(sgdSeries.y[2]! - sgdSeries.band!.lower[2]!).toBeCloseTo(sgd.curve.halfWidth![2]!, 12);
  });

  it('refuses a stored report that does not fit, naming where', () => {
    expect(() =>
      parseOptimizerComparisonReport({ problem: 'quadratics', steps: 10, optimizers: [{ label: 3 }] }),
    ).toThrow(
      /stored optimizer-comparison report does not match reports\/optimizer-comparison.schema.json:\n {2}\/optimizers\/0: must have required property/,
    );
  });

  it('ranks an optimizer whose runs diverged last and shows its one survivor without an interval, also after JSON', () => {
    const finished = new Map<string, RunOutcome>();
    let runId = 0;
    for (const run of planOptimizerComparison(config, finished).runs.filter((r) => r.phase === 'tuning'))
      finished.set(run.key, outcome(run.key, ++runId, Math.abs(Math.log10(lrOf(run)) + 2)));
    const report = planOptimizerComparison(config, finished).runs.filter((r) => r.phase === 'report');
    report.forEach((run, i) => {
      // sgd keeps one of its three report runs; the others ran away.
      const diverged = run.config.optimizer.name === 'sgd' && i % 3 !== 0;
      finished.set(
        run.key,
        outcome(run.key, ++runId, diverged ? null : 0.125, diverged ? 'diverged' : 'completed'),
      );
    });
    const summary = summariseOptimizerComparison(config, finished, () => ({ steps: [100], values: [0.125] }));
    const stored = parseOptimizerComparisonReport(JSON.parse(JSON.stringify(summary)));
    for (const r of [summary, stored]) {
      const ranking = presentOptimizerComparison(r).tables.find((t) => t.id === 'ranking')!;
      const table = { rows: ranking.rows.map((row) => row.map(formatCell)) };
      const sgd = table.rows.find((row) => row[0] === 'sgd')!;
      expect(sgd[2]).toBe('0.1250');
      expect(sgd[4]).toBe('2');
      // Same mean as adam, but two of three runs diverged: ranked below it.
      expect(table.rows.map((row) => row[0])).toEqual(['adam', 'sgd']);
    }
  });
});
