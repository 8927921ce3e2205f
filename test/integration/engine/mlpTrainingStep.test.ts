// A compiled SGD training step of a small MLP, end to end: grad, rewrites, lowering, js backend.
import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../engine/core/ndarray.ts';
import { fn, type FnOptions } from '../../../engine/compile/fn.ts';
import { grad } from '../../../engine/grad/grad.ts';
import { dot } from '../../../engine/ops/linalg.ts';
import { add, exp, log, mul, neg, sigmoid, sub } from '../../../engine/ops/math.ts';
import { reduce } from '../../../engine/ops/reduce.ts';
import { randn } from '../../../engine/random/rng.ts';
import { debugprint } from '../../../engine/printing/debugprint.ts';
import { matrix, shared } from '../../../engine/tensor.ts';

/** A fixed 3-class problem: the class of a point is the sector of its first two features. */
function problem(n: number): { X: NDArray; Y: NDArray } {
  const X = randn([n, 4], { seed: 7 });
  const Y = NDArray.zeros([n, 3]);
  for (let i = 0; i < n; i++) {
    const [a, b] = [X.get(i, 0), X.get(i, 1)];
    Y.data[i * 3 + (a > 0 ? (b > 0 ? 0 : 1) : 2)] = 1;
  }
  return { X, Y };
}

function scaled(a: NDArray, k: number): NDArray {
  return NDArray.from(
    a.toFlat().map((v) => v * k),
    a.shape,
  );
}

/** Softmax cross-entropy of a 4-16-3 sigmoid MLP with plain SGD (lr 0.5) on shared weights. */
function buildStep(mode?: FnOptions['mode']) {
  const x = matrix('x');
  const y = matrix('y');
  const W1 = shared(scaled(randn([4, 16], { seed: 1 }), 0.5), 'W1');
  const b1 = shared(NDArray.zeros([16]), 'b1');
  const W2 = shared(scaled(randn([16, 3], { seed: 2 }), 0.1), 'W2');
  const h = sigmoid(add(dot(x, W1), b1));
  const z = dot(h, W2);
  const logProbs = sub(z, log(reduce('sum', exp(z), 1, true)));
  const loss = reduce('mean', neg(reduce('sum', mul(y, logProbs), 1)));
  const params = [W1, b1, W2];
  const grads = grad(loss, params);
  const updates = params.map((p, i) => [p, sub(p, mul(0.5, grads[i]))] as const);
  return fn([x, y], loss, { updates, backend: 'js', mode });
}

describe('compiled MLP training step', () => {
  it('lowers the loss over 50 steps on a fixed problem', () => {
    const step = buildStep();
    const { X, Y } = problem(64);
    const losses: number[] = [];
    for (let i = 0; i < 50; i++) losses.push((step(X, Y) as NDArray).toFlat()[0]);
    // Small initial weights: the first loss is near chance, log 3.
    expect(Math.abs(losses[0] - Math.log(3))).toBeLessThan(0.2);
    expect(losses[49]).toBeLessThan(0.6 * losses[0]);
    expect(step.programs.size).toBe(1);
  });

  it('computes the same steps as the unrewritten graph', () => {
    const optimised = buildStep();
    const reference = buildStep({ exclude: ['all'] });
    const { X, Y } = problem(16);
    for (let i = 0; i < 5; i++) {
      const a = (optimised(X, Y) as NDArray).toFlat()[0];
      const b = (reference(X, Y) as NDArray).toFlat()[0];
      expect(a).toBeCloseTo(b, 5);
    }
  });

  it('shows fused Composite nodes and gemm in debugprint', () => {
    const step = buildStep();
    const { X, Y } = problem(8);
    step(X, Y);
    const text = debugprint(step, { shapes: true });
    expect(text).toMatch(/Composite\{/);
    expect(text).toMatch(/Gemm\{alpha=1, beta=1/);
    expect(text).toMatch(/Gemm\{alpha=-0\.5, beta=1, transA=true, transB=false, inplace=true\}/);
    expect(text).toMatch(/program for float32\(8, 4\)\|float32\(8, 3\)/);
    expect(step.debugprint()).toContain('update W1:');
  });

  it('lowers again for a new batch size and reuses each program for its shapes', () => {
    const step = buildStep();
    const small = problem(8);
    const large = problem(32);
    step(small.X, small.Y);
    const first = step.lastProgram;
    step(small.X, small.Y);
    expect(step.lastProgram).toBe(first);
    step(large.X, large.Y);
    expect(step.programs.size).toBe(2);
    expect(step.lastProgram).not.toBe(first);
    step(small.X, small.Y);
    expect(step.lastProgram).toBe(first);
  });
});
