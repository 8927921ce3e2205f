import { describe, expect, it } from 'vitest';
import { normal, permutation, randint, uniform } from '../../../../engine/random/philox.ts';
import { rand, randn, Rng } from '../../../../engine/random/rng.ts';

describe('rand and randn', () => {
  it('return NDArrays of the requested shape and dtype holding the stream-0 draws', () => {
    const r = rand([3, 4], { seed: 9 });
    expect(r.shape).toEqual([3, 4]);
    expect(r.dtype).toBe('float32');
    expect(Array.from(r.data)).toEqual(Array.from(uniform({ seed: 9 }, 12)));
    const z = randn([2, 5], { seed: 9, stream: 3, dtype: 'float64' });
    expect(z.dtype).toBe('float64');
    expect(Array.from(z.data)).toEqual(Array.from(normal({ seed: 9, stream: 3 }, 10, 'float64')));
  });

  it('give different values for different seeds and equal values for equal seeds', () => {
    expect(randn([100], { seed: 1 }).toFlat()).toEqual(randn([100], { seed: 1 }).toFlat());
    expect(randn([100], { seed: 1 }).toFlat()).not.toEqual(randn([100], { seed: 2 }).toFlat());
  });
});

describe('Rng', () => {
  it('consumes consecutive element indices across calls', () => {
    const rng = new Rng(21, 4);
    const a = rng.uniform([5]);
    const b = rng.normal([2, 3], 'float64');
    const c = rng.randint([4], 0, 100);
    expect(Array.from(a.data)).toEqual(Array.from(uniform({ seed: 21, stream: 4, start: 0 }, 5)));
    expect(Array.from(b.data)).toEqual(Array.from(normal({ seed: 21, stream: 4, start: 5 }, 6, 'float64')));
    expect(Array.from(c.data)).toEqual(Array.from(randint({ seed: 21, stream: 4, start: 11 }, 4, 0, 100)));
    expect(Array.from(rng.permutation(6))).toEqual(
      Array.from(permutation({ seed: 21, stream: 4, start: 15 }, 6)),
    );
    expect(rng.state()).toEqual({ seed: 21, stream: 4, position: 21 });
  });

  it('resumes the exact sequence from a serialised state (checkpoints)', () => {
    const rng = new Rng(5);
    rng.normal([17]);
    const saved = JSON.parse(JSON.stringify(rng.state()));
    const continued = [rng.float(), rng.int(-4, 4), ...rng.uniform([3]).toFlat()];
    const restored = Rng.fromState(saved);
    expect([restored.float(), restored.int(-4, 4), ...restored.uniform([3]).toFlat()]).toEqual(continued);
  });

  it('forks independent streams and draws in ranges', () => {
    const rng = new Rng(8);
    const other = rng.fork(1);
    expect(other.state()).toEqual({ seed: 8, stream: 1, position: 0 });
    expect(rng.uniform([50]).toFlat()).not.toEqual(other.uniform([50]).toFlat());
    const u = new Rng(8).uniformRange([1000], -2, 3, 'float64');
    expect(Math.min(...u.toFlat())).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u.toFlat())).toBeLessThan(3);
    expect(Math.max(...u.toFlat())).toBeGreaterThan(2.9);
    const mask = new Rng(8).bernoulli([2, 2], 1, 'int32');
    expect(mask.toNested()).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });

  it('rejects a bad seed when constructed, not at the first draw', () => {
    expect(() => new Rng(-3)).toThrow(/seed must be an integer/);
    expect(() => new Rng(1, 1.5)).toThrow(/stream/);
  });
});
