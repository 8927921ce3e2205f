// The seven handcrafted optimizers the lab compares learned optimizers against, and a factory
// keyed by name so experiment configs (YAML) can pick one with options.
import { AdaDelta, type AdaDeltaOptions } from './adadelta.ts';
import { Adagrad, type AdagradOptions } from './adagrad.ts';
import { Adam, type AdamOptions } from './adam.ts';
import type { Optimizer } from './optimizer.ts';
import { RMSProp, type RMSPropOptions } from './rmsprop.ts';
import { Momentum, Nesterov, SGD, type SGDOptions } from './sgd.ts';

export { AdaDelta, Adagrad, Adam, Momentum, Nesterov, RMSProp, SGD };
export type { AdaDeltaOptions, AdagradOptions, AdamOptions, RMSPropOptions, SGDOptions };
export {
  unrollLearnedOptimizer,
  type LearnedOptimizer,
  type UnrollOptions,
  type Unrolled,
} from './learned.ts';
export { Optimizer, scalarAs, type OptimizerOptions, type StepContext, type Update } from './optimizer.ts';

export interface OptimizerOptionsByKind {
  sgd: SGDOptions;
  momentum: Omit<SGDOptions, 'nesterov'>;
  nesterov: Omit<SGDOptions, 'nesterov'>;
  adagrad: AdagradOptions;
  rmsprop: RMSPropOptions;
  adadelta: AdaDeltaOptions;
  adam: AdamOptions;
}

export type OptimizerKind = keyof OptimizerOptionsByKind;

export const optimizerKinds: readonly OptimizerKind[] = [
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
  options: OptimizerOptionsByKind[K] = {},
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
  }
  throw new Error(
    `createOptimizer: unknown optimizer "${String(kind)}"; choose one of ${optimizerKinds.join(', ')}`,
  );
}
