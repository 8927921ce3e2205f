// Planning an optimizer comparison in two phases. Tuning: every optimizer × every grid learning
// rate × the tuning seeds (the same seeds for all, so each sees the same initialisations and
// data order). Report: once an optimizer's tuning runs are all finished, its chosen learning rate
// is rerun on fresh seeds, and only those runs enter the report. A learned optimizer has no
// learning rate: it goes straight to the report seeds, reading its file (an artifact of a
// meta-training run by id, or a path).
import type { PlanStep, RunOutcome, RunPlan } from '../../runPlan.ts';
import { deriveSeed } from '../../seeds.ts';
import type { OptimizerComparisonConfig, OptimizerSpec } from './config.ts';
import {
  formatLearningRate,
  learningRateGrid,
  optimizerComparisonSelection,
  optimizerHyperparameters,
  optimizerLabel,
} from './config.ts';
import type { OptimizerRunConfig } from './runConfig.ts';
import { chooseLearningRate, type LearningRateChoice } from './selection.ts';

export interface OptimizerTuning {
  index: number;
  spec: OptimizerSpec;
  label: string;
  /** The grid runs, grouped by learning rate (empty for a fixed `lr`). */
  runsByLr: Map<number, RunPlan<OptimizerRunConfig>[]>;
  /** Known once every tuning run of this optimizer has finished. */
  choice: LearningRateChoice | null;
}

export function tuningSeeds(config: OptimizerComparisonConfig): number[] {
  return Array.from({ length: config.tuning.seeds }, (_, i) => deriveSeed(config.seed, 'tuning', i));
}

/** Fresh seeds for the report: a separate stream, never one of the tuning seeds. */
export function reportSeeds(config: OptimizerComparisonConfig): number[] {
  const used = new Set(tuningSeeds(config));
  const seeds: number[] = [];
  for (let i = 0; seeds.length < config.report.seeds; i++) {
    const seed = deriveSeed(config.seed, 'report', i);
    if (!used.has(seed)) seeds.push(seed);
  }
  return seeds;
}

function runConfig(
  config: OptimizerComparisonConfig,
  spec: OptimizerSpec,
  lr: number | null,
): OptimizerRunConfig {
  if (spec.name === 'learned') {
    const { artifact, ...rest } = optimizerHyperparameters(spec);
    // An artifact id becomes the run's input; a path stays in the config.
    return {
      problem: config.problem,
      optimizer: { ...rest, name: 'learned', ...(typeof artifact === 'string' ? { artifact } : {}) },
    };
  }
  if (lr === null) throw new Error(`optimizer ${spec.name} needs a learning rate`);
  return {
    problem: config.problem,
    optimizer: { ...optimizerHyperparameters(spec), name: spec.name, lr },
  };
}

/** The run's inputs: a learned optimizer given by artifact id reads that artifact. */
function runInputs(spec: OptimizerSpec): Pick<RunPlan, 'inputs'> {
  return spec.name === 'learned' && typeof spec.artifact === 'number'
    ? { inputs: { optimizer: { artifactId: spec.artifact } } }
    : {};
}

function runPlan(
  config: OptimizerComparisonConfig,
  phase: 'tuning' | 'report',
  tuning: Pick<OptimizerTuning, 'index' | 'spec' | 'label'>,
  lr: number | null,
  seed: number,
): RunPlan<OptimizerRunConfig> {
  const lrText = lr === null ? null : formatLearningRate(lr);
  const where = lrText === null ? '' : `/lr=${lrText}`;
  return {
    key: `${phase}/${tuning.index}-${tuning.spec.name}${where}/seed=${seed}`,
    phase,
    label: `${tuning.label}${lrText === null ? '' : ` lr=${lrText}`}${phase === 'report' ? ' (report)' : ''}`,
    trainer: config.problem.name,
    config: runConfig(config, tuning.spec, lr),
    ...runInputs(tuning.spec),
    loop: config.training,
    selection: optimizerComparisonSelection,
    seed,
  };
}

/** Each optimizer's tuning runs, and its learning-rate choice where its tuning has finished. */
export function optimizerTunings(
  config: OptimizerComparisonConfig,
  finished: ReadonlyMap<string, RunOutcome>,
): OptimizerTuning[] {
  const seeds = tuningSeeds(config);
  return config.optimizers.map((spec, index) => {
    const label = optimizerLabel(spec, index, config.optimizers);
    if (spec.name === 'learned')
      return { index, spec, label, runsByLr: new Map(), choice: { lr: null, scores: [] } };
    if (spec.lr !== undefined)
      return { index, spec, label, runsByLr: new Map(), choice: { lr: spec.lr, scores: [] } };
    const runsByLr = new Map<number, RunPlan<OptimizerRunConfig>[]>();
    for (const lr of learningRateGrid(spec.learningRates ?? config.learningRates)) {
      runsByLr.set(
        lr,
        seeds.map((seed) => runPlan(config, 'tuning', { index, spec, label }, lr, seed)),
      );
    }
    const allRuns = [...runsByLr.values()].flat();
    const choice = allRuns.every((run) => finished.has(run.key))
      ? chooseLearningRate(
          new Map([...runsByLr].map(([lr, runs]) => [lr, runs.map((r) => finished.get(r.key)!)])),
        )
      : null;
    return { index, spec, label, runsByLr, choice };
  });
}

/** The report runs of one optimizer whose learning rate is chosen. */
export function reportRuns(
  config: OptimizerComparisonConfig,
  tuning: OptimizerTuning,
): RunPlan<OptimizerRunConfig>[] {
  if (tuning.spec.name === 'learned')
    return reportSeeds(config).map((seed) => runPlan(config, 'report', tuning, null, seed));
  const lr = tuning.choice?.lr;
  if (lr === null || lr === undefined) return [];
  return reportSeeds(config).map((seed) => runPlan(config, 'report', tuning, lr, seed));
}

export function planOptimizerComparison(
  config: OptimizerComparisonConfig,
  finished: ReadonlyMap<string, RunOutcome>,
): PlanStep<OptimizerRunConfig> {
  const tunings = optimizerTunings(config, finished);
  const runs = tunings.flatMap((t) => [...[...t.runsByLr.values()].flat(), ...reportRuns(config, t)]);
  return { runs, complete: tunings.every((t) => t.choice !== null) };
}
