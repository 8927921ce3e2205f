// Errors raised while a program runs come back as JavaScript errors that name the op and the
// line that built it — from a native kernel (an out-of-range index only known at call time) and
// from a JavaScript segment inside a native program (an out-of-range label in cross-entropy) —
// and the program stays usable afterwards.
import { describe, expect, it } from 'vitest';
import * as T from '../../engine/index.ts';
import { cpuBackend } from '../../engine/backends/cpu/index.ts';
import { int32, normal } from './values.ts';

describe('run-time errors inside a native program', () => {
  it('an out-of-range index in a native take kernel names the op and its line', () => {
    const x = T.matrix('x');
    const i = T.vector('i', 'int32');
    const f = T.fn([x, i], T.take(x, i, 0), { backend: cpuBackend });
    const xs = normal([4, 3]).astype('float32');
    expect(() => f(xs, int32([0, 7]))).toThrow(/Take.*errors\.test\.ts:\d+.*index 7.*out of bounds/s);
    // The same program runs again with good indices.
    const ok = f(xs, int32([3, 0])) as T.NDArray;
    const rows = xs.toFlat();
    expect(ok.toFlat()).toEqual([...rows.slice(9, 12), ...rows.slice(0, 3)]);
  });

  it('an out-of-range label in cross-entropy names the op instead of crashing', () => {
    const logits = T.matrix('logits');
    const labels = T.vector('labels', 'int32');
    const loss = T.mean(T.softmaxCrossEntropy(logits, labels));
    const f = T.fn([logits, labels], [loss, T.grad(loss, logits)], { backend: cpuBackend });
    const xs = normal([3, 4]).astype('float32');
    let message = '';
    try {
      f(xs, int32([1, 4, 0]));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/label|class|out of (range|bounds)/i);
    expect(message).toMatch(/errors\.test\.ts:\d+/);
    const [l] = f(xs, int32([1, 3, 0])) as T.NDArray[];
    expect(Number.isFinite(l.data[0])).toBe(true);
  });

  it('a shape mismatch only known at call time names the op', () => {
    const a = T.matrix('a');
    const b = T.matrix('b');
    const f = T.fn([a, b], T.add(a, b), { backend: cpuBackend });
    expect(() => f(normal([2, 3]).astype('float32'), normal([3, 2]).astype('float32'))).toThrow(
      /add.*errors\.test\.ts/s,
    );
  });

  it('an error thrown by a JavaScript segment comes back through the native run', () => {
    const x = T.vector('x');
    const k = T.scalar('k', 'int32');
    const draw = T.add(x, T.random.normal([3], { seed: 1, offset: k }));
    const f = T.fn([x, k], draw, { backend: cpuBackend });
    expect(() => f(normal([3]).astype('float32'), int32([-2], []))).toThrow(/RandomOp|random/i);
  });
});
