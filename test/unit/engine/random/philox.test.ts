import { describe, expect, it } from 'vitest';
import {
  bernoulli,
  mulhi32,
  normal,
  permutation,
  philoxBlock,
  randint,
  uniform,
} from '../../../../engine/random/philox.ts';

// An independent reference: Philox4x32-10 written with BigInt arithmetic straight from the paper.
const MASK = 0xffffffffn;
function referenceBlock(key: readonly number[], counter: readonly number[]): number[] {
  let [c0, c1, c2, c3] = counter.map(BigInt);
  let [k0, k1] = key.map(BigInt);
  for (let r = 0; r < 10; r++) {
    const p0 = 0xd2511f53n * c0;
    const p1 = 0xcd9e8d57n * c2;
    [c0, c1, c2, c3] = [(p1 >> 32n) ^ c1 ^ k0, p1 & MASK, (p0 >> 32n) ^ c3 ^ k1, p0 & MASK];
    k0 = (k0 + 0x9e3779b9n) & MASK;
    k1 = (k1 + 0xbb67ae85n) & MASK;
  }
  return [c0, c1, c2, c3].map(Number);
}

/** Words of element i of (seed, stream) per the spec's key/counter layout, via the reference. */
function referenceWords(seed: number, stream: number, i: number): number[] {
  const s = BigInt(seed);
  const e = BigInt(i);
  return referenceBlock(
    [Number(s & MASK), Number(s >> 32n)],
    [Number(e & MASK), Number(e >> 32n), stream, 0],
  );
}

