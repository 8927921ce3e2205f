import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import {
  constant,
  fansOf,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  scaledNormal,
  torchDefault,
  uniform,
  zeros,
} from '../../../../engine/nn/init.ts';
import { Rng } from '../../../../engine/random/rng.ts';

function moments(a: NDArray): { mean: number; std: number; maxAbs: number } {
  const v = a.toFlat();
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
  return { mean, std: Math.sqrt(variance), maxAbs: Math.max(...v.map(Math.abs)) };
}

describe('initialisers', () => {
  it('reads fans in the [fanIn, fanOut, ...receptive] layout and refuses vectors', () => {
    expect(fansOf([784, 20])).toEqual({ fanIn: 784, fanOut: 20 });
    expect(fansOf([3, 4, 2, 5])).toEqual({ fanIn: 30, fanOut: 40 });
    expect(() => fansOf([20])).toThrow(/no fan-in\/fan-out/);
  });

  // Uniform U(±b) has std b/√3; a normal's spread is its std. 400×300 draws keep the sampling
  // error of the std near 0.2 %, so 3 % tolerances are loose but still catch a wrong formula.
  const shape = [400, 300];
  const cases: [string, ReturnType<typeof uniform>, number, number | null][] = [
    ['glorotUniform', glorotUniform(), Math.sqrt(6 / 700) / Math.sqrt(3), Math.sqrt(6 / 700)],
    [
      'glorotUniform gain 2',
      glorotUniform(2),
      (2 * Math.sqrt(6 / 700)) / Math.sqrt(3),
      2 * Math.sqrt(6 / 700),
    ],
    ['glorotNormal', glorotNormal(), Math.sqrt(2 / 700), null],
    ['heUniform', heUniform(), Math.sqrt(6 / 400) / Math.sqrt(3), Math.sqrt(6 / 400)],
    ['heNormal', heNormal(), Math.sqrt(2 / 400), null],
    ['scaledNormal 0.01', scaledNormal(0.01), 0.01, null],
    ['torchDefault(20)', torchDefault(20), 1 / Math.sqrt(20) / Math.sqrt(3), 1 / Math.sqrt(20)],
  ];
  for (const [name, init, std, bound] of cases) {
    it(`${name} has the documented spread${bound ? ' and bound' : ''}`, () => {
      const a = init(new Rng(7), shape, 'float64');
      const m = moments(a);
      expect(Math.abs(m.mean)).toBeLessThan(0.02 * std);
      expect(m.std / std).toBeGreaterThan(0.97);
      expect(m.std / std).toBeLessThan(1.03);
      if (bound !== null) {
        expect(m.maxAbs).toBeLessThanOrEqual(bound);
        expect(m.maxAbs).toBeGreaterThan(0.99 * bound);
      }
    });
  }

  it('is reproducible from the seed and differs between seeds', () => {
    const a = glorotUniform()(new Rng(3), [5, 4], 'float32');
    const b = glorotUniform()(new Rng(3), [5, 4], 'float32');
    const c = glorotUniform()(new Rng(4), [5, 4], 'float32');
    expect(a.dtype).toBe('float32');
    expect(a.toFlat()).toEqual(b.toFlat());
    expect(a.toFlat()).not.toEqual(c.toFlat());
  });

  it('advances the generator so consecutive tensors differ', () => {
    const rng = new Rng(1);
    const a = uniform(1)(rng, [10], 'float64');
    const b = uniform(1)(rng, [10], 'float64');
    expect(a.toFlat()).not.toEqual(b.toFlat());
  });

  it('zeros and constant fill', () => {
    expect(zeros()(new Rng(0), [2, 2], 'float64').toFlat()).toEqual([0, 0, 0, 0]);
    expect(constant(1.5)(new Rng(0), [3], 'float32').toFlat()).toEqual([1.5, 1.5, 1.5]);
    expect(() => torchDefault(0)).toThrow(/fanIn must be positive/);
  });
});
