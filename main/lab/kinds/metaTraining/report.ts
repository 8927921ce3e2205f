// The meta-training report, as stored with the experiment: how each meta-training run went (its
// best validation loss, where it stopped and why, its meta-loss and validation curves) and, for
// every test setting, the learned optimizer against the tuned baselines on the same fresh test
// problems — final loss with 95 % intervals, mean curves with bands, the steps each needs to
// reach tuned Adam's final loss, and Welch's t-test against the best baseline — of the learned
// optimizer pooled over meta-training seeds, and of the best-validated seed's alone (the one
// optimizer a researcher would pick without looking at the test problems). present.ts turns it
// into tables and charts.
import { describeLearnedRule } from '../../../../engine/optim/learnedRule.ts';
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import type { RunOutcome } from '../../runPlan.ts';
import { mean, welchTTest } from '../../statistics.ts';
import type { CurveReader } from '../experimentKind.ts';
import { rankOptimizers } from '../optimizerComparison/present.ts';
import { reportRuns, optimizerTunings } from '../optimizerComparison/plan.ts';
import {
  firstStepAtOrBelow,
  meanCurve,
  storedInterval,
  summariseOptimizerComparison,
  type MeanCurve,
  type OptimizerReport,
  type StoredInterval,
} from '../optimizerComparison/report.ts';
import { settingSteps, type MetaTrainingConfig } from './config.ts';
import { baselineComparison, evaluationKey, metaTrainKey, settingOutcomes, testSeeds } from './plan.ts';

export interface Curve {
  steps: number[];
  values: (number | null)[];
}

export interface MetaTrainingRunReport {
  /** 1-based meta-training seed. */
  seed: number;
  runId: number | null;
  status: 'completed' | 'diverged' | 'missing';
  metaIterations: number | null;
  bestValLoss: number | null;
  /** The meta-iteration of the best validation (the optimizer that was kept). */
  bestIteration: number | null;
  /** The step a diverged run stopped at. */
  divergedAt: number | null;
  valCurve: Curve;
  /** Meta-loss per meta-iteration, thinned to ≤ 200 points. */
  metaLossCurve: Curve;
}

export interface LearnedSeedReport {
  seed: number;
  runs: number;
  diverged: number;
  finalValLoss: StoredInterval | null;
}

export interface LearnedReport {
  label: string;
  runs: number;
  diverged: number;
  /** Per test problem, the mean over meta-training seeds; the interval is over problems. */
  finalValLoss: StoredInterval | null;
  perSeed: LearnedSeedReport[];
  curve: MeanCurve;
  stepsToAdam: number | null;
}

export interface SignificanceTest {
  /** The baseline the learned optimizer is tested against (the best one). */
  against: string;
  /** On log10 of the final loss, one value per test problem on each side. */
  learnedMeanLog10: number;
  baselineMeanLog10: number;
  /** null where undefined (no variance on either side). */
  t: number | null;
  df: number | null;
  p: number | null;
  n: number;
}

export interface SettingReport {
  name: string;
  steps: number;
  problem: Record<string, unknown>;
  testProblems: number;
  learned: LearnedReport;
  baselines: (OptimizerReport & { stepsToAdam: number | null })[];
  /** Tuned Adam's mean final loss: the target of steps-to-Adam. */
  adamFinalLoss: number | null;
  test: SignificanceTest | null;
  /**
   * The same test for the optimizer of the meta-training seed with the lowest validation loss alone.
   * Absent from reports stored before it existed.
   */
  selectedTest?: (SignificanceTest & { seed: number }) | null;
}

export interface MetaTrainingReport {
  preset: string;
  problem: Record<string, unknown>;
  optimizer: string;
  method: string;
  metaTraining: MetaTrainingRunReport[];
  settings: SettingReport[];
}

const maxPoints = 200;

function thin(curve: Curve): Curve {
  const stride = Math.max(1, Math.ceil(curve.steps.length / maxPoints));
  const keep = (_: unknown, i: number) => i % stride === 0 || i === curve.steps.length - 1;
  return { steps: curve.steps.filter(keep), values: curve.values.filter(keep) };
}

