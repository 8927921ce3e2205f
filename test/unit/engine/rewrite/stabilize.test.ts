import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { add, exp, log, sigmoid, sub } from '../../../../engine/ops/math.ts';
import { categoricalCrossentropy, softmax } from '../../../../engine/ops/nnet.ts';
import { reduce } from '../../../../engine/ops/reduce.ts';
import { stabilizeRewrites } from '../../../../engine/rewrite/stabilize.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import { matrix, vector } from '../../../../engine/tensor.ts';
import { expectSameResults, opsOf, rewritten } from './harness.ts';

const x = matrix('x', 'float64');
const moderate = NDArray.of(
  [
    [0.5, -1, 3],
    [2, 0.25, -4],
  ],
  'float64',
);

describe('stabilize', () => {
  it('log(1 + x) → log1p(x), exact where 1 + x rounds to 1', () => {
    const out = log(add(1, x));
    expect(opsOf(rewritten([x], [out], stabilizeRewrites))).toEqual(['Elemwise{log1p}']);
    expectSameResults(
      [x],
      [out],
      [
        NDArray.of(
          [
            [0.5, 1, 3],
            [2, 0.25, 4],
          ],
          'float64',
        ),
      ],
    );
    const tiny = NDArray.of([[1e-20]], 'float64');
    expect((fn([x], out)(tiny) as NDArray).toFlat()[0]).toBe(1e-20);
    expect((fn([x], out, { mode: { exclude: ['stabilize'] } })(tiny) as NDArray).toFlat()[0]).toBe(0);
  });

  it('log(sigmoid(x)) → -softplus(-x) and log(1 - sigmoid(x)) → -softplus(x), finite for large |x|', () => {
    const a = log(sigmoid(x));
    const b = log(sub(1, sigmoid(x)));
    expect(opsOf(rewritten([x], [a], stabilizeRewrites))).toEqual([
      'Elemwise{neg}',
      'Elemwise{softplus}',
      'Elemwise{neg}',
    ]);
    expect(opsOf(rewritten([x], [b], stabilizeRewrites))).toEqual(['Elemwise{softplus}', 'Elemwise{neg}']);
    expectSameResults([x], [a, b], [moderate]);
    const extreme = NDArray.of([[-800, 800]], 'float64');
    const [la, lb] = fn([x], [a, b])(extreme) as NDArray[];
    expect(la.toFlat()).toEqual([-800, -0]);
    expect(lb.toFlat()).toEqual([-0, -800]);
  });

  it('log(sum(exp(x))) → logsumexp(x), which does not overflow', () => {
    const out = log(reduce('sum', exp(x), 1, true));
    expect(opsOf(rewritten([x], [out], stabilizeRewrites))).toEqual([
      'Reduce{logsumexp, axes=[1], keepdims}',
    ]);
    expectSameResults([x], [out], [moderate]);
    const big = NDArray.of([[1000, 1000]], 'float64');
    expect((fn([x], out)(big) as NDArray).toFlat()[0]).toBeCloseTo(1000 + Math.log(2), 9);
  });

  it('log(softmax(x)) → logSoftmax(x), so a confident wrong prediction costs a finite loss', () => {
    const out = log(softmax(x));
    expect(opsOf(rewritten([x], [out], stabilizeRewrites))).toEqual(['LogSoftmax{axis=1}']);
    expectSameResults([x], [out], [moderate]);
    const confident = NDArray.of([[0, 800]], 'float64');
    expect((fn([x], out)(confident) as NDArray).toFlat()).toEqual([-800, 0]);
    const t = matrix('t', 'float64');
    const loss = categoricalCrossentropy(softmax(x), t);
    const value = fn([x, t], loss)(confident, NDArray.of([[1, 0]], 'float64')) as NDArray;
    expect(value.toFlat()).toEqual([800]);
  });

  it('crossentropy(softmax(x), int labels) → the fused SoftmaxCrossEntropy(x, labels)', () => {
    const labels = vector('labels', 'int32');
    const out = categoricalCrossentropy(softmax(x), labels);
    const fg = rewritten([x, labels], [out], stabilizeRewrites);
    expect(opsOf(fg)).toEqual(['SoftmaxCrossEntropy']);
    expect(fg.outputs[0].owner!.inputs).toEqual([x, labels]);
    const L = NDArray.of([2, 0], 'int32');
    expectSameResults([x, labels], [out], [moderate, L]);
    const confident = NDArray.of(
      [
        [0, 800, 0],
        [900, 0, 0],
      ],
      'float64',
    );
    expect((fn([x, labels], out)(confident, NDArray.of([0, 1], 'int32')) as NDArray).toFlat()).toEqual([
      800, 900,
    ]);
    // Dense targets are not labels: the composed form stays (stable through logSoftmax).
    const t = matrix('t', 'float64');
    expect(
      opsOf(rewritten([x, t], [categoricalCrossentropy(softmax(x), t)], stabilizeRewrites)),
    ).not.toContain('SoftmaxCrossEntropy');
  });
});
