import { describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { mul, sqr } from '../../../../engine/ops/math.ts';
import { sum } from '../../../../engine/ops/reduce.ts';
import { unrollLearnedOptimizer, type LearnedOptimizer } from '../../../../engine/optim/learned.ts';
import { matrix, shared, vector } from '../../../../engine/tensor.ts';

// A "learned" optimizer with one weight: step = -lr·g (gradient descent with a learnable rate).
const lr = shared(NDArray.scalar(0.1, 'float64'), 'lr');
const gd: LearnedOptimizer<null> = {
  forward: (g: Variable, _state, binding) => ({ step: mul(g, mul(binding?.get(lr) ?? lr, -1)), state: null }),
};
const f = (theta: Variable): Variable => sum(sqr(theta));

describe('unrollLearnedOptimizer', () => {
  it('unrolls θ ← θ + net(∇f(θ)) and sums f over the updated θs', () => {
    // f = ‖θ‖², ∇f = 2θ, θ_t = (1 - 2·lr)^t θ₀ = 0.8^t θ₀, f(θ_t) = 0.64^t ‖θ₀‖².
    const theta0 = vector('theta0', 'float64');
    const { metaLoss, losses, theta } = unrollLearnedOptimizer({ net: gd, loss: f, theta0, steps: 3 });
    const theta0Value = NDArray.from([1, -2, 3], [3], 'float64');
    const [total, l1, end] = fn([theta0], [metaLoss, losses[0], theta], { backend: 'js' })(
      theta0Value,
    ) as NDArray[];
    expect(total.toFlat()[0]).toBeCloseTo(14 * (0.64 + 0.64 ** 2 + 0.64 ** 3), 12);
    expect(l1.toFlat()[0]).toBeCloseTo(14 * 0.64, 12);
    end.toFlat().forEach((v, i) => expect(v).toBeCloseTo(theta0Value.toFlat()[i] * 0.8 ** 3, 12));
  });

  it('is first-order: the meta-gradient does not flow through ∇f', () => {
    // With g treated as a constant, θ_1 = θ₀ - lr·2θ₀ and d f(θ_1)/d lr = 2θ_1·(-2θ₀) = -4(1 - 2lr)‖θ₀‖².
    // (Through ∇f as well it would be the same here for one step, so use two steps: the second
    // step's g = 2θ_1 depends on lr, and the first-order derivative ignores that.)
    const theta0 = vector('theta0', 'float64');
    const { metaLoss } = unrollLearnedOptimizer({ net: gd, loss: f, theta0, steps: 2 });
    const d = fn([theta0], grad(metaLoss, lr), { backend: 'js' })(
      NDArray.from([1, 2], [2], 'float64'),
    ) as NDArray;
    // θ_1 = a θ₀ with a = 1 - 2lr = 0.8; θ_2 = θ_1 - lr·G with G = 2θ_1 held constant.
    // ∂θ_1/∂lr = -2θ₀; ∂θ_2/∂lr = ∂θ_1/∂lr - G = -2θ₀ - 2aθ₀.
    const n = 5;
    const a = 0.8;
    const dF1 = 2 * a * -2 * n;
    const theta2 = a - 0.1 * 2 * a; // θ_2 / θ₀
    const dF2 = 2 * theta2 * (-2 - 2 * a) * n;
    expect(d.toFlat()[0]).toBeCloseTo(dF1 + dF2, 10);
  });

  it('explains bad arguments', () => {
    expect(() => unrollLearnedOptimizer({ net: gd, loss: f, theta0: vector('t'), steps: 0 })).toThrow(
      /steps must be a positive integer/,
    );
    expect(() => unrollLearnedOptimizer({ net: gd, loss: f, theta0: matrix('t'), steps: 1 })).toThrow(
      /must be a flat vector/,
    );
  });
});
