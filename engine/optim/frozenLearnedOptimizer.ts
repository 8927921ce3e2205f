// A trained learned update rule used as an ordinary optimizer: its weights are fixed, and each
// parameter tensor is one rule application over that tensor's coordinates (its own state slots:
// LSTM cells or momenta, shaped [coordinates, …]). Applying a coordinatewise rule tensor by
// tensor is the same as applying it to the model's flat θ; a rule with per-tensor features
// (second-moment normalisation) sees each tensor as its own group, as it did while meta-trained
// on a flat θ cut into the model's tensors.
import type { SharedVariable, Variable } from '../core/graph.ts';
import { add } from '../ops/math.ts';
import { flatten, reshape } from '../ops/reshape.ts';
import { describeLearnedRule, type LearnedRule } from './learnedRule.ts';
import { Optimizer, type OptimizerOptions, type Update } from './optimizer.ts';

export class FrozenLearnedOptimizer extends Optimizer {
  readonly rule: LearnedRule;

  constructor(rule: LearnedRule, options: OptimizerOptions = {}) {
    super('learned', options);
    this.rule = rule;
  }

  protected usesStepCount(): boolean {
    return false;
  }

  protected paramUpdates(param: SharedVariable, g: Variable): Update[] {
    if (param.dtype !== this.rule.dtype) {
      throw new Error(
        `${this.name}: parameter ${param.name} is ${param.dtype} but the learned optimizer (${describeLearnedRule(this.rule.config)}) ` +
          `computes in ${this.rule.dtype}; load it with dtype ${param.dtype}`,
      );
    }
    const shape = param.get().shape;
    const n = shape.reduce((a, b) => a * b, 1);
    const state = this.rule
      .stateShapes(n)
      .map((stateShape, i) => this.shapedSlot(param, `state${i}`, stateShape));
    const flatParam = param.ndim === 1 ? param : flatten(param);
    const flatGrad = g.ndim === 1 ? g : flatten(g);
    const r = this.rule.apply({ g: flatGrad, theta: flatParam, state, groups: [n] });
    const update = param.ndim === 1 ? r.update : reshape(r.update, shape);
    return [[param, add(param, update)], ...state.map((s, i): Update => [s, r.state[i]])];
  }
}
