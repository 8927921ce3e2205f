// One meta-iteration of learning to learn (Andrychowicz et al. 2016) as ONE compiled function,
// the same math as torch_ref.py's meta_iteration: unroll the coordinatewise LSTM optimizer for
// `unroll` steps on an optimizee loss f, summing f after every step; the optimizee gradients
// enter the LSTM behind stopGradient (first order); the meta-gradient of the sum with respect
// to the LSTM weights drives an Adam step on them. Call = forward, meta-gradient and Adam update
// in one program, so the native backend crosses into C once per meta-iteration.
import * as T from '../../engine/index.ts';
import type { Backend, BackendChoice } from '../../engine/backends/backend.ts';
import { CoordinatewiseLSTM } from '../../engine/nn/coordinatewise.ts';
import type { LSTMState } from '../../engine/nn/lstm.ts';
import { Adam } from '../../engine/optim/adam.ts';
import { Rng } from '../../engine/random/rng.ts';

export interface MetaIterationSpec {
  /** The function inputs describing one optimizee problem (data, labels, …) then θ0. */
  readonly inputs: readonly T.Variable[];
  /** θ0, one of `inputs`: the optimizee's flat starting point. */
  readonly theta0: T.Variable;
  /** The optimizee loss at flat parameters θ (a scalar). */
  readonly loss: (theta: T.Variable) => T.Variable;
  readonly unroll?: number;
  readonly backend?: BackendChoice | Backend;
}

export interface MetaIteration {
  readonly optimizer: CoordinatewiseLSTM;
  /** Runs one meta-iteration on a problem (values in `inputs` order); returns the summed loss. */
  readonly step: T.CompiledFunction;
  /** Seconds T.fn took (its rewrites, or the program cache's lookup), for bench/compileTime.ts. */
  readonly fnSeconds: number;
}

export function metaIteration(spec: MetaIterationSpec): MetaIteration {
  const unroll = spec.unroll ?? 20;
  // torch_ref.py: CoordLSTM(hidden=20, layers=2, out_scale=0.1), p = 10, Adam(lr=1e-3).
  const optimizer = new CoordinatewiseLSTM({
    rng: new Rng(0),
    hidden: 20,
    layers: 2,
    outScale: 0.1,
    preprocessP: 10,
  });
  let theta = spec.theta0;
  let state: LSTMState[] | null = null;
  let total: T.Variable | null = null;
  for (let t = 0; t < unroll; t++) {
    const g = T.stopGradient(T.grad(spec.loss(theta), theta));
    const proposal = optimizer.forward(g, state);
    state = proposal.state;
    theta = T.add(theta, proposal.step);
    const l = spec.loss(theta);
    total = total ? T.add(total, l) : l;
  }
  const params = optimizer.parameters();
  const grads = T.grad(total!, params);
  const updates = new Adam({ lr: 1e-3, name: 'meta_adam' }).updates(params, grads);
  const start = performance.now();
  const step = T.fn(spec.inputs, total!, { updates, backend: spec.backend });
  return { optimizer, step, fnSeconds: (performance.now() - start) / 1000 };
}
