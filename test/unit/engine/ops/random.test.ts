import { describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { bernoulliDraw, normalDraw, RandomOp, uniformDraw } from '../../../../engine/ops/random.ts';
import { bernoulli, normal, uniform } from '../../../../engine/random/philox.ts';
import { scalar } from '../../../../engine/tensor.ts';
import { runStep, type Operand } from '../../../native/helpers.ts';
import { evaluate } from './evaluate.ts';

const run = (v: Parameters<typeof evaluate>[0][0], givens = new Map()): NDArray => evaluate([v], givens)[0];

describe('random ops: the Philox spec, seeded by props', () => {
  it('uniform(low, high) is low + (high - low) * u with u from the spec', () => {
    const out = run(uniformDraw([3, 4], { seed: 42, stream: 3, low: -1, high: 2 }));
    const u = uniform({ seed: 42, stream: 3 }, 12, 'float32');
    expect(out.dtype).toBe('float32');
    expect(out.toFlat()).toEqual(Array.from(u, (v) => Math.fround(-1 + 3 * v)));
  });

  it('normal(mean, std) and float64 draws follow the spec', () => {
    const out = run(normalDraw([5], { seed: 7, mean: 1, std: 0.5, dtype: 'float64' }));
    const z = normal({ seed: 7 }, 5, 'float64');
    expect(out.toFlat()).toEqual(Array.from(z, (v) => 1 + 0.5 * v));
  });

  it('bernoulli(p) follows the spec', () => {
    const out = run(bernoulliDraw([100], { seed: 3, p: 0.3 }));
    expect(out.toFlat()).toEqual(Array.from(bernoulli({ seed: 3 }, 100, 0.3, 'float32')));
  });

  it('the same graph gives the same numbers every call; an offset input gives fresh ones', () => {
    const step = scalar('step', 'int32');
    const r = uniformDraw([4], { seed: 1, offset: step });
    const f = fn([step], r, { backend: 'js' });
    const a = (f(0) as NDArray).toFlat();
    expect((f(0) as NDArray).toFlat()).toEqual(a);
    const b = (f(1) as NDArray).toFlat();
    expect(b).toEqual(Array.from(uniform({ seed: 1, start: 4 }, 4, 'float32')));
    expect(b).not.toEqual(a);
  });

  it('with an offset input the native descriptor is the random kernel, drawing what js draws', () => {
    const step = scalar('step', 'int32');
    const draws = [
      uniformDraw([3, 5], { seed: 9, stream: 2, low: -1, high: 2, offset: step }),
      normalDraw([7], { seed: 4, mean: 1, std: 0.5, offset: step }),
      bernoulliDraw([40], { seed: 6, p: 0.3, offset: step }),
    ];
    const js = fn([step], draws, { backend: 'js' });
    for (const k of [0, 1, 5]) {
      const want = (js(k) as NDArray[]).map((a) => a.toFlat());
      const offset: Operand = { dtype: 'int32', shape: [], data: Int32Array.of(k) };
      const got = draws.map((d) => {
        const descriptor = d.owner!.op.native!(d.owner!);
        expect(descriptor?.kernel).toBe('random');
        const [y] = runStep(
          'random',
          [offset],
          [{ dtype: 'float32', shape: d.staticShape as number[] }],
          descriptor!.attrs,
        );
        return Array.from(y.data!);
      });
      expect(got).toEqual(want);
    }
  });

  it('statistics are sane (mean and variance of 20000 draws)', () => {
    const u = run(uniformDraw([20000], { seed: 11 })).toFlat();
    const z = run(normalDraw([20000], { seed: 11 })).toFlat();
    const m = (xs: number[]) => xs.reduce((p, x) => p + x, 0) / xs.length;
    expect(m(u)).toBeCloseTo(0.5, 2);
    expect(m(z)).toBeCloseTo(0, 1);
    expect(m(z.map((v) => v * v))).toBeCloseTo(1, 1);
  });

  it('props identify the op; the native descriptor carries them', () => {
    const a = new RandomOp('normal', [2], [0, 1], { seed: 5 });
    expect(a.equals(new RandomOp('normal', [2], [0, 1], { seed: 5 }))).toBe(true);
    expect(a.equals(new RandomOp('normal', [2], [0, 1], { seed: 6 }))).toBe(false);
    const node = a.makeNode();
    expect(node.op.native!(node)).toEqual({
      kernel: 'random',
      attrs: { dist: 'normal', seed: 5, stream: 0, start: 0, mean: 0, std: 1 },
    });
    expect(() => uniformDraw([2], { seed: -1 })).toThrow(/seed must be an integer[\s\S]*random\.test\.ts/);
  });
});
