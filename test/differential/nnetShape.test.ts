// Softmax family and losses, shape ops (reshape copies of views, transpose, concatenate, stack,
// split, broadcastTo, fill), basic and advanced subtensors and their updates, take, seeded random
// draws and stopGradient; forward and gradient, js float64 vs cpu float32.
import { describe, it } from 'vitest';
import * as T from '../../engine/index.ts';
import { runDifferential } from './harness.ts';
import { opCase } from './cases.ts';
import { int32, ints, normal, uniform } from './values.ts';

describe('softmax family and losses', () => {
  it('softmax and logSoftmax over the last and the first axis', () => {
    for (const axis of [-1, 0]) {
      runDifferential(opCase(`softmax ${axis}`, [normal([4, 6])], ([x]) => T.softmax(x, axis)));
      runDifferential(opCase(`logSoftmax ${axis}`, [normal([4, 6])], ([x]) => T.logSoftmax(x, axis)));
    }
  });
  it('softmax forward runs natively, large logits stay finite', () =>
    runDifferential(
      opCase('softmax big', [uniform([3, 5], -80, 80)], ([x]) => T.softmax(x), {
        grad: false,
        allNative: true,
      }),
    ));
  it('softmax cross-entropy with int32 labels, and with probability rows', () => {
    runDifferential(
      opCase('sce labels', [normal([5, 4]), ints([5], 0, 4)], ([x, y]) =>
        T.mean(T.softmaxCrossEntropy(x, y)),
      ),
    );
    runDifferential(
      opCase('sce rows', [normal([5, 4]), uniform([5, 4], 0, 1)], ([x, t]) =>
        T.sum(T.softmaxCrossEntropy(x, T.softmax(t))),
      ),
    );
  });
  it('categorical, binary and sigmoid-binary cross-entropy, mse, oneHot', () => {
    runDifferential(
      opCase('cce', [uniform([5, 4], 0.05, 1), uniform([5, 4], 0, 1)], ([p, t]) =>
        T.sum(T.categoricalCrossentropy(p, t)),
      ),
    );
    runDifferential(
      opCase('bce', [uniform([6], 0.05, 0.95), uniform([6], 0, 1)], ([p, t]) => T.binaryCrossentropy(p, t)),
    );
    runDifferential(
      opCase('sbce', [uniform([6], -30, 30), uniform([6], 0, 1)], ([x, t]) =>
        T.sigmoidBinaryCrossentropy(x, t),
      ),
    );
    runDifferential(opCase('mse', [normal([3, 4]), normal([3, 4])], ([a, b]) => T.mse(a, b)));
    runDifferential(opCase('oneHot', [ints([5], 0, 3)], ([y]) => T.oneHot(y, 3), { grad: false }));
  });
});

