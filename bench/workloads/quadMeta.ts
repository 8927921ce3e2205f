// quad_meta: one meta-iteration on 128 random 10-d quadratics f(θ) = mean_b ‖W_b θ_b − y_b‖²
// (torch_ref.py's quad_problem: W, y, θ0 all N(0, 1)). W_b θ_b is a batch of matrix-vector
// products, as torch's bmm, written as the meta-training kind's quadratics problem writes it.
import * as T from '../../engine/index.ts';
import type { Backend, BackendChoice } from '../../engine/backends/backend.ts';
import { randomQuadratics } from '../../engine/data/quadratics.ts';
import { metaIteration } from './metaIteration.ts';
import { cycling, type Workload } from './workload.ts';

const BATCH = 128;
const DIMS = 10;

export function quadMeta(backend: BackendChoice | Backend): Workload & { readonly fnSeconds: number } {
  const W = T.tensor('float32', [BATCH, DIMS, DIMS], 'W');
  const y = T.tensor('float32', [BATCH, DIMS], 'y');
  const theta0 = T.tensor('float32', [BATCH * DIMS], 'theta0');
  const loss = (theta: T.Variable): T.Variable => {
    const r = T.sub(T.squeeze(T.dot(W, T.reshape(theta, [BATCH, DIMS, 1])), 2), y);
    return T.mean(T.sum(T.mul(r, r), 1));
  };
  const { step, optimizer, fnSeconds } = metaIteration({ inputs: [W, y, theta0], theta0, loss, backend });
  // A few problems drawn up front and cycled, so the timing measures the meta-iteration only.
  const problems = [1, 2, 3, 4].map((seed) => {
    const p = randomQuadratics({ batch: BATCH, dims: DIMS, seed, thetaStddev: 1 });
    return [p.W, p.y, new T.NDArray(p.theta0.data, [BATCH * DIMS])];
  });
  return { ...cycling('quad_meta', step, optimizer.namedParameters(), problems), fnSeconds };
}
