// Shared variables on the cpu backend: they live in native memory between calls and updates
// apply in place, yet every reader sees the current value — get() between calls, set() from the
// host, another compiled function (cpu or js) using the same variable, and Theano's rule that
// all updates read the values from before any update.
import { describe, expect, it } from 'vitest';
import * as T from '../../engine/index.ts';
import { cpuBackend } from '../../engine/backends/cpu/index.ts';
import { jsBackend } from '../../engine/backends/js.ts';
import type { Backend } from '../../engine/backends/backend.ts';
import { Adam } from '../../engine/optim/adam.ts';
import { expectAgree } from './harness.ts';
import { normal } from './values.ts';

/** A least-squares model trained with Adam on `backend`; returns its loss curve and weights. */
const data = {
  W0: normal([3]).astype('float32'),
  x: normal([8, 3]).astype('float32'),
  y: normal([8]).astype('float32'),
};

function train(backend: Backend, dtype: 'float32' | 'float64', steps: number) {
  const x = T.tensor(dtype, [8, 3], 'x');
  const y = T.tensor(dtype, [8], 'y');
  const W = T.shared(data.W0.astype(dtype), 'W');
  const b = T.shared(T.NDArray.zeros([], dtype), 'b');
  const loss = T.mean(T.sqr(T.sub(T.add(T.dot(x, W), b), y)));
  const updates = new Adam({ lr: 0.05 }).updates([W, b], T.grad(loss, [W, b]));
  const step = T.fn([x, y], loss, { updates, backend });
  const [xs, ys] = [data.x.astype(dtype), data.y.astype(dtype)];
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push((step(xs, ys) as T.NDArray).data[0]);
  return { losses, W, b };
}

describe('shared variables resident in native memory', () => {
  it('an Adam training loop follows the float64 js reference step by step', () => {
    const cpu = train(cpuBackend, 'float32', 30);
    const js = train(jsBackend, 'float64', 30);
    cpu.losses.forEach((l, i) =>
      expect(Math.abs(l - js.losses[i])).toBeLessThan(1e-3 * (1 + Math.abs(js.losses[i]))),
    );
    expectAgree('W', cpu.W.get(), js.W.get(), 1e-3, 'float32');
    expect(cpu.losses[29]).toBeLessThan(cpu.losses[0]);
  });

  it('get() pulls the current value, set() is uploaded before the next call', () => {
    const v = T.shared(T.NDArray.from([1, 2, 3], [3]), 'v');
    const bump = T.fn([], T.sum(v), { updates: [[v, T.mul(v, 2)]], backend: cpuBackend });
    bump();
    expect(v.get().toFlat()).toEqual([2, 4, 6]);
    v.set(T.NDArray.from([10, 0, 0], [3]));
    expect((bump() as T.NDArray).data[0]).toBe(10);
    expect(v.get().toFlat()).toEqual([20, 0, 0]);
  });

  it('two programs (cpu and js) hand a variable back and forth', () => {
    const v = T.shared(T.NDArray.from([1, 1], [2]), 'v');
    const addOne = T.fn([], T.sum(v), { updates: [[v, T.add(v, 1)]], backend: cpuBackend });
    const double = T.fn([], T.sum(v), { updates: [[v, T.mul(v, 2)]], backend: jsBackend });
    const read = T.fn([], T.mul(v, 1), { backend: cpuBackend });
    addOne(); // 2
    double(); // 4
    addOne(); // 5
    expect((read() as T.NDArray).toFlat()).toEqual([5, 5]);
    double(); // 10
    expect((read() as T.NDArray).toFlat()).toEqual([10, 10]);
    expect(v.get().toFlat()).toEqual([10, 10]);
  });

  it('updates all read the old values (a swap)', () => {
    const a = T.shared(T.NDArray.from([1, 2], [2]), 'a');
    const b = T.shared(T.NDArray.from([3, 4], [2]), 'b');
    const swap = T.fn([], [], {
      updates: [
        [a, b],
        [b, a],
      ],
      backend: cpuBackend,
    });
    swap();
    expect([a.get().toFlat(), b.get().toFlat()]).toEqual([
      [3, 4],
      [1, 2],
    ]);
    swap();
    expect([a.get().toFlat(), b.get().toFlat()]).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});
