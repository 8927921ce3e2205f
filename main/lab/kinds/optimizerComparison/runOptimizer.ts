// The optimizer a run of an optimizer comparison trains with: a handcrafted one built by
// engine/optim from the same option names, or a learned one read from its file — the artifact of
// a meta-training run handed to the run as its `optimizer` input, or a file path in the config.
import { createOptimizer } from '../../../../engine/optim/index.ts';
import type { Optimizer } from '../../../../engine/optim/optimizer.ts';
import type { TrainerContext } from '../../trainers/trainer.ts';
import type { OptimizerRunConfig } from './runConfig.ts';

export function optimizerForRun(config: OptimizerRunConfig, context?: TrainerContext): Optimizer {
  const optimizer = config.optimizer;
  if (optimizer.name !== 'learned') {
    const { name, ...options } = optimizer;
    return createOptimizer(name, options);
  }
  const { name: _learned, artifact, ...rest } = optimizer;
  const path = context?.inputs.optimizer?.path ?? (typeof artifact === 'string' ? artifact : undefined);
  if (!path) {
    throw new Error(
      'a run with optimizer "learned" needs its file: an input named "optimizer" (a meta-training run\'s ' +
        'optimizer artifact) or optimizer.artifact, the path of a learned-optimizer safetensors file',
    );
  }
  return createOptimizer('learned', { ...rest, artifact: path });
}