describe('shape ops', () => {
  it('reshape of a transposed view copies; flatten; expandDims/squeeze', () => {
    runDifferential(opCase('reshape T', [normal([3, 4])], ([x]) => T.reshape(T.transpose(x), [2, 6])));
    runDifferential(
      opCase('flatten slice', [normal([4, 6])], ([x]) => T.flatten(T.subtensor(x, '1:3', '::2'))),
    );
    runDifferential(opCase('expand squeeze', [normal([3, 1])], ([x]) => T.expandDims(T.squeeze(x, 1), 0)));
  });
  it('concatenate (views, an empty part), stack, split', () => {
    runDifferential(
      opCase('concat', [normal([2, 3]), normal([3, 3]), normal([0, 3])], ([a, b, c]) =>
        T.concatenate([a, T.transpose(T.transpose(b)), c], 0),
      ),
    );
    runDifferential(
      opCase('concat axis1', [normal([3, 2]), normal([4, 3])], ([a, b]) =>
        T.concatenate([a, T.transpose(T.subtensor(b, '1:'))], 1),
      ),
    );
    runDifferential(opCase('stack', [normal([3]), normal([3])], ([a, b]) => T.stack([a, T.exp(b)], 1)));
    runDifferential(opCase('split', [normal([7, 2])], ([x]) => T.mul(T.split(x, [3, 4], 0)[1], 2)));
  });
  it('broadcastTo, fill, zerosLike, onesLike', () => {
    runDifferential(opCase('broadcastTo', [normal([3, 1])], ([x]) => T.broadcastTo(x, [2, 3, 4])));
    runDifferential(opCase('fill', [normal([2, 3])], ([x]) => T.add(T.fill(x, 2.5), x)));
    runDifferential(
      opCase('zeros/ones', [normal([2, 3])], ([x]) => T.add(T.zerosLike(x), T.mul(T.onesLike(x), x))),
    );
  });
  it('fill and SumToShape (no kernel descriptor) still run natively', () => {
    runDifferential(
      opCase('fill native', [normal([2, 3])], ([x]) => T.add(T.fill(x, 2.5), x), {
        grad: false,
        allNative: true,
      }),
    );
    runDifferential(
      opCase('sumToShape native', [normal([4, 1]), normal([4, 3])], ([x, y]) => T.mul(x, y), {
        allNative: true,
      }),
    );
  });
  it('basic slices: steps, negative steps, integer indices, and their gradients', () => {
    runDifferential(opCase('slice', [normal([5, 6])], ([x]) => T.subtensor(x, '::-2', '1:5')));
    runDifferential(opCase('index', [normal([5, 6])], ([x]) => T.mul(T.subtensor(x, 2), T.subtensor(x, -1))));
    runDifferential(opCase('empty slice', [normal([5, 6])], ([x]) => T.subtensor(x, '3:3')));
  });
  it('incSubtensor and setSubtensor, with broadcast values and an integer index', () => {
    runDifferential(
      opCase('inc', [normal([5, 6]), normal([2, 3])], ([x, y]) =>
        T.incSubtensor(T.subtensor(x, '1:5:2', '::2'), y),
      ),
    );
    runDifferential(
      opCase('set', [normal([5, 6]), normal([3])], ([x, y]) =>
        T.setSubtensor(T.subtensor(x, '::-2', '1:4'), y),
      ),
    );
    runDifferential(
      opCase('inc index', [normal([5, 6]), normal([6])], ([x, y]) => T.incSubtensor(T.subtensor(x, -2), y)),
    );
  });
  it('take along each axis with negative indices, and its gradient (repeats add up)', () => {
    runDifferential(opCase('take0', [normal([5, 3]), int32([4, -1, 0, 4])], ([x, i]) => T.take(x, i, 0)));
    runDifferential(
      opCase('take1', [normal([5, 3]), int32([2, 0, 2, 1, 0, 1], [2, 3])], ([x, i]) => T.take(x, i, 1)),
    );
  });
  it('advancedIncSubtensor and advancedSetSubtensor', () => {
    runDifferential(
      opCase('adv inc', [normal([5, 3]), normal([4, 3]), int32([1, 3, 1, -1])], ([x, y, i]) =>
        T.advancedIncSubtensor(x, y, i, 0),
      ),
    );
    runDifferential(
      opCase('adv set', [normal([5, 3]), normal([2, 3]), int32([0, 3])], ([x, y, i]) =>
        T.advancedSetSubtensor(x, y, i, 0),
      ),
    );
  });
});

describe('random draws and stopGradient', () => {
  it('uniform, normal and bernoulli draws agree with the js Philox draws', () => {
    runDifferential(
      opCase(
        'random',
        [normal([2, 3])],
        ([x]) =>
          T.add(
            x,
            T.add(
              T.random.uniform([2, 3], { seed: 5, low: -1, high: 2, dtype: x.dtype }),
              T.mul(
                T.random.normal([2, 3], { seed: 6, std: 0.5, dtype: x.dtype }),
                T.random.bernoulli([2, 3], { seed: 7, p: 0.3, dtype: x.dtype }),
              ),
            ),
          ),
        { reference: 'float32', rtol: 1e-6, allNative: true, grad: false },
      ),
    );
  });
  it('a draw with a run-time offset (a step counter) runs natively and agrees bit for bit', () => {
    runDifferential(
      opCase(
        'random offset',
        [normal([4]), int32([3], [])],
        ([x, k]) => T.add(x, T.random.normal([4], { seed: 9, offset: k, dtype: x.dtype })),
        { reference: 'float32', rtol: 1e-6, allNative: true },
      ),
    );
  });
  it('stopGradient blocks the gradient', () =>
    runDifferential(opCase('stopGradient', [normal([3])], ([x]) => T.mul(T.stopGradient(T.sqr(x)), x))));
});
