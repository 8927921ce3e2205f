import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { gt, mul, relu, where } from '../../../../engine/ops/math.ts';
import { sum } from '../../../../engine/ops/reduce.ts';
import { maxPool2d } from '../../../../engine/ops/pool.ts';
import { tensor } from '../../../../engine/tensor.ts';
import { maxPoolGradMask } from '../../../../engine/rewrite/maxPoolMask.ts';
import { expectSameResults, opsOf, rewritten } from './harness.ts';

const x = tensor('float64', [1, 2, 4, 4], 'x');
const w = tensor('float64', [1, 2, 2, 2], 'w');
// Windows with a positive max, a negative max, a zero max and ties at the max (positive and
// zero), so every case of the mask is exercised.
const X = NDArray.from(
  [
    [3, -1, -2, -5, 0, 0, 1, 1],
    [2, 3, -3, -4, 0, -1, 1, -2],
    [-1, 4, 7, 7, -6, -6, 2, -3],
    [4, -2, 7, 0, -6, -7, -3, 2],
  ].flat(),
  [1, 2, 4, 4],
  'float64',
);
const W = NDArray.from([0.5, -2, 1.5, 3, -1, 0.25, 2, -0.75], [1, 2, 2, 2], 'float64');

describe('maxPoolGradMask', () => {
  it('moves relu’s mask from the unpooled gradient onto the pooled one, with the same gradient', () => {
    const r = relu(x);
    const loss = sum(mul(maxPool2d(r, 2), w));
    const [dx] = grad(loss, [x]);
    const before = opsOf(rewritten([x, w], [dx], []));
    const after = opsOf(rewritten([x, w], [dx], [maxPoolGradMask]));
    expect(
      before.indexOf(
        'MaxPool2dGrad{mode="max", kernel=[2, 2], stride=[2, 2], padding=[0, 0], ceilMode=false}',
      ),
    ).toBeLessThan(before.indexOf('Elemwise{where}'));
    // after: the where runs on the pooled gradient, before the pool's gradient
    const whereAt = after.indexOf('Elemwise{where}');
    expect(whereAt).toBeGreaterThanOrEqual(0);
    expect(whereAt).toBeLessThan(after.findIndex((o) => o.startsWith('MaxPool2dGrad')));
    expectSameResults([x, w], [dx], [X, W], 1e-12);
  });

  it('leaves the graph alone when the unmasked pool gradient is needed too, or the mask tests another tensor', () => {
    const r = relu(x);
    // dr (the pool's gradient) is an output as well as the input of x's mask
    const [dr, dx] = grad(sum(mul(maxPool2d(r, 2), w)), [r, x]);
    const other = tensor('float64', [1, 2, 4, 4], 'other');
    const f = rewritten([x, w], [dr, dx], [maxPoolGradMask]);
    expect(f.history.some((h) => h.rewrite === 'maxPoolGradMask')).toBe(false);
    const [drAlone] = grad(sum(mul(maxPool2d(r, 2), w)), [r]);
    const g = rewritten([x, w, other], [where(gt(other, 0), drAlone, 0)], [maxPoolGradMask]);
    expect(g.history.some((h) => h.rewrite === 'maxPoolGradMask')).toBe(false);
  });
});