/** Deterministic test inputs (SplitMix64), so failures reproduce. */
function* splitmix(seed: bigint): Generator<number> {
  let state = seed;
  for (;;) {
    state = (state + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    yield Number((z ^ (z >> 31n)) & MASK);
  }
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

function variance(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return s / (xs.length - 1);
}

function extremes(xs: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    min = Math.min(min, xs[i]);
    max = Math.max(max, xs[i]);
  }
  return { min, max };
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Pearson chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const expected = total / counts.length;
  let chi = 0;
  for (let i = 0; i < counts.length; i++) chi += (counts[i] - expected) ** 2 / expected;
  return chi;
}

const hex = (ws: number[]): string[] => ws.map((w) => w.toString(16).padStart(8, '0'));

describe('Philox4x32-10 block function', () => {
  it('reproduces the Random123 known-answer vectors', () => {
    expect(hex(philoxBlock([0, 0], [0, 0, 0, 0]))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    const ones = 0xffffffff;
    expect(hex(philoxBlock([ones, ones], [ones, ones, ones, ones]))).toEqual([
      '408f276d',
      '41c83b0e',
      'a20bc7c6',
      '6d5451fd',
    ]);
    expect(
      hex(philoxBlock([0xa4093822, 0x299f31d0], [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344])),
    ).toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });

  it('matches a BigInt reference on 500 pseudo-random keys and counters', () => {
    const gen = splitmix(42n);
    const next = (): number => gen.next().value as number;
    for (let t = 0; t < 500; t++) {
      const key = [next(), next()];
      const counter = [next(), next(), next(), next()];
      expect(philoxBlock(key as [number, number], counter as [number, number, number, number])).toEqual(
        referenceBlock(key, counter),
      );
    }
  });

  it('computes the high word of 32x32-bit products exactly, edge values included', () => {
    const edges = [0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xd2511f53];
    const gen = splitmix(7n);
    const values = [...edges, ...Array.from({ length: 40 }, () => gen.next().value as number)];
    for (const a of values) {
      for (const b of values) expect(mulhi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
    }
  });

  it('rejects words outside uint32', () => {
    expect(() => philoxBlock([2 ** 32, 0], [0, 0, 0, 0])).toThrow(/\[0, 2\^32\)/);
    expect(() => philoxBlock([0, 0], [0, -1, 0, 0])).toThrow(/got -1/);
  });
});

describe('draws follow the spec (checked against the BigInt reference block)', () => {
  // A seed above 2^32 exercises the key's high word; a start just below 2^32 crosses into the
  // counter's high word.
  const cases = [
    { seed: 0, stream: 0, start: 0 },
    { seed: 2 ** 40 + 12345, stream: 7, start: 2 ** 32 - 3 },
    { seed: 2 ** 53 - 1, stream: 0xffffffff, start: 99 },
  ];

  it('uniform float32 and float64', () => {
    for (const src of cases) {
      const f32 = uniform(src, 6, 'float32');
      const f64 = uniform(src, 6, 'float64');
      for (let j = 0; j < 6; j++) {
        const [x0, x1] = referenceWords(src.seed, src.stream, src.start + j);
        expect(f32[j]).toBe(Math.floor(x0 / 256) / 2 ** 24);
        expect(f64[j]).toBe((Math.floor(x0 / 32) * 2 ** 26 + Math.floor(x1 / 64)) / 2 ** 53);
      }
    }
  });

  it('normal float32 and float64 (Box-Muller, cosine branch)', () => {
    for (const src of cases) {
      const f32 = normal(src, 6, 'float32');
      const f64 = normal(src, 6, 'float64');
      for (let j = 0; j < 6; j++) {
        const [x0, x1, x2, x3] = referenceWords(src.seed, src.stream, src.start + j);
        const z = (u1: number, u2: number): number =>
          Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        expect(f32[j]).toBe(
          Math.fround(z((Math.floor(x0 / 256) + 1) / 2 ** 24, Math.floor(x1 / 256) / 2 ** 24)),
        );
        const u1 = (Math.floor(x0 / 32) * 2 ** 26 + Math.floor(x1 / 64) + 1) / 2 ** 53;
        const u2 = (Math.floor(x2 / 32) * 2 ** 26 + Math.floor(x3 / 64)) / 2 ** 53;
        expect(f64[j]).toBe(z(u1, u2));
      }
    }
  });

  it('randint uses exact 64-bit multiply-shift, up to the full int32 range', () => {
    for (const src of cases) {
      for (const [low, high] of [
        [0, 10],
        [-5, 3],
        [-(2 ** 31), 2 ** 31 - 1],
        [-(2 ** 31) + 1, 2 ** 31],
        [0, 2 ** 31 - 1],
      ]) {
        const got = randint(src, 6, low, high);
        for (let j = 0; j < 6; j++) {
          const [x0, x1] = referenceWords(src.seed, src.stream, src.start + j);
          const r = BigInt(high - low);
          const expected = low + Number((r * ((BigInt(x0) << 32n) | BigInt(x1))) >> 64n);
          expect(got[j]).toBe(expected);
        }
      }
    }
  });

  it('bernoulli compares x0 with p * 2^32', () => {
    for (const src of cases) {
      const got = bernoulli(src, 8, 0.3);
      for (let j = 0; j < 8; j++) {
        const [x0] = referenceWords(src.seed, src.stream, src.start + j);
        expect(got[j]).toBe(x0 < 0.3 * 2 ** 32 ? 1 : 0);
      }
    }
  });

  it('permutation is Fisher-Yates driven by block start + m', () => {
    const src = { seed: 5, stream: 2, start: 10 };
    const n = 9;
    const expected = Array.from({ length: n }, (_, i) => i);
    for (let m = n - 1; m >= 1; m--) {
      const [x0, x1] = referenceWords(src.seed, src.stream, src.start + m);
      const t = Number((BigInt(m + 1) * ((BigInt(x0) << 32n) | BigInt(x1))) >> 64n);
      [expected[m], expected[t]] = [expected[t], expected[m]];
    }
    expect(Array.from(permutation(src, n))).toEqual(expected);
  });

  it('element i does not depend on how many elements are drawn or where the draw starts', () => {
    const whole = uniform({ seed: 3, start: 0 }, 50, 'float64');
    const tail = uniform({ seed: 3, start: 20 }, 30, 'float64');
    expect(Array.from(tail)).toEqual(Array.from(whole.subarray(20)));
    expect(Array.from(normal({ seed: 3 }, 5))).toEqual(Array.from(normal({ seed: 3 }, 500).subarray(0, 5)));
  });
});

describe('statistics on 1e5 samples (fixed seeds, so the bounds are deterministic)', () => {
  const n = 100_000;
  const sigma = (sd: number): number => (4 * sd) / Math.sqrt(n); // 4 standard errors

  it('uniform has mean 1/2, variance 1/12, stays in [0, 1) and fills 20 bins evenly', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const u = uniform({ seed: 11 }, n, dtype);
      expect(Math.abs(mean(u) - 0.5)).toBeLessThan(sigma(Math.sqrt(1 / 12)));
      expect(Math.abs(variance(u) - 1 / 12)).toBeLessThan(sigma(Math.sqrt(1 / 180)));
      const bins = new Array<number>(20).fill(0);
      for (const v of u) bins[Math.floor(v * 20)]++;
      expect(extremes(u).min).toBeGreaterThanOrEqual(0);
      expect(extremes(u).max).toBeLessThan(1);
      expect(chiSquare(bins)).toBeLessThan(43.8); // chi2(19) at p = 0.001
    }
  });

  it('normal has mean 0, variance 1, kurtosis 3 and no infinities', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const z = normal({ seed: 12, stream: 1 }, n, dtype);
      expect(Math.abs(mean(z))).toBeLessThan(sigma(1));
      expect(Math.abs(variance(z) - 1)).toBeLessThan(sigma(Math.SQRT2));
      let fourth = 0;
      for (const v of z) fourth += v ** 4;
      expect(z.every(Number.isFinite)).toBe(true);
      expect(Math.abs(fourth / n - 3)).toBeLessThan(sigma(Math.sqrt(96)));
    }
  });

  it('different seeds and different streams give uncorrelated sequences', () => {
    const a = uniform({ seed: 1 }, n);
    for (const other of [{ seed: 2 }, { seed: 1, stream: 1 }, { seed: 2 ** 32 + 1 }]) {
      const b = uniform(other, n);
      expect(Math.abs(correlation(a, b))).toBeLessThan(4 / Math.sqrt(n));
      // Neighbouring elements of one sequence are uncorrelated as well.
      expect(Math.abs(correlation(b.subarray(1), b.subarray(0, n - 1)))).toBeLessThan(4 / Math.sqrt(n));
    }
  });

  it('bernoulli hits p; p = 0 and p = 1 are exact', () => {
    const b = bernoulli({ seed: 13 }, n, 0.25, 'float32');
    expect(b).toBeInstanceOf(Float32Array);
    expect(Math.abs(mean(b) - 0.25)).toBeLessThan(sigma(Math.sqrt(0.25 * 0.75)));
    expect(bernoulli({ seed: 13 }, 1000, 0).every((v) => v === 0)).toBe(true);
    expect(bernoulli({ seed: 13 }, 1000, 1).every((v) => v === 1)).toBe(true);
  });

  it('randint covers [low, high) evenly', () => {
    const r = randint({ seed: 14 }, n, -3, 7);
    const counts = new Array<number>(10).fill(0);
    for (const v of r) counts[v + 3]++;
    expect(extremes(r)).toEqual({ min: -3, max: 6 });
    expect(chiSquare(counts)).toBeLessThan(27.9); // chi2(9) at p = 0.001
  });

  it('permutations of 4 elements are uniform over all 24 orders', () => {
    const counts = new Map<string, number>();
    for (let k = 0; k < 24_000; k++) {
      const key = Array.from(permutation({ seed: 15, start: 4 * k }, 4)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    expect(chiSquare([...counts.values()])).toBeLessThan(49.7); // chi2(23) at p = 0.001
    const big = permutation({ seed: 16 }, 1000);
    expect(Array.from(big).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe('argument errors say what was wrong', () => {
  it('rejects bad seeds, streams, counts, probabilities and ranges', () => {
    expect(() => uniform({ seed: -1 }, 3)).toThrow(
      /uniform: seed must be an integer in \[0, 2\^53\), got -1/,
    );
    expect(() => uniform({ seed: 1.5 }, 3)).toThrow(/seed/);
    expect(() => uniform({ seed: 2 ** 53 }, 3)).toThrow(/seed/);
    expect(() => normal({ seed: 1, stream: 2 ** 32 }, 3)).toThrow(/normal: stream/);
    expect(() => uniform({ seed: 1 }, -2)).toThrow(/count/);
    expect(() => uniform({ seed: 1, start: 2 ** 53 - 2 }, 5)).toThrow(/element indices/);
    expect(() => uniform({ seed: 1 }, 3, 'int32' as 'float32')).toThrow(/float32 or float64/);
    expect(() => bernoulli({ seed: 1 }, 3, 1.5)).toThrow(/p must be in \[0, 1\]/);
    expect(() => randint({ seed: 1 }, 3, 5, 5)).toThrow(/low < high/);
    expect(() => randint({ seed: 1 }, 3, -(2 ** 31), 2 ** 31)).toThrow(/high - low < 2\^32/);
    expect(() => randint({ seed: 1 }, 3, 0.5, 5)).toThrow(/integers/);
  });
});
