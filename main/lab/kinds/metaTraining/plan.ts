// Planning a meta-training experiment. Four kinds of runs, all planned from the start except
// the baselines' report runs (they follow their tuning, as in an optimizer comparison):
//   meta-train/<k>          one meta-training run per seed; each leaves its best-validated
//                           `optimizer` artifact;
//   baselines/s<i>/…        for each test setting, an optimizer comparison of the handcrafted
//                           baselines on that setting's problems: learning rates tuned on the
//                           tuning seeds, the chosen ones rerun on the test seeds (the
//                           optimizer-comparison kind's own planning, keys prefixed);
//   evaluate/s<i>/meta-<k>/seed=<p>  every meta-trained optimizer on every test problem of the
//                           setting, reading the meta-training run's artifact.
// Test problems are the comparison's report seeds, so learned and handcrafted optimizers run on
// the very same problems; validation seeds avoid them and the tuning seeds, and meta-training
// runs are told to skip validation and test seeds when they draw training problems.
import type { PlanStep, RunOutcome, RunPlan } from '../../runPlan.ts';
import { deriveSeed } from '../../seeds.ts';
import type { OptimizerComparisonConfig } from '../optimizerComparison/config.ts';
import { planOptimizerComparison, reportSeeds, tuningSeeds } from '../optimizerComparison/plan.ts';
import type { OptimizerRunConfig } from '../optimizerComparison/runConfig.ts';
import {
  metaTrainingSelection,
  settingProblem,
  settingSteps,
  type EvaluationSetting,
  type MetaTrainingConfig,
} from './config.ts';
import type { MetaTrainingRunConfig } from './runConfig.ts';
import { metaTrainTrainerName } from './trainerNames.ts';

/** The optimizer comparison of the handcrafted baselines in one test setting. */
export function baselineComparison(
  config: MetaTrainingConfig,
  setting: EvaluationSetting,
): OptimizerComparisonConfig {
  const steps = settingSteps(config, setting);
  return {
    name: `${config.name}: baselines (${setting.name})`,
    seed: config.seed,
    problem: settingProblem(config, setting),
    training: {
      steps,
      evalEvery: config.evaluation.evalEvery,
      checkpointEvery: steps,
      divergenceFactor: config.evaluation.divergenceFactor,
    },
    learningRates: config.baselines.learningRates,
    optimizers: config.baselines.optimizers,
    tuning: { seeds: config.baselines.tuningProblems },
    report: { seeds: config.evaluation.problems },
  };
}

/** The test problems' seeds (the same in every setting: one comparison seed stream). */
export function testSeeds(config: MetaTrainingConfig): number[] {
  return reportSeeds(baselineComparison(config, config.evaluation.settings[0]));
}

/** Validation problems: their own stream, never a test or tuning seed. */
export function validationSeeds(config: MetaTrainingConfig): number[] {
  const first = baselineComparison(config, config.evaluation.settings[0]);
  const taken = new Set([...testSeeds(config), ...tuningSeeds(first)]);
  const seeds: number[] = [];
  for (let i = 0; seeds.length < config.metaTraining.validationProblems; i++) {
    const seed = deriveSeed(config.seed, 'validation', i);
    if (!taken.has(seed)) seeds.push(seed);
  }
  return seeds;
}

export function metaTrainKey(k: number): string {
  return `meta-train/${k}`;
}

export function metaTrainingRun(config: MetaTrainingConfig, k: number): RunPlan<MetaTrainingRunConfig> {
  const {
    metaIterations,
    evaluateEvery,
    checkpointEvery,
    seeds: _seeds,
    validationProblems: _v,
    ...settings
  } = config.metaTraining;
  return {
    key: metaTrainKey(k),
    phase: 'meta-train',
    label: `meta-train seed ${k + 1}`,
    trainer: metaTrainTrainerName,
    config: {
      preset: config.preset,
      problem: config.problem,
      optimizer: config.optimizer,
      metaTraining: settings,
      validationSeeds: validationSeeds(config),
      excludedSeeds: testSeeds(config),
    },
    // Divergence is a non-finite meta-loss or validation loss; a large one is part of learning.
    loop: { steps: metaIterations, evalEvery: evaluateEvery, checkpointEvery, divergenceFactor: null },
    selection: metaTrainingSelection,
    seed: deriveSeed(config.seed, 'meta-train', k),
  };
}

/** Plan keys in a setting's comparison are prefixed so settings do not collide. */
export function baselinePrefix(settingIndex: number): string {
  return `baselines/s${settingIndex}/`;
}

/** The finished runs of one setting's comparison, under the comparison's own keys. */
export function settingOutcomes(
  finished: ReadonlyMap<string, RunOutcome>,
  settingIndex: number,
): Map<string, RunOutcome> {
  const prefix = baselinePrefix(settingIndex);
  const out = new Map<string, RunOutcome>();
  for (const [key, outcome] of finished) {
    if (key.startsWith(prefix))
      out.set(key.slice(prefix.length), { ...outcome, key: key.slice(prefix.length) });
  }
  return out;
}

export function evaluationKey(settingIndex: number, k: number, seed: number): string {
  return `evaluate/s${settingIndex}/meta-${k}/seed=${seed}`;
}

function evaluationRuns(config: MetaTrainingConfig, settingIndex: number): RunPlan<OptimizerRunConfig>[] {
  const setting = config.evaluation.settings[settingIndex];
  const comparison = baselineComparison(config, setting);
  const runs: RunPlan<OptimizerRunConfig>[] = [];
  for (let k = 0; k < config.metaTraining.seeds; k++) {
    for (const seed of testSeeds(config)) {
      runs.push({
        key: evaluationKey(settingIndex, k, seed),
        phase: 'evaluate',
        label: `${setting.name}: learned (meta-train seed ${k + 1})`,
        trainer: config.problem.name,
        config: { problem: comparison.problem, optimizer: { name: 'learned' } },
        loop: comparison.training,
        selection: metaTrainingSelection,
        seed,
        inputs: { optimizer: { run: metaTrainKey(k), artifact: 'optimizer' } },
      });
    }
  }
  return runs;
}

export function planMetaTraining(
  config: MetaTrainingConfig,
  finished: ReadonlyMap<string, RunOutcome>,
): PlanStep {
  const runs: RunPlan[] = Array.from({ length: config.metaTraining.seeds }, (_, k) =>
    metaTrainingRun(config, k),
  );
  let complete = true;
  config.evaluation.settings.forEach((setting, i) => {
    const baselines = planOptimizerComparison(
      baselineComparison(config, setting),
      settingOutcomes(finished, i),
    );
    complete &&= baselines.complete;
    runs.push(
      ...baselines.runs.map((run) => ({
        ...run,
        key: `${baselinePrefix(i)}${run.key}`,
        phase: `baselines-${run.phase}`,
        label: `${setting.name}: ${run.label}`,
      })),
      ...evaluationRuns(config, i),
    );
  });
  return { runs, complete };
}
