// A tuned optimizer whose chosen learning rate is the edge of its grid is flagged: the best rate
// may lie beyond the grid, and the comparison would then be unfair to it.
import { describe, expect, it } from 'vitest';
import { gridEdgeNotes } from '../../../../../main/lab/kinds/optimizerComparison/present.ts';
import type { OptimizerReport } from '../../../../../main/lab/kinds/optimizerComparison/report.ts';

function report(
  label: string,
  lr: number | null,
  grid: number[],
  lrSource: OptimizerReport['lrSource'] = 'tuned',
) {
  return {
    label,
    optimizer: { name: label },
    lr,
    lrSource,
    tuning: grid.map((r) => ({ lr: r, meanValLoss: 1, seeds: 3, diverged: 0 })),
    runs: 3,
    diverged: 0,
    finalValLoss: null,
    stepsToTarget: null,
    curve: { steps: [], meanValLoss: [] },
  } satisfies OptimizerReport;
}

describe('grid edge notes', () => {
  it('flag a choice at either end of the grid, not one inside it, a fixed rate or a learned optimizer', () => {
    const grid = [0.01, 0.1, 1];
    expect(
      gridEdgeNotes([
        report('sgd', 1, grid),
        report('adam', 0.1, grid),
        report('adagrad', 0.01, grid),
        report('momentum', 1, [], 'fixed'),
        report('learned', null, [], 'learned'),
      ]),
    ).toEqual([
      'sgd: tuning chose the largest rate of its grid (1); a better one may lie beyond it — widen learningRates.',
      'adagrad: tuning chose the smallest rate of its grid (0.01); a better one may lie beyond it — widen learningRates.',
    ]);
  });
});