function metaTrainingRuns(
  config: MetaTrainingConfig,
  finished: ReadonlyMap<string, RunOutcome>,
  readCurve: CurveReader,
): MetaTrainingRunReport[] {
  return Array.from({ length: config.metaTraining.seeds }, (_, k) => {
    const outcome = finished.get(metaTrainKey(k));
    if (!outcome) {
      const empty = { steps: [], values: [] };
      return {
        seed: k + 1,
        runId: null,
        status: 'missing' as const,
        metaIterations: null,
        bestValLoss: null,
        bestIteration: null,
        divergedAt: null,
        valCurve: empty,
        metaLossCurve: empty,
      };
    }
    const valCurve = readCurve(outcome.runId, 'val_loss');
    let best: number | null = null;
    let bestIteration: number | null = null;
    valCurve.values.forEach((v, i) => {
      if (v !== null && Number.isFinite(v) && (best === null || v < best)) {
        best = v;
        bestIteration = valCurve.steps[i];
      }
    });
    return {
      seed: k + 1,
      runId: outcome.runId,
      status: outcome.status,
      metaIterations: outcome.result.steps_done ?? null,
      bestValLoss: best,
      bestIteration,
      divergedAt: outcome.status === 'diverged' ? (outcome.result.diverged_step ?? null) : null,
      valCurve: thin(valCurve),
      metaLossCurve: thin(readCurve(outcome.runId, 'loss')),
    };
  });
}

/** First step of a mean curve at or below the target. */
function stepsTo(curve: MeanCurve, target: number | null): number | null {
  return target === null
    ? null
    : firstStepAtOrBelow({ steps: curve.steps, values: curve.meanValLoss }, target);
}

/** Welch's t-test on log10 final loss, one value per test problem on each side. */
function testAgainst(against: string, learned: number[], baseline: number[]): SignificanceTest | null {
  const a = learned.filter((v) => v > 0).map(Math.log10);
  const b = baseline.filter((v) => v > 0).map(Math.log10);
  if (a.length < 2 || b.length < 2) return null;
  const r = welchTTest(a, b);
  return {
    against,
    learnedMeanLog10: mean(a),
    baselineMeanLog10: mean(b),
    t: Number.isFinite(r.t) ? r.t : null,
    df: Number.isFinite(r.df) ? r.df : null,
    p: Number.isFinite(r.p) ? r.p : null,
    n: Math.min(a.length, b.length),
  };
}

/** The 1-based meta-training seed whose kept optimizer validated best, or null if none validated. */
function bestValidatedSeed(runs: readonly MetaTrainingRunReport[]): number | null {
  let selected: MetaTrainingRunReport | null = null;
  for (const r of runs)
    if (r.bestValLoss !== null && (selected === null || r.bestValLoss < selected.bestValLoss!)) selected = r;
  return selected?.seed ?? null;
}

