// Fair learning-rate tuning: for each optimizer, every grid point is trained on the same tuning
// seeds, and the learning rate with the lowest mean final validation loss wins. A learning rate
// that diverged on any seed is not eligible: a setting that blows up one time in three is not
// one a researcher would ship.
import { finalMetricName, type RunOutcome } from '../../runPlan.ts';
import { mean } from '../../statistics.ts';
import { optimizerComparisonSelection } from './config.ts';

export interface LearningRateScore {
  lr: number;
  /** Mean final validation loss over tuning seeds; null if any seed diverged. */
  meanValLoss: number | null;
  seeds: number;
  diverged: number;
}

export interface LearningRateChoice {
  /** null when every learning rate diverged. */
  lr: number | null;
  scores: LearningRateScore[];
}

/** Scores each learning rate from the finished tuning runs (`runsByLr[lr]` lists their outcomes). */
export function chooseLearningRate(runsByLr: ReadonlyMap<number, readonly RunOutcome[]>): LearningRateChoice {
  const selected = finalMetricName(optimizerComparisonSelection.name);
  const scores: LearningRateScore[] = [...runsByLr].map(([lr, outcomes]) => {
    const losses = outcomes.map((o) => (o.status === 'completed' ? (o.result[selected] ?? null) : null));
    const unstable = losses.filter((loss) => loss === null || !Number.isFinite(loss)).length;
    return {
      lr,
      meanValLoss: unstable > 0 ? null : mean(losses as number[]),
      seeds: outcomes.length,
      diverged: outcomes.filter((o) => o.status === 'diverged').length,
    };
  });
  let best: LearningRateScore | undefined;
  for (const score of scores) {
    // Ties go to the smaller learning rate: the more conservative setting.
    if (score.meanValLoss !== null && (!best || score.meanValLoss < best.meanValLoss!)) best = score;
  }
  return { lr: best?.lr ?? null, scores };
}
