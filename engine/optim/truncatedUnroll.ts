// One truncated unroll of a learned update rule over an optimizee with flat parameters θ (the
// inner loop of meta-training, Andrychowicz et al. 2016 §2 with truncated BPTT):
//   for t = 0 … T−1:  g = ∇f_t(θ_t);  (update, state) = rule(g, θ_t, state);  θ_{t+1} = θ_t + update
//   meta-loss = Σ_{t=1..T} w_t · f_t(θ_t)  with w_t = 1
// f_t is the loss on step t's data (the same function every step for a quadratic, step t's
// minibatch for a network), so the value that is a meta-loss term at step t is also the source of
// the gradient at step t, one graph. θ and the rule's state come in and go out as values: the
// next unroll starts where this one ended, while the meta-gradient stops at the unroll's start
// (truncation). First-order by default: the gradient enters the rule behind stopGradient, so the
// meta-gradient ignores ∂g/∂θ (no second derivatives); secondOrder differentiates through it.
import type { Variable } from '../core/graph.ts';
import { grad } from '../grad/grad.ts';
import type { ParamBinding } from '../nn/module.ts';
import { stopGradient } from '../ops/control.ts';
import { add } from '../ops/math.ts';
import type { LearnedRule } from './learnedRule.ts';

export interface TruncatedUnrollOptions {
  rule: LearnedRule;
  /** The optimizee's scalar loss at flat θ on step t's data (t = 0 … steps). */
  loss: (theta: Variable, t: number) => Variable;
  /** θ at the start of the unroll, flat [n]. */
  theta: Variable;
  /** The rule's state at the start of the unroll. */
  state: readonly Variable[];
  steps: number;
  /** Sizes of the tensors θ is made of (see LearnedRuleInput.groups). */
  groups: readonly number[];
  /** Differentiate through the optimizee gradient too (second derivatives). */
  secondOrder?: boolean;
  /** Evaluates the rule with other weights. */
  binding?: ParamBinding;
}

export interface TruncatedUnroll {
  /** Σ_{t=1..T} f_t(θ_t). */
  metaLoss: Variable;
  /** f_t(θ_t) for t = 1 … T. */
  losses: Variable[];
  /** f_0(θ_0): where the unroll started (no meta-gradient reaches it). */
  initialLoss: Variable;
  theta: Variable;
  state: Variable[];
}

export function truncatedUnroll(options: TruncatedUnrollOptions): TruncatedUnroll {
  const { rule, loss, steps, groups, binding, secondOrder = false } = options;
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`truncatedUnroll: steps must be a positive integer, got ${steps}`);
  if (options.theta.ndim !== 1)
    throw new Error(`truncatedUnroll: θ must be a flat vector, got ${options.theta.type.toString()}`);
  let theta = options.theta;
  let state = [...options.state];
  let current = loss(theta, 0);
  const initialLoss = current;
  const losses: Variable[] = [];
  for (let t = 0; t < steps; t++) {
    const raw = grad(current, theta);
    const g = secondOrder ? raw : stopGradient(raw);
    const r = rule.apply({ g, theta, state, groups }, binding);
    state = r.state;
    theta = add(theta, r.update);
    current = loss(theta, t + 1);
    losses.push(current);
  }
  return { metaLoss: losses.reduce((a, b) => add(a, b)), losses, initialLoss, theta, state };
}
