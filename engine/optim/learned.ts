// Unrolling a learned optimizer over an optimizee (Andrychowicz et al. 2016), the math of
// torch_ref.py's meta_iteration: starting from θ₀, for t = 1..T
//   g = ∇f(θ)            behind stopGradient (first-order: the meta-gradient ignores ∂g/∂θ)
//   s, state = net(g, state)
//   θ ← θ + s
// and the meta-loss is Σ_t f(θ_t) over the updated θs. Differentiating the meta-loss with respect
// to the net's weights (T.grad) and feeding that to a handcrafted optimizer (e.g. Adam) is one
// meta-training step.
import type { Variable } from '../core/graph.ts';
import { grad } from '../grad/grad.ts';
import { stopGradient } from '../ops/control.ts';
import { add } from '../ops/math.ts';
import type { ParamBinding } from '../nn/module.ts';

/** A coordinatewise learned optimizer: a flat gradient in, a flat step out (CoordinatewiseLSTM). */
export interface LearnedOptimizer<State> {
  forward(g: Variable, state: State | null, binding?: ParamBinding): { step: Variable; state: State };
}

export interface UnrollOptions<State> {
  net: LearnedOptimizer<State>;
  /** The optimizee's scalar loss at a flat parameter vector. */
  loss: (theta: Variable) => Variable;
  theta0: Variable;
  steps: number;
  /** Evaluates the net with other weights (a meta-learner's own unrolled weights, say). */
  binding?: ParamBinding;
}

export interface Unrolled {
  /** Σ_t f(θ_t) over the T updated parameter vectors. */
  metaLoss: Variable;
  /** f(θ_t) for t = 1..T. */
  losses: Variable[];
  /** θ_T. */
  theta: Variable;
}

export function unrollLearnedOptimizer<State>(options: UnrollOptions<State>): Unrolled {
  const { net, loss, theta0, steps, binding } = options;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`unrollLearnedOptimizer: steps must be a positive integer, got ${steps}`);
  }
  if (theta0.ndim !== 1) {
    throw new Error(
      `unrollLearnedOptimizer: θ₀ must be a flat vector (engine/params flattens a model), got ${theta0.type.toString()}`,
    );
  }
  let theta = theta0;
  let current = loss(theta);
  let state: State | null = null;
  const losses: Variable[] = [];
  for (let t = 0; t < steps; t++) {
    // f(θ_t) is both this step's gradient source and the previous step's meta-loss term: one graph.
    const g = stopGradient(grad(current, theta));
    const r = net.forward(g, state, binding);
    state = r.state;
    theta = add(theta, r.step);
    current = loss(theta);
    losses.push(current);
  }
  return { metaLoss: losses.reduce((a, b) => add(a, b)), losses, theta };
}