function summariseSetting(
  config: MetaTrainingConfig,
  settingIndex: number,
  finished: ReadonlyMap<string, RunOutcome>,
  readCurve: CurveReader,
  selectedSeed: number | null,
): SettingReport {
  const setting = config.evaluation.settings[settingIndex];
  const comparison = baselineComparison(config, setting);
  const own = settingOutcomes(finished, settingIndex);
  const baselineReport = summariseOptimizerComparison(comparison, own, readCurve);
  const seeds = testSeeds(config);

  // The learned optimizer: per test problem, its final losses over meta-training seeds.
  const perSeed: LearnedSeedReport[] = [];
  const seedFinals: number[][] = [];
  const perProblem = new Map<number, number[]>();
  const problemCurves = new Map<number, Curve[]>();
  let runs = 0;
  let diverged = 0;
  for (let k = 0; k < config.metaTraining.seeds; k++) {
    const finals: number[] = [];
    let seedRuns = 0;
    let seedDiverged = 0;
    for (const seed of seeds) {
      const outcome = finished.get(evaluationKey(settingIndex, k, seed));
      if (!outcome) continue;
      seedRuns++;
      const final = outcome.result.final_val_loss;
      if (outcome.status !== 'completed' || final === null || final === undefined) {
        seedDiverged++;
        continue;
      }
      finals.push(final);
      perProblem.set(seed, [...(perProblem.get(seed) ?? []), final]);
      problemCurves.set(seed, [...(problemCurves.get(seed) ?? []), readCurve(outcome.runId, 'val_loss')]);
    }
    runs += seedRuns;
    diverged += seedDiverged;
    seedFinals.push(finals);
    perSeed.push({
      seed: k + 1,
      runs: seedRuns,
      diverged: seedDiverged,
      finalValLoss: finals.length > 0 ? storedInterval(finals) : null,
    });
  }
  const problemMeans = seeds.filter((s) => perProblem.has(s)).map((s) => mean(perProblem.get(s)!));
  // A problem's curve is the mean over the seeds that completed it, at the steps they share.
  const averagedCurves: Curve[] = seeds
    .filter((s) => problemCurves.has(s))
    .map((s) => {
      const m = meanCurve(problemCurves.get(s)!);
      return { steps: m.steps, values: m.meanValLoss };
    });
  const learnedCurve = meanCurve(averagedCurves);

  const adam = baselineReport.optimizers.find((o) => o.optimizer.name === 'adam' && o.finalValLoss !== null);
  const adamFinalLoss = adam?.finalValLoss?.mean ?? null;
  const learned: LearnedReport = {
    label: `learned (${describeLearnedRule(config.optimizer)})`,
    runs,
    diverged,
    finalValLoss: problemMeans.length > 0 ? storedInterval(problemMeans) : null,
    perSeed,
    curve: learnedCurve,
    stepsToAdam: stepsTo(learnedCurve, adamFinalLoss),
  };

  // Welch's t-test on log10 final loss against the best baseline (fewest diverged, lowest mean).
  const best = rankOptimizers(baselineReport.optimizers.filter((o) => o.finalValLoss !== null))[0];
  let test: SignificanceTest | null = null;
  let selectedTest: (SignificanceTest & { seed: number }) | null = null;
  if (best) {
    const tuning = optimizerTunings(comparison, own).find((t) => t.label === best.label);
    const baselineFinals = tuning
      ? reportRuns(comparison, tuning)
          .map((plan) => own.get(plan.key))
          .filter(
            (o): o is RunOutcome => o?.status === 'completed' && typeof o.result.final_val_loss === 'number',
          )
          .map((o) => o.result.final_val_loss!)
      : [];
    test = testAgainst(best.label, problemMeans, baselineFinals);
    const selected =
      selectedSeed === null ? null : testAgainst(best.label, seedFinals[selectedSeed - 1], baselineFinals);
    selectedTest = selected && { ...selected, seed: selectedSeed! };
  }
  return {
    name: setting.name,
    steps: settingSteps(config, setting),
    problem: comparison.problem,
    testProblems: seeds.length,
    learned,
    baselines: baselineReport.optimizers.map((o) => ({ ...o, stepsToAdam: stepsTo(o.curve, adamFinalLoss) })),
    adamFinalLoss,
    test,
    selectedTest,
  };
}

export function summariseMetaTraining(
  config: MetaTrainingConfig,
  finished: ReadonlyMap<string, RunOutcome>,
  readCurve: CurveReader,
): MetaTrainingReport {
  const metaTraining = metaTrainingRuns(config, finished, readCurve);
  const selectedSeed = bestValidatedSeed(metaTraining);
  return {
    preset: config.preset,
    problem: config.problem,
    optimizer: describeLearnedRule(config.optimizer),
    method: `${config.metaTraining.method}${config.metaTraining.method === 'bptt' && config.metaTraining.secondOrder ? ' (second-order)' : ''}, unroll ${config.metaTraining.unroll}, horizon ${config.metaTraining.horizon}`,
    metaTraining,
    settings: config.evaluation.settings.map((_, i) =>
      summariseSetting(config, i, finished, readCurve, selectedSeed),
    ),
  };
}

export function parseMetaTrainingReport(value: unknown): MetaTrainingReport {
  return parseWithSchema<MetaTrainingReport>(
    'reports/meta-training.schema.json',
    value,
    'the stored meta-training report',
  );
}
