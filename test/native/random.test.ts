// The random kernel follows the Philox4x32-10 spec of engine/random/philox.ts: a known-answer
// vector from Random123, then bit-exact agreement with the TypeScript generator for uniform and
// bernoulli (and normal to the last bit in float32, within libm's ulp in float64), fresh draws
// per run with `advance`, and strided outputs.
import { describe, expect, it } from 'vitest';
import { bernoulli, normal, uniform } from '../../engine/random/philox.ts';
import type { NativeDType } from '../../native/program.ts';
import { addon, expectClose, runStep } from './helpers.ts';

const draw = (dtype: NativeDType, n: number, attrs: Record<string, unknown>) =>
  runStep('random', [], [{ dtype, shape: [n] }], attrs)[0].data!;

describe('random kernel (Philox4x32-10)', () => {
  it('reproduces the Random123 known answer for key 0, counter 0 (x0 = 0x6627e8d5)', () => {
    const [u] = draw('float32', 1, { dist: 'uniform', seed: 0 });
    expect(u).toBe((0x6627e8d5 >>> 8) * 2 ** -24);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype} uniform(low, high) equals engine/random/philox.ts bit for bit`, () => {
      const src = { seed: 2 ** 40 + 12345, stream: 7, start: 2 ** 32 - 3 }; // start crosses the 32-bit word
      const got = draw(dtype, 1000, { dist: 'uniform', ...src, low: -1.5, high: 4 });
      const u = uniform(src, 1000, dtype);
      const want = Array.from(u, (v) => -1.5 + 5.5 * v);
      expect(Array.from(got)).toEqual(dtype === 'float32' ? want.map(Math.fround) : want);
    });
  }

  it('bernoulli equals the TypeScript generator exactly, into float32 and bool outputs', () => {
    const src = { seed: 99, stream: 1 };
    const want = Array.from(bernoulli(src, 500, 0.3));
    expect(Array.from(draw('bool', 500, { dist: 'bernoulli', ...src, p: 0.3 }))).toEqual(want);
    expect(Array.from(draw('float32', 500, { dist: 'bernoulli', ...src, p: 0.3 }))).toEqual(want);
  });

  it("normal(mean, std) agrees with the TypeScript generator and the engine op's scaling (float32 exactly, float64 to libm precision)", () => {
    const src = { seed: 5 };
    const z32 = normal(src, 2000, 'float32');
    expect(Array.from(draw('float32', 2000, { dist: 'normal', ...src }))).toEqual(Array.from(z32));
    const scaled = draw('float32', 2000, { dist: 'normal', ...src, mean: 1, std: 2 });
    expect(Array.from(scaled)).toEqual(Array.from(z32, (z) => Math.fround(1 + 2 * z)));
    const z64 = normal(src, 2000, 'float64');
    const got = draw('float64', 2000, { dist: 'normal', ...src, mean: 1, std: 2 });
    expectClose(
      Array.from(got),
      Array.from(z64, (z) => 1 + 2 * z),
      1e-14,
    );
  });

  it('advance: each run continues the stream where the last one stopped', () => {
    const program = addon.createProgram({
      buffers: [{ dtype: 'float64', size: 6, role: 'output' }],
      inputs: [],
      outputs: [0],
      steps: [
        {
          kernel: 'random',
          inputs: [],
          outputs: [{ buffer: 0, offset: 0, shape: [2, 3], strides: [3, 1] }],
          attrs: { dist: 'uniform', seed: 3, advance: true },
        },
      ],
    });
    const first = addon.run(program, [])[0];
    const second = addon.run(program, [])[0];
    const want = uniform({ seed: 3 }, 12, 'float64');
    expect([...first, ...second]).toEqual(Array.from(want));
  });

  it('an int32 offset input selects draw number `offset` of this size, like the engine op', () => {
    const offset = { dtype: 'int32' as const, shape: [], data: new Int32Array([3]) };
    const [y] = runStep('random', [offset], [{ dtype: 'float32', shape: [5] }], {
      dist: 'uniform',
      seed: 4,
      start: 2,
    });
    expect(Array.from(y.data!)).toEqual(Array.from(uniform({ seed: 4, start: 2 + 3 * 5 }, 5, 'float32')));
    offset.data[0] = -1;
    expect(() =>
      runStep('random', [offset], [{ dtype: 'float32', shape: [5] }], { dist: 'uniform', seed: 4 }),
    ).toThrow(/offset must be non-negative, got -1/);
  });

  it('fills a strided (transposed) output in row-major element order', () => {
    const data = new Float64Array(6);
    const [y] = runStep('random', [], [{ dtype: 'float64', shape: [2, 3], data, strides: [1, 2] }], {
      dist: 'uniform',
      seed: 8,
    });
    const want = uniform({ seed: 8 }, 6, 'float64');
    // element (i, j) is draw i*3 + j and lives at memory i + 2j
    expect([0, 1, 2, 3, 4, 5].map((k) => y.data![Math.floor(k / 3) + 2 * (k % 3)])).toEqual(Array.from(want));
  });

  it('rejects a missing seed and an unknown distribution when the program is created', () => {
    expect(() => draw('float32', 2, { dist: 'uniform' })).toThrow(/seed \(required\)/);
    expect(() => draw('float32', 2, { dist: 'gamma', seed: 1 })).toThrow(
      /dist must be 'uniform', 'normal' or 'bernoulli'/,
    );
  });
});
