// The meta-training config after schema validation (defaults filled in): the training problem
// distribution, the learned optimizer, how it is meta-trained and over how many seeds, the
// handcrafted baselines and their tuning, and the settings it is tested in.
import type { LearnedRuleConfig } from '../../../../engine/optim/learnedRule.ts';
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import type { SelectionMetric } from '../../runPlan.ts';
import type { LearningRateRange, OptimizerSpec } from '../optimizerComparison/config.ts';
import type { MetaOptimizerConfig, MetaTrainingPreset, MetaTrainingSettings } from './runConfig.ts';

export interface EvaluationSetting {
  name: string;
  /** Optimizee steps of a test run (default: the meta-training horizon). */
  steps?: number;
  /** Keys that override the training problem's. */
  problem: Record<string, unknown>;
}

export interface MetaTrainingConfig {
  name: string;
  description?: string;
  preset: MetaTrainingPreset;
  seed: number;
  problem: { name: string } & Record<string, unknown>;
  optimizer: LearnedRuleConfig;
  metaTraining: Omit<MetaTrainingSettings, 'metaOptimizer'> & {
    metaOptimizer: MetaOptimizerConfig;
    metaIterations: number;
    evaluateEvery: number;
    checkpointEvery: number;
    validationProblems: number;
    seeds: number;
  };
  baselines: { optimizers: OptimizerSpec[]; learningRates: LearningRateRange; tuningProblems: number };
  evaluation: {
    problems: number;
    evalEvery: number;
    divergenceFactor: number | null;
    settings: EvaluationSetting[];
  };
}

/** Meta-training keeps the optimizer with the lowest validation loss; test runs report theirs. */
export const metaTrainingSelection: SelectionMetric = { name: 'val_loss', goal: 'min' };

export const metaTrainingSchemaId = 'meta-training.schema.json';

export function parseMetaTrainingConfig(value: unknown): MetaTrainingConfig {
  return parseWithSchema<MetaTrainingConfig>(
    metaTrainingSchemaId,
    value,
    'the meta-training experiment config',
  );
}

/** The setting's problem: the training problem with the setting's keys over it. */
export function settingProblem(
  config: MetaTrainingConfig,
  setting: EvaluationSetting,
): { name: string } & Record<string, unknown> {
  return { ...config.problem, ...setting.problem, name: config.problem.name };
}

export function settingSteps(config: MetaTrainingConfig, setting: EvaluationSetting): number {
  return setting.steps ?? config.metaTraining.horizon;
}
