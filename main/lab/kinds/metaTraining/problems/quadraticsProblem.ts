// Random quadratics f(θ) = mean_b ‖W_b θ_b − y_b‖² over a batch of B problems of dimension d
// (Andrychowicz et al. 2016 §3.1: 10-d, batches of 128), θ the B·d coordinates of all of them.
// The paper draws W and y from N(0, 1); deepmind/learning-to-learn's problems.quadratic draws them
// from U[0, 1) — the `variant` option (engine/data/quadratics.ts) — with θ0 ~ N(0, 0.01²) in both.
// The loss is the same function at every step, so an instance's data is just W and y.
import type { Variable } from '../../../../../engine/core/graph.ts';
import { NDArray } from '../../../../../engine/core/ndarray.ts';
import { randomQuadratics } from '../../../../../engine/data/quadratics.ts';
import { squeeze } from '../../../../../engine/ops/dimshuffle.ts';
import { dot } from '../../../../../engine/ops/linalg.ts';
import { mul, sub } from '../../../../../engine/ops/math.ts';
import { mean, sum } from '../../../../../engine/ops/reduce.ts';
import { reshape } from '../../../../../engine/ops/reshape.ts';
import { tensor } from '../../../../../engine/tensor.ts';
import type { MetaProblem, ProblemInstance, ProblemSlot } from './metaProblem.ts';

export interface QuadraticsProblemOptions {
  name: 'l2l-quadratics';
  batch: number;
  dims: number;
  variant: 'gaussian' | 'uniform';
  thetaStddev: number;
}

export class QuadraticsProblem implements MetaProblem {
  readonly name = 'l2l-quadratics';
  readonly size: number;
  readonly slots: readonly ProblemSlot[];
  readonly evaluationInputs: readonly Variable[];
  private readonly options: QuadraticsProblemOptions;

  constructor(options: QuadraticsProblemOptions) {
    this.options = options;
    this.size = options.batch * options.dims;
    this.slots = [{ name: 'theta', shape: [options.batch, options.dims], size: this.size }];
    this.evaluationInputs = this.stepInputs(0);
  }

  stepInputs(_steps = 0): Variable[] {
    const { batch, dims } = this.options;
    return [tensor('float32', [batch, dims, dims], 'W'), tensor('float32', [batch, dims], 'y')];
  }

  loss([W, y]: readonly Variable[], theta: Variable): Variable {
    const { batch, dims } = this.options;
    // W_b θ_b as a batch of B matrix-vector products (one batched GEMM, as torch's bmm): in the
    // unrolled meta-iteration the loss and its gradient took 0.63 ms this way against 1.36 as a
    // broadcast product summed over the last axis (a multiply and a reduce each way).
    const r = sub(squeeze(dot(W, reshape(theta, [batch, dims, 1])), 2), y);
    return mean(sum(mul(r, r), 1));
  }

  evaluationLoss(data: readonly Variable[], theta: Variable): Variable {
    return this.loss(data, theta);
  }

  sample(seed: number): ProblemInstance {
    const { batch, dims, variant, thetaStddev } = this.options;
    const p = randomQuadratics({ batch, dims, seed, variant, thetaStddev, dtype: 'float32' });
    const data = [p.W, p.y];
    return {
      seed,
      theta0: new NDArray(p.theta0.data, [this.size]),
      stepData: () => data,
      evaluationData: () => data,
    };
  }
}
