// The compiled functions a meta-training run calls, each one crossing into the backend:
//   metaStep (bptt)  one truncated unroll of the learned rule from (θ, state) on an unroll's data,
//                    its meta-gradient and the meta-optimizer's (Adam) update of the rule's weights;
//   forward          the same unroll without gradients, the rule's weights given as one flat vector
//                    (a validation with the current weights, an ES particle's perturbed weights);
//   applyGradient    (es, pes) the meta-optimizer's update from a gradient estimated on the host;
//   evaluationLoss   the optimizee's evaluation loss at θ.
// Every unroll function returns [meta-loss, loss after the last step, θ_T, …state_T].
import { fn, type CompiledFunction } from '../../../../engine/compile/fn.ts';
import type { SharedVariable } from '../../../../engine/core/graph.ts';
import type { Shape } from '../../../../engine/core/ndarray.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { Adam } from '../../../../engine/optim/adam.ts';
import type { LearnedRule } from '../../../../engine/optim/learnedRule.ts';
import { truncatedUnroll } from '../../../../engine/optim/truncatedUnroll.ts';
import type { ParamLayout } from '../../../../engine/params/layout.ts';
import { bindFlat } from '../../../../engine/params/symbolic.ts';
import { tensor, vector } from '../../../../engine/tensor.ts';
import type { MetaProblem } from './problems/metaProblem.ts';
import type { LabBackendName } from '../../backendNames.ts';
import type { MetaTrainingSettings } from './runConfig.ts';

export interface UnrollFunctions {
  stateShapes: Shape[];
  /** The rule's weights, in the order of `layout`. */
  weights: SharedVariable[];
  layout: ParamLayout;
  metaOptimizer: Adam;
  metaStep: CompiledFunction | null;
  forward: CompiledFunction;
  applyGradient: CompiledFunction | null;
  evaluationLoss: CompiledFunction;
}

export function buildUnrollFunctions(
  problem: MetaProblem,
  rule: LearnedRule,
  settings: MetaTrainingSettings,
  backend: LabBackendName,
): UnrollFunctions {
  const n = problem.size;
  const groups = problem.slots.map((s) => s.size);
  const stateShapes = rule.stateShapes(n);
  const weights = rule.module.parameters();
  const layout = rule.module.layout();
  const metaOptimizer = new Adam({ ...settings.metaOptimizer, name: 'meta_adam' });
  const unrollOver = (binding?: ReturnType<typeof bindFlat>) => {
    const data = problem.stepInputs(settings.unroll);
    const theta = vector('theta', 'float32', [n]);
    const state = stateShapes.map((shape, i) => tensor('float32', shape, `state${i}`));
    const r = truncatedUnroll({
      rule,
      loss: (th, t) => problem.loss(data, th, t),
      theta,
      state,
      steps: settings.unroll,
      groups,
      secondOrder: settings.secondOrder,
      binding,
    });
    return {
      inputs: [...data, theta, ...state],
      outputs: [r.metaLoss, r.losses[r.losses.length - 1], r.theta, ...r.state],
    };
  };

  let metaStep: CompiledFunction | null = null;
  let applyGradient: CompiledFunction | null = null;
  if (settings.method === 'bptt') {
    const { inputs, outputs } = unrollOver();
    const updates = metaOptimizer.updates(weights, grad(outputs[0], weights));
    metaStep = fn(inputs, outputs, { updates, backend });
  } else {
    const gradients = weights.map((w) => tensor('float32', w.get().shape, `grad_${w.name}`));
    const updates = metaOptimizer.updates(weights, gradients);
    // The step counter is an output so the function has one; the updates are what it is for.
    applyGradient = fn(gradients, [updates[0][1]], { updates, backend });
  }
  const w = vector('weights', 'float32', [layout.size]);
  const perturbed = unrollOver(bindFlat(weights, layout, w));
  const forward = fn([w, ...perturbed.inputs], perturbed.outputs, { backend });
  const evaluation = [...problem.evaluationInputs];
  const theta = vector('theta', 'float32', [n]);
  const evaluationLoss = fn([...evaluation, theta], problem.evaluationLoss(evaluation, theta), { backend });
  return { stateShapes, weights, layout, metaOptimizer, metaStep, forward, applyGradient, evaluationLoss };
}
