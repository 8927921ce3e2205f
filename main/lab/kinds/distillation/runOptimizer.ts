// The optimizer of a distillation run, from its config entry (engine/optim, PyTorch's defaults).
import { Adam } from '../../../../engine/optim/adam.ts';
import type { Optimizer } from '../../../../engine/optim/optimizer.ts';
import { Momentum, Nesterov, SGD } from '../../../../engine/optim/sgd.ts';
import type { OptimizerSpec } from './config.ts';

export function createRunOptimizer(spec: OptimizerSpec): Optimizer {
  const { lr, weightDecay, momentum } = spec;
  switch (spec.name) {
    case 'adam':
      return new Adam({ lr, weightDecay });
    case 'sgd':
      return new SGD({ lr, weightDecay });
    case 'momentum':
      return new Momentum({ lr, weightDecay, ...(momentum === undefined ? {} : { momentum }) });
    case 'nesterov':
      return new Nesterov({ lr, weightDecay, ...(momentum === undefined ? {} : { momentum }) });
  }
}
