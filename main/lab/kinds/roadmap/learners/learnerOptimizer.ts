// The optimizer a roadmap learner trains with — one of engine/optim's, or a learned optimizer
// read from its artifact (the run's `optimizer` input) or file — and gradient clipping by global
// norm (TSCL clips its LSTM's gradients at 2, as Keras's clipnorm does: every gradient scaled by
// min(1, c / ‖g‖) with ‖g‖ over all of them together).
import type { Variable } from '../../../../../engine/core/graph.ts';
import { createOptimizer } from '../../../../../engine/optim/index.ts';
import type { Optimizer } from '../../../../../engine/optim/optimizer.ts';
import { add, div, maximum, mul, sqrt } from '../../../../../engine/ops/math.ts';
import { sum } from '../../../../../engine/ops/reduce.ts';
import { sqr } from '../../../../../engine/ops/math.ts';
import type { TrainerContext } from '../../../trainers/trainer.ts';
import type { OptimizerSpec } from '../config.ts';

export function learnerOptimizer(spec: OptimizerSpec, context?: TrainerContext): Optimizer {
  const { name, artifact, lr, momentum, weightDecay } = spec;
  if (name === 'learned') {
    const path = context?.inputs.optimizer?.path ?? (typeof artifact === 'string' ? artifact : undefined);
    if (!path) {
      throw new Error(
        'the learner\'s optimizer is "learned" but the run has no optimizer input and no artifact path: ' +
          'give learner.optimizer.artifact (an artifact id or a .safetensors path)',
      );
    }
    return createOptimizer('learned', { artifact: path });
  }
  const options = {
    lr,
    ...(momentum === undefined ? {} : { momentum }),
    ...(weightDecay === undefined ? {} : { weightDecay }),
  };
  return createOptimizer(name, options as never);
}

/** The gradients scaled together so their global L2 norm is at most `maxNorm`. */
export function clipByGlobalNorm(grads: readonly Variable[], maxNorm: number): Variable[] {
  const squared = grads.map((g) => sum(sqr(g)));
  const norm = sqrt(squared.reduce((total, s) => add(total, s)));
  // scale = c / max(‖g‖, c): 1 below the limit, c/‖g‖ above it.
  const scale = div(maxNorm, maximum(norm, maxNorm));
  return grads.map((g) => mul(g, scale));
}
