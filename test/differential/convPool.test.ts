// Convolution and pooling compiled on the native cpu backend (float32, and float64 for the
// float64 kernels) against the js reference in float64: a small conv net's forward pass and
// every gradient, max pooling where windows tie, and a second-order gradient — every step native.
import { describe, it } from 'vitest';
import * as T from '../../engine/index.ts';
import type { Variable } from '../../engine/core/graph.ts';
import { runDifferential } from './harness.ts';
import { opCase } from './cases.ts';
import { normal, smallInts, uniform } from './values.ts';

/** conv(3×3, pad 1) + bias → relu → max pool 2 → grouped conv (stride 2) → avg pool (ceil mode). */
function convNet([x, w1, b1, w2]: Variable[]): Variable {
  const h = T.relu(T.add(T.conv2d(x, w1, { padding: 1 }), T.dimshuffle(b1, 'x', 0, 'x', 'x')));
  const p = T.maxPool2d(h, 2);
  const g = T.conv2d(p, w2, { stride: 2, padding: 1, groups: 2 });
  return T.avgPool2d(g, 2, { ceilMode: true, countIncludePad: false });
}

describe('conv net on the native backend', () => {
  const values = [
    normal([3, 2, 8, 8]),
    uniform([4, 2, 3, 3], -0.5, 0.5),
    normal([4]),
    uniform([6, 2, 3, 3], -0.5, 0.5),
  ];
  it('float32: forward and every gradient, all steps native', () =>
    runDifferential(opCase('conv net', values, convNet, { allNative: true })));
  it('float64 kernels at float64 precision', () =>
    runDifferential({
      ...opCase('conv net f64', values, convNet, { allNative: true }),
      native: 'float64',
      rtol: 1e-10,
    }));
  it('max pooling where windows tie (the even split), with overlapping windows and padding', () =>
    runDifferential(
      opCase(
        'tied max pool',
        [smallInts([2, 3, 7, 7], 0, 3)],
        ([x]) => T.maxPool2d(x, 3, { stride: 2, padding: 1 }),
        {
          allNative: true,
        },
      ),
    ));
  it('second order: the gradient of a gradient norm through conv and pooling', () =>
    runDifferential(
      opCase(
        'second order',
        [normal([2, 2, 6, 6]), uniform([3, 2, 3, 3], -0.5, 0.5)],
        ([x, w]) => {
          const y = T.avgPool2d(T.maxPool2d(T.conv2d(x, w, { padding: 1 }), 2, { stride: 1 }), 2);
          const [gw] = T.grad(T.sum(T.sqr(y)), [w]);
          return T.sum(T.sqr(gw));
        },
        { allNative: true },
      ),
    ));
});
