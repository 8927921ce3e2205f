import { describe, expect, it } from 'vitest';
import * as T from '../../../../engine/index.ts';
import { NDArray, type Variable } from '../../../../engine/index.ts';

const f64 = (nested: number[][]): NDArray => NDArray.of(nested, 'float64');

describe('fluent variable methods', () => {
  it('build the same graphs as the functions', () => {
    const x = T.matrix('x', 'float64');
    const b = T.vector('b', 'float64');
    const pairs: [Variable, Variable][] = [
      [x.add(b).mul(2).sub(1).div(4), T.div(T.sub(T.mul(T.add(x, b), 2), 1), 4)],
      [x.sqr().sum(1).mean(), T.mean(T.sum(T.sqr(x), 1))],
      [x.T.dot(x), T.dot(T.transpose(x), x)],
      [x.reshape([-1]).exp().max(), T.max(T.exp(T.reshape(x, [-1])))],
      [x.dimshuffle(1, 'x', 0).squeeze(1), x.transpose()],
      [x.slice('1:', 0).tanh().neg(), T.neg(T.tanh(T.subtensor(x, '1:', 0)))],
      [x.take([1, 0], 1).clip(-1, 1), T.clip(T.take(x, [1, 0], 1), -1, 1)],
      [x.gt(0).astype('float64').var(0, true), T.var(T.cast(T.gt(x, 0), 'float64'), 0, true)],
      [x.sigmoid().log().logsumexp(), T.logsumexp(T.log(T.sigmoid(x)))],
    ];
    const xv = f64([
      [0.5, -1.5, 2],
      [1, 0.25, -0.75],
    ]);
    const f = T.fn([x, b], pairs.flat(), { backend: 'js' });
    const values = f(xv, NDArray.of([1, 2, 3], 'float64')) as NDArray[];
    for (let i = 0; i < pairs.length; i++) {
      expect(values[2 * i].toNested(), `pair ${i}`).toEqual(values[2 * i + 1].toNested());
    }
    expect(pairs[0][0].owner!.op.toString()).toBe('Elemwise{div}');
  });

  it('W.T is a DimShuffle with the axes reversed', () => {
    const W = T.shared(NDArray.zeros([784, 20]), 'W');
    expect(W.T.staticShape).toEqual([20, 784]);
    expect(W.T.owner!.op.toString()).toBe('DimShuffle{1,0}');
  });
});
