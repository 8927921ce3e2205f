// The MNIST-shaped optimizee of torch_ref.py: an MLP 784-20-10 with sigmoid hidden units and
// softmax cross-entropy on a batch of 128 (random pixels U[0, 1), random labels, as the reference
// uses), its 15,910 parameters read from a flat θ (mlp.0.W, mlp.0.b, mlp.1.W, mlp.1.b — the
// reference's order).
import * as T from '../../engine/index.ts';
import { crossEntropy } from '../../engine/nn/losses.ts';
import { MLP } from '../../engine/nn/sequential.ts';
import { bindFlat } from '../../engine/params/symbolic.ts';
import { Rng } from '../../engine/random/rng.ts';

export const BATCH = 128;
export const SIZES = [784, 20, 10] as const;

export function mnistModel(): MLP {
  return new MLP([...SIZES], { rng: new Rng(1), activation: 'sigmoid' });
}

/** Loss of `model` on (x, labels) with its parameters bound to flat θ (or its own weights). */
export function mnistLoss(model: MLP, x: T.Variable, labels: T.Variable, theta?: T.Variable): T.Variable {
  const binding = theta ? bindFlat(model.parameters(), model.layout(), theta) : undefined;
  return crossEntropy(model.forward(x, binding), labels);
}

/** Values drawn as torch_ref.py draws θ0: 0.01·N(0, 1). */
export function smallNormal(rng: Rng, shape: readonly number[]): T.NDArray {
  const value = rng.normal([...shape]);
  for (let i = 0; i < value.size; i++) value.data[i] *= 0.01;
  return value;
}

/** A batch: pixels U[0, 1) (128 × 784) and int32 labels in [0, 10). */
export function mnistBatch(seed: number): [T.NDArray, T.NDArray] {
  const rng = new Rng(seed);
  return [rng.uniform([BATCH, SIZES[0]]), rng.randint([BATCH], 0, SIZES[2])];
}
