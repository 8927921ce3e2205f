// The API a Theano user feels at home in: the example, end to end on the js backend.
import { describe, expect, it } from 'vitest';
import * as T from '../../../../engine/index.ts';
import type { NDArray } from '../../../../engine/index.ts';

describe('the Theano-style public API', () => {
  it('builds, differentiates, compiles and trains: the loss goes down', () => {
    const x = T.matrix('x');
    const W = T.shared(T.randn([784, 20], { seed: 1 }), 'W');
    const y = T.sigmoid(T.dot(x, W));
    const cost = T.mean(T.sqr(y));
    const gW = T.grad(cost, W);
    const step = T.fn([x], cost, { updates: [[W, W.sub(gW.mul(0.1))]], backend: 'js' });
    const batch = T.rand([16, 784], { seed: 2 });
    const losses = [0, 1, 2, 3, 4].map(() => (step(batch) as NDArray).toFlat()[0]);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1]);
    expect(y.dtype).toBe('float32');
    expect(T.debugprint(step)).toMatch(/Gemm/);
  });

  it('a small MLP classifier fits a fixed problem (softmax cross-entropy, two layers)', () => {
    const x = T.matrix('x');
    const labels = T.vector('labels', 'int32');
    const W1 = T.shared(T.randn([2, 16], { seed: 3 }), 'W1');
    const b1 = T.shared(T.NDArray.zeros([16]), 'b1');
    const W2 = T.shared(T.randn([16, 2], { seed: 4 }), 'W2');
    const h = T.relu(T.add(T.dot(x, W1), b1));
    const loss = T.mean(T.softmaxCrossEntropy(T.dot(h, W2), labels));
    const params = [W1, b1, W2];
    const grads = T.grad(loss, params);
    const train = T.fn([x, labels], loss, {
      updates: params.map((p, i) => [p, p.sub(grads[i].mul(0.2))] as const),
      backend: 'js',
    });
    // XOR-like quadrants: not linearly separable, so the hidden layer must learn.
    const points = T.rand([64, 2], { seed: 5 });
    const data = points.toFlat().map((v) => v * 2 - 1);
    const xs = T.NDArray.from(data, [64, 2]);
    const ys = T.NDArray.from(
      [...Array(64).keys()].map((i) => (data[2 * i] * data[2 * i + 1] > 0 ? 1 : 0)),
      [64],
      'int32',
    );
    const first = (train(xs, ys) as NDArray).toFlat()[0];
    let last = first;
    for (let i = 0; i < 300; i++) last = (train(xs, ys) as NDArray).toFlat()[0];
    expect(last).toBeLessThan(first * 0.5);
  });
});
