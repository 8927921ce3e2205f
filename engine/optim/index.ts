// The seven handcrafted optimizers the lab compares learned optimizers against, learned
// optimizers (meta-trained update rules, loaded from their files), and a factory keyed by name so
// experiment configs (YAML) can pick one with options: createOptimizer('adam', { lr: 1e-3 }) or
// createOptimizer('learned', { artifact: 'optimizer.safetensors' }).
import { AdaDelta, type AdaDeltaOptions } from './adadelta.ts';
import { Adagrad, type AdagradOptions } from './adagrad.ts';
import { Adam, type AdamOptions } from './adam.ts';
import type { Optimizer } from './optimizer.ts';
import { RMSProp, type RMSPropOptions } from './rmsprop.ts';
import { Momentum, Nesterov, SGD, type SGDOptions } from './sgd.ts';
import { FrozenLearnedOptimizer } from './frozenLearnedOptimizer.ts';
import { loadLearnedOptimizer } from './learnedArtifact.ts';
import type { OptimizerOptions as BaseOptions } from './optimizer.ts';

export { AdaDelta, Adagrad, Adam, Momentum, Nesterov, RMSProp, SGD };
export type { AdaDeltaOptions, AdagradOptions, AdamOptions, RMSPropOptions, SGDOptions };
export {
  unrollLearnedOptimizer,
  type LearnedOptimizer,
  type UnrollOptions,
  type Unrolled,
} from './learned.ts';
export { FrozenLearnedOptimizer } from './frozenLearnedOptimizer.ts';
export { createLearnedRule } from './createLearnedRule.ts';
export {
  decodeLearnedOptimizer,
  encodeLearnedOptimizer,
  loadLearnedOptimizer,
  parseLearnedRuleConfig,
  type LoadedLearnedOptimizer,
} from './learnedArtifact.ts';
export {
  describeLearnedRule,
  type LearnedRule,
  type LearnedRuleConfig,
  type LearnedRuleInput,
  type LearnedRuleStep,
  type LSTMRuleConfig,
  type MLPRuleConfig,
} from './learnedRule.ts';
export { LSTMRule } from './lstmRule.ts';
export { MLPRule } from './mlpRule.ts';
export { truncatedUnroll, type TruncatedUnroll, type TruncatedUnrollOptions } from './truncatedUnroll.ts';
export { Optimizer, scalarAs, type OptimizerOptions, type StepContext, type Update } from './optimizer.ts';

export interface OptimizerOptionsByKind {
  sgd: SGDOptions;
  momentum: Omit<SGDOptions, 'nesterov'>;
  nesterov: Omit<SGDOptions, 'nesterov'>;
  adagrad: AdagradOptions;
  rmsprop: RMSPropOptions;
  adadelta: AdaDeltaOptions;
  adam: AdamOptions;
  learned: LearnedOptions;
}

/** A learned optimizer from its file (a meta-training run's `optimizer` artifact). */
export interface LearnedOptions extends BaseOptions {
  artifact: string;
}

export type OptimizerKind = keyof OptimizerOptionsByKind;

/** The handcrafted optimizers: every kind but `learned`. */
export type HandcraftedOptimizerKind = Exclude<OptimizerKind, 'learned'>;

/** The seven handcrafted optimizers (learned ones are `learned` with their file). */
export const optimizerKinds: readonly HandcraftedOptimizerKind[] = [
  'sgd',
  'momentum',
  'nesterov',
  'adagrad',
  'rmsprop',
  'adadelta',
  'adam',
];

export function createOptimizer<K extends OptimizerKind>(
  kind: K,
  options: OptimizerOptionsByKind[K] = {} as OptimizerOptionsByKind[K],
): Optimizer {
  switch (kind) {
    case 'sgd':
      return new SGD(options);
    case 'momentum':
      return new Momentum(options);
    case 'nesterov':
      return new Nesterov(options);
    case 'adagrad':
      return new Adagrad(options);
    case 'rmsprop':
      return new RMSProp(options);
    case 'adadelta':
      return new AdaDelta(options);
    case 'adam':
      return new Adam(options);
    case 'learned': {
      const { artifact, ...rest } = options as LearnedOptions;
      if (typeof artifact !== 'string')
        throw new Error(
          "createOptimizer('learned'): give { artifact: <path of the learned optimizer's safetensors file> }",
        );
      return new FrozenLearnedOptimizer(loadLearnedOptimizer(artifact).rule, rest);
    }
  }
  throw new Error(
    `createOptimizer: unknown optimizer "${String(kind)}"; choose one of ${optimizerKinds.join(', ')} or learned`,
  );
}
