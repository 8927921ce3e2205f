// mnist_step: one Adam step (lr 1e-2) of the MLP 784-20-10 on a fixed batch of 128, the
// reference's `step`. Adam is elementwise, so updating the four parameter tensors is the same
// math as torch_ref.py updating one flat θ. The weights start as the reference's θ0 does,
// 0.01·N(0, 1): how soon a step's gradients underflow, and so what a step costs, depends on it.
import * as T from '../../engine/index.ts';
import type { Backend, BackendChoice } from '../../engine/backends/backend.ts';
import { Adam } from '../../engine/optim/adam.ts';
import { Rng } from '../../engine/random/rng.ts';
import { BATCH, mnistBatch, mnistLoss, mnistModel, SIZES, smallNormal } from './mnistProblem.ts';
import { cycling, type Workload } from './workload.ts';

export function mnistStep(backend: BackendChoice | Backend): Workload {
  const model = mnistModel();
  const rng = new Rng(7, 1);
  for (const p of model.parameters()) p.set(smallNormal(rng, p.shape));
  const x = T.tensor('float32', [BATCH, SIZES[0]], 'x');
  const labels = T.tensor('int32', [BATCH], 'labels');
  const loss = mnistLoss(model, x, labels);
  const params = model.parameters();
  const updates = new Adam({ lr: 1e-2 }).updates(params, T.grad(loss, params));
  const step = T.fn([x, labels], loss, { updates, backend });
  const [xs, ys] = mnistBatch(7);
  return cycling('mnist_step', step, model.namedParameters(), [[xs, ys]]);
}
