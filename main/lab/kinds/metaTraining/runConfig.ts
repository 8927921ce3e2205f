// One meta-training run: which problem distribution the learned optimizer is trained on, the
// learned optimizer itself, how it is trained (truncated BPTT, or antithetic ES / PES), and the
// problem seeds it validates on and must never train on. The trainer checks it against
// curricula/schema/runs/meta-training.schema.json before use.
import type { LearnedRuleConfig } from '../../../../engine/optim/learnedRule.ts';
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import type { RunConfigSchema } from '../../trainers/trainer.ts';

export const metaTrainingKindName = 'meta-training';

/** Which published setting a run follows (they disagree, so the run says which). */
export type MetaTrainingPreset = 'l2l-paper' | 'l2l-deepmind' | 'custom';

export interface MetaOptimizerConfig {
  name: 'adam';
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export interface EvolutionStrategiesConfig {
  /** Antithetic pairs per meta-iteration. */
  particles: number;
  /** Standard deviation of the weight perturbations. */
  sigma: number;
}

export interface MetaTrainingSettings {
  /** bptt: truncated backpropagation through time; es: antithetic ES per truncation; pes: persistent ES. */
  method: 'bptt' | 'es' | 'pes';
  /** Optimizee steps per truncated unroll (one meta-iteration). */
  unroll: number;
  /** Optimizee steps per problem; a fresh problem is drawn when it is used up (a multiple of unroll). */
  horizon: number;
  /** bptt only: differentiate through the optimizee gradient (second derivatives). */
  secondOrder: boolean;
  metaOptimizer: MetaOptimizerConfig;
  /** Evaluations without a better validation loss before the run stops early; null: never. */
  patience: number | null;
  es: EvolutionStrategiesConfig;
}

export interface MetaTrainingRunConfig {
  preset: MetaTrainingPreset;
  /** The optimizee problem's options (curricula/schema/problems/<name>.schema.json), with its name. */
  problem: { name: string } & Record<string, unknown>;
  optimizer: LearnedRuleConfig;
  metaTraining: MetaTrainingSettings;
  /** Problem seeds of the frozen validation after each meta-epoch. */
  validationSeeds: number[];
  /** Problem seeds the run must not train on (validation and test problems). */
  excludedSeeds: number[];
}

export const metaTrainingRunConfig: RunConfigSchema<MetaTrainingRunConfig> = {
  kind: metaTrainingKindName,
  parse: (value) =>
    parseWithSchema<MetaTrainingRunConfig>(
      'runs/meta-training.schema.json',
      value,
      'the meta-training run config',
    ),
};
