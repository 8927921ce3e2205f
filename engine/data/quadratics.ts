// Random quadratic problems f(θ) = ‖Wθ − y‖², the training distribution of learned optimizers in
// Andrychowicz et al. 2016, "Learning to learn by gradient descent by gradient descent" (§3.1).
//   'gaussian' (the paper): W and y with i.i.d. N(0, 1) entries.
//   'uniform' (its reference code, deepmind/learning-to-learn problems.quadratic): W and y with
//            i.i.d. U[0, 1) entries (TensorFlow's random_uniform_initializer defaults).
// In both, θ0 has i.i.d. N(0, thetaStddev²) entries with thetaStddev = 0.01 as in that code.
// W, y and θ0 come from three separate streams of the seed, so changing one option (say the
// variant) never reshuffles the others.
import { NDArray } from '../core/ndarray.ts';
import { normal, uniform, type FloatDType } from '../random/philox.ts';

export interface QuadraticOptions {
  /** Number of independent problems B. */
  batch: number;
  /** Dimension d of θ (default 10, as in the paper). */
  dims?: number;
  seed: number;
  variant?: 'gaussian' | 'uniform';
  /** Standard deviation of θ0 (default 0.01). */
  thetaStddev?: number;
  dtype?: FloatDType;
}

export interface QuadraticBatch {
  /** (B, d, d) */
  W: NDArray;
  /** (B, d) */
  y: NDArray;
  /** (B, d) starting points */
  theta0: NDArray;
}

export function randomQuadratics(options: QuadraticOptions): QuadraticBatch {
  const { batch, dims = 10, seed, variant = 'gaussian', thetaStddev = 0.01, dtype = 'float32' } = options;
  for (const [name, value] of [
    ['batch', batch],
    ['dims', dims],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`randomQuadratics: ${name} must be a positive integer, got ${value}`);
    }
  }
  if (variant !== 'gaussian' && variant !== 'uniform') {
    throw new Error(`randomQuadratics: variant must be 'gaussian' or 'uniform', got ${String(variant)}`);
  }
  const draw = variant === 'gaussian' ? normal : uniform;
  const W = draw({ seed, stream: 0 }, batch * dims * dims, dtype);
  const y = draw({ seed, stream: 1 }, batch * dims, dtype);
  const theta0 = normal({ seed, stream: 2 }, batch * dims, dtype);
  for (let i = 0; i < theta0.length; i++) theta0[i] *= thetaStddev;
  return {
    W: new NDArray(W, [batch, dims, dims]),
    y: new NDArray(y, [batch, dims]),
    theta0: new NDArray(theta0, [batch, dims]),
  };
}

/** f(θ) = ‖Wθ − y‖² of each problem in float64 (a reference for tests and progress printing). */
export function quadraticLoss(problem: Pick<QuadraticBatch, 'W' | 'y'>, theta: NDArray): Float64Array {
  const [batch, dims] = problem.y.shape;
  if (theta.shape[0] !== batch || theta.shape[1] !== dims || theta.ndim !== 2) {
    throw new Error(
      `quadraticLoss: theta has shape [${theta.shape.join(', ')}], expected [${batch}, ${dims}]`,
    );
  }
  const W = problem.W.contiguous().data;
  const y = problem.y.contiguous().data;
  const t = theta.contiguous().data;
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let sum = 0;
    for (let i = 0; i < dims; i++) {
      let r = -y[b * dims + i];
      for (let j = 0; j < dims; j++) r += W[(b * dims + i) * dims + j] * t[b * dims + j];
      sum += r * r;
    }
    out[b] = sum;
  }
  return out;
}
