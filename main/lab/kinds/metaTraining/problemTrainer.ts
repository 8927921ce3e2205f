// The meta-training problems as optimizer-comparison trainers (`l2l-quadratics`, `l2l-mnist`):
// a handcrafted or a learned optimizer trains one instance of the problem (the run's seed is the
// instance's seed), one optimizee step per lab step. It sees exactly the losses a meta-training
// unroll sees — the same θ0, the same minibatch at every step, θ cut into the same tensors — so
// a learned optimizer evaluated here behaves as it did while it was meta-trained, and baselines
// and learned optimizers are compared on the very same problems.
import { fn, type CompiledFunction } from '../../../../engine/compile/fn.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { flattenSymbolic } from '../../../../engine/params/symbolic.ts';
import { shared } from '../../../../engine/tensor.ts';
import { EngineTrainer, scalarOf } from '../../trainers/engineTrainer.ts';
import type { EvaluationMetrics, StepMetrics, TrainerContext } from '../../trainers/trainer.ts';
import type { OptimizerRunConfig } from '../optimizerComparison/runConfig.ts';
import { optimizerForRun } from '../optimizerComparison/runOptimizer.ts';
import { createMetaProblem } from './problems/createMetaProblem.ts';
import type { ProblemInstance } from './problems/metaProblem.ts';

export class MetaProblemTrainer extends EngineTrainer<OptimizerRunConfig> {
  private instance!: ProblemInstance;
  private evaluateLoss!: CompiledFunction;

  init(config: OptimizerRunConfig, seed: number, context?: TrainerContext): void {
    const problem = createMetaProblem(config.problem);
    this.instance = problem.sample(seed);
    const theta0 = this.instance.theta0.data;
    // One shared variable per tensor of θ, so a learned optimizer sees the tensors it was
    // meta-trained on (per-tensor features) and checkpoints name them.
    const params = problem.slots.map((slot, i) => {
      const offset = problem.slots.slice(0, i).reduce((sum, s) => sum + s.size, 0);
      const value = new NDArray(theta0.slice(offset, offset + slot.size), [slot.size]);
      return shared(value, `theta.${slot.name}`);
    });
    const theta = flattenSymbolic(params);
    const data = problem.stepInputs(0);
    this.compile(data, problem.loss(data, theta, 0), params, optimizerForRun(config, context));
    const evaluation = [...problem.evaluationInputs];
    this.evaluateLoss = fn(evaluation, problem.evaluationLoss(evaluation, theta), { backend: this.backend });
    this.position = { step: 0 };
  }

  step(): StepMetrics {
    const step = this.position.step;
    const loss = scalarOf(this.trainStep(...this.instance.stepData(step, 0)));
    this.position = { step: step + 1 };
    return { loss };
  }

  evaluate(): EvaluationMetrics {
    return { val_loss: scalarOf(this.evaluateLoss(...this.instance.evaluationData())) };
  }

  protected override compiledFunctions(): [string, CompiledFunction][] {
    return [...super.compiledFunctions(), ['evaluate', this.evaluateLoss]];
  }
}
