// mnist_meta: one meta-iteration (unroll 20) of the coordinatewise LSTM optimizer on the MLP
// 784-20-10 of mnistProblem.ts: 15,910 coordinates, θ0 ~ 0.01·N(0, 1) as in torch_ref.py.
import * as T from '../../engine/index.ts';
import type { Backend, BackendChoice } from '../../engine/backends/backend.ts';
import { Rng } from '../../engine/random/rng.ts';
import { metaIteration } from './metaIteration.ts';
import { BATCH, mnistBatch, mnistLoss, mnistModel, SIZES, smallNormal } from './mnistProblem.ts';
import { cycling, type Workload } from './workload.ts';

export function mnistMeta(backend: BackendChoice | Backend): Workload {
  const model = mnistModel();
  const n = model.layout().size;
  const x = T.tensor('float32', [BATCH, SIZES[0]], 'x');
  const labels = T.tensor('int32', [BATCH], 'labels');
  const theta0 = T.tensor('float32', [n], 'theta0');
  const { step, optimizer } = metaIteration({
    inputs: [x, labels, theta0],
    theta0,
    loss: (theta) => mnistLoss(model, x, labels, theta),
    backend,
  });
  // A few problems drawn up front and cycled, so the timing measures the meta-iteration only.
  const problems = [1, 2, 3].map((seed) => [...mnistBatch(seed), smallNormal(new Rng(seed, 1), [n])]);
  return cycling('mnist_meta', step, optimizer.namedParameters(), problems);
}
