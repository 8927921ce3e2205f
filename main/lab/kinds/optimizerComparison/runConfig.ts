// One run of an optimizer comparison: the problem with its options and the optimizer with the
// learning rate this run uses. Trainers for this kind (quadratics, mnist-mlp, a user's module)
// take it through optimizerRunConfig, which checks it against its schema first.
import type { HandcraftedOptimizerKind } from '../../../../engine/optim/index.ts';
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import type { RunConfigSchema } from '../../trainers/trainer.ts';

export const optimizerComparisonKindName = 'optimizer-comparison';

/** A handcrafted optimizer with the learning rate of this run and its other options. */
export type HandcraftedRunOptimizer = { name: HandcraftedOptimizerKind; lr: number } & Record<
  string,
  unknown
>;

/** A learned optimizer: no learning rate; its file is the run's `optimizer` input or `artifact` (a path). */
export type LearnedRunOptimizer = { name: 'learned'; artifact?: string } & Record<string, unknown>;

export interface OptimizerRunConfig {
  /** The problem's options after schema defaults, including its `name`. */
  problem: { name: string } & Record<string, unknown>;
  /**
   * The optimizer and its hyperparameters after defaults, with the learning rate of this run; a
   * learned optimizer (`learned`) has no learning rate and reads its file (see runOptimizer.ts).
   */
  optimizer: HandcraftedRunOptimizer | LearnedRunOptimizer;
}

export const optimizerRunConfig: RunConfigSchema<OptimizerRunConfig> = {
  kind: optimizerComparisonKindName,
  parse: (value) =>
    parseWithSchema<OptimizerRunConfig>(
      'runs/optimizer-comparison.schema.json',
      value,
      'the optimizer-comparison run config',
    ),
};
