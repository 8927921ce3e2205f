// The cpu backend (native executor) against the js reference on the same compiled graphs: the
// program format is what the executor consumes, shared variables live in native memory between
// calls, and js steps run inside a native program.
import { describe, expect, it } from 'vitest';
import '../../../engine/backends/cpu.ts';
import { NDArray } from '../../../engine/core/ndarray.ts';
import { fn } from '../../../engine/compile/fn.ts';
import { grad } from '../../../engine/grad/grad.ts';
import { transpose } from '../../../engine/ops/dimshuffle.ts';
import { dot } from '../../../engine/ops/linalg.ts';
import { add, exp, log, mul, neg, sigmoid, sub, tanh } from '../../../engine/ops/math.ts';
import { logSoftmax, softmax } from '../../../engine/ops/nnet.ts';
import { reduce } from '../../../engine/ops/reduce.ts';
import { sumToShape } from '../../../engine/ops/sumToShape.ts';
import { randn } from '../../../engine/random/rng.ts';
import { matrix, shared, vector } from '../../../engine/tensor.ts';
import type { Variable } from '../../../engine/core/graph.ts';

function expectClose(a: NDArray, b: NDArray, tolerance: number): void {
  expect(a.shape).toEqual(b.shape);
  const want = b.toFlat();
  a.toFlat().forEach((v, i) =>
    expect(Math.abs(v - want[i])).toBeLessThanOrEqual(tolerance * (1 + Math.abs(want[i]))),
  );
}

function compare(inputs: Variable[], outputs: Variable[], values: NDArray[], tolerance = 1e-5): void {
  const js = fn(inputs, outputs, { backend: 'js' })(...values) as NDArray[];
  const cpu = fn(inputs, outputs, { backend: 'cpu' })(...values) as NDArray[];
  cpu.forEach((out, i) => expectClose(out, js[i], tolerance));
}

describe('cpu backend vs js', () => {
  const x = matrix('x');
  const W = matrix('W');
  const b = vector('b');
  const X = randn([5, 4], { seed: 1 });
  const Wv = randn([4, 3], { seed: 2 });
  const bv = randn([3], { seed: 3 });

  it('runs fused composites, gemm with a broadcast bias, transposed operands and reductions', () => {
    const z = add(dot(x, W), b);
    compare(
      [x, W, b],
      [sigmoid(z), tanh(mul(z, 2)), reduce('sum', exp(z), 1), dot(transpose(x), x)],
      [X, Wv, bv],
    );
  });

  it('runs softmax, log-softmax and the stabilised losses', () => {
    const z = dot(x, W);
    compare([x, W], [softmax(z), logSoftmax(z), log(softmax(z)), reduce('logsumexp', z, 1)], [X, Wv]);
  });

  it('runs ops without a native kernel as js steps inside the program', () => {
    const y = matrix('y');
    const out = sumToShape(mul(x, y), y);
    const f = fn([x, y], out, { backend: 'cpu' });
    const Y = randn([1, 4], { seed: 4 });
    expect(f.backend.name).toBe('cpu');
    const got = f(X, Y) as NDArray;
    expect(f.lastProgram!.steps.some((s) => s.kernel === 'js')).toBe(true);
    expectClose(got, fn([x, y], out, { backend: 'js' })(X, Y) as NDArray, 1e-5);
  });

  it('trains an MLP with shared weights in native memory, step for step like js', () => {
    const build = (backend: 'js' | 'cpu') => {
      const W1 = shared(randn([4, 8], { seed: 5 }), 'W1');
      const W2 = shared(randn([8, 3], { seed: 6 }), 'W2');
      const xs = matrix('x');
      const ys = matrix('y');
      const z = dot(sigmoid(dot(xs, W1)), W2);
      const loss = reduce('mean', neg(reduce('sum', mul(ys, logSoftmax(z)), 1)));
      const [g1, g2] = grad(loss, [W1, W2]);
      const step = fn([xs, ys], loss, {
        backend,
        updates: [
          [W1, sub(W1, mul(0.3, g1))],
          [W2, sub(W2, mul(0.3, g2))],
        ],
      });
      return { step, W1, W2 };
    };
    const js = build('js');
    const cpu = build('cpu');
    const Y = NDArray.zeros([5, 3]);
    for (let i = 0; i < 5; i++) Y.data[i * 3 + (i % 3)] = 1;
    for (let i = 0; i < 10; i++) {
      const a = (cpu.step(X, Y) as NDArray).toFlat()[0];
      const c = (js.step(X, Y) as NDArray).toFlat()[0];
      expect(Math.abs(a - c)).toBeLessThan(1e-4);
    }
    expectClose(cpu.W1.get(), js.W1.get(), 1e-4);
    // set() on the host goes back into native memory before the next run.
    cpu.W2.set(js.W2.get());
    cpu.W1.set(js.W1.get());
    expect(
      Math.abs((cpu.step(X, Y) as NDArray).toFlat()[0] - (js.step(X, Y) as NDArray).toFlat()[0]),
    ).toBeLessThan(1e-5);
  });

  it('keeps shared state consistent when two functions update the same variable', () => {
    const v = shared(NDArray.of([1, 2, 3]), 'v');
    const inc = fn([], [], { backend: 'cpu', updates: [[v, add(v, 1)]] });
    const dbl = fn([], [], { backend: 'cpu', updates: [[v, mul(v, 2)]] });
    inc();
    dbl();
    inc();
    expect(v.get().toFlat()).toEqual([5, 7, 9]);
  });

  it('reports a kernel error naming the op', () => {
    const f = fn([x, W], dot(x, W), { backend: 'cpu' });
    expect(() => f(X, randn([3, 3], { seed: 9 }))).toThrow(/Dot|Gemm|inner dimensions/);
  });
});
