// The learned optimizer at the size of the MNIST task — a coordinatewise LSTM over the 15,910
// coordinates of an MLP 784-20-10 — runs on the native cpu backend and agrees with the js
// reference backend (float32, so within float32 rounding). Skipped, with the reason, when the
// native addon is not built.
import { describe, expect, it } from 'vitest';
import '../../../engine/backends/cpu.ts';
import { fn } from '../../../engine/compile/fn.ts';
import type { Variable } from '../../../engine/core/graph.ts';
import { NDArray } from '../../../engine/core/ndarray.ts';
import { CoordinatewiseLSTM } from '../../../engine/nn/coordinatewise.ts';
import type { LSTMState } from '../../../engine/nn/lstm.ts';
import { MLP } from '../../../engine/nn/sequential.ts';
import { Rng } from '../../../engine/random/rng.ts';
import { vector } from '../../../engine/tensor.ts';
import { loadNativeAddon } from '../../../native/addon.ts';

function nativeMissing(): string | null {
  try {
    loadNativeAddon();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('coordinatewise LSTM over the 15,910 coordinates of an MLP 784-20-10', () => {
  const missing = nativeMissing();
  if (missing) console.warn(`skipping the native run: ${missing}`);

  it.skipIf(missing !== null)('runs 3 steps on the cpu backend and matches js', () => {
    const n = new MLP([784, 20, 10], { rng: new Rng(0) }).layout().size;
    expect(n).toBe(15910);
    const net = new CoordinatewiseLSTM({ rng: new Rng(51) });
    const gs = [0, 1, 2].map((t) => vector(`g${t}`, 'float32', [n]));
    let state: LSTMState[] | null = null;
    const outs: Variable[] = [];
    for (const g of gs) {
      const r = net.forward(g, state);
      state = r.state;
      outs.push(r.step);
    }
    // Gradients of realistic spread: normal × 10^(uniform in [-7, 0]) so both preprocessing branches run.
    const rng = new Rng(52);
    const values = gs.map(() => {
      const z = rng.normal([n], 'float32');
      const e = rng.uniform([n], 'float32');
      return NDArray.from(
        z.toFlat().map((v, i) => v * 10 ** (-7 * e.data[i])),
        [n],
        'float32',
      );
    });
    const started = performance.now();
    const native = fn(gs, outs, { backend: 'cpu' })(...values) as NDArray[];
    const nativeSeconds = (performance.now() - started) / 1000;
    const reference = fn(gs, outs, { backend: 'js' })(...values) as NDArray[];
    let worst = 0;
    native.forEach((a, t) => {
      expect(a.shape).toEqual([n]);
      const ref = reference[t].toFlat();
      a.toFlat().forEach(
        (v, i) => (worst = Math.max(worst, Math.abs(v - ref[i]) / (1e-3 + Math.abs(ref[i])))),
      );
    });
    console.log(
      `cpu backend: 3 steps over ${n} rows in ${nativeSeconds.toFixed(3)} s (incl. compile); worst rel. diff vs js ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThan(1e-4);
  });
});
