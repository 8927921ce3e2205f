// Two adjacent products run as one (gemm.h's lab_gemm_pair_kernel). Products of the same A on the
// narrow AVX-512 path have A's rows transposed once for both — the LSTM's dz₂·Wh₂ᵀ and dz₂·Wx₂ᵀ;
// x·W (+ a bias row) into Z followed by Z += h·U are summed in registers and Z written once
// (gemm/sum2_avx512.c) — the LSTM's gates, the first product on the driver's path or small.inc's
// small-k rows. Each program runs as written, where the executor (or a row-block chain) pairs its
// adjacent products, and with a copy step between every two steps, where nothing pairs; the
// outputs must be the same bits, and addon.pairedSteps says which steps ran paired (1). Products
// that must not pair (the second reads the first's Z, different As, a wide Z, a Z the second
// product reads as A, alpha ≠ 1) run one by one.
import { describe, expect, it } from 'vitest';
import type { BufferSpec, StepSpec, View } from '../../native/program.ts';
import { addon, asWrittenOrApart, chainedSteps, rng } from './helpers.ts';

// pairs form only where the narrow AVX-512 path exists; elsewhere each product runs alone
const avx512 = addon.isaInfo().supported.includes('avx512');

const mat = (buffer: number, rows: number, cols: number, transposed = false): View => ({
  buffer,
  offset: 0,
  shape: transposed ? [cols, rows] : [rows, cols],
  strides: transposed ? [1, cols] : [cols, 1],
});

interface Program {
  buffers: BufferSpec[];
  steps: StepSpec[];
  outputs: number[];
}

/** Buffers: random constants of the given sizes, then zeroed temps. */
function buffersOf(constants: number[], temps: number[], seed: number): BufferSpec[] {
  const random = rng(seed);
  return [
    ...constants.map((size): BufferSpec => {
      const init = new Float32Array(size);
      for (let i = 0; i < size; i++) init[i] = 2 * random() - 1;
      return { dtype: 'float32', size, role: 'constant', init };
    }),
    ...temps.map((size): BufferSpec => ({ dtype: 'float32', size, role: 'temp' })),
  ];
}

const gemm = (
  inputs: View[],
  z: View,
  attrs: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {},
): StepSpec => ({
  kernel: 'gemm',
  inputs,
  outputs: [z],
  attrs: { transA: !!attrs.transA, transB: !!attrs.transB, alpha: attrs.alpha ?? 1, beta: attrs.beta ?? 1 },
});

interface Ran {
  results: number[][];
  paired: number[];
  chained: boolean[];
}

/** Runs the program as written, or with a copy between every two steps (`apart`); the program's
 * own steps' pairing and chaining. */
function run(p: Program, options: { apart?: boolean; threads?: number } = {}): Ran {
  return asWrittenOrApart(p, options, (program, own) => ({
    results: addon.run(program, []).map((x) => Array.from(x)),
    paired: own(addon.pairedSteps(program)),
    chained: own(chainedSteps(addon.rowChains(program))),
  }));
}

/** dz·W₁ᵀ into Z₁, and dz·W₂ᵀ added to Z₂ (C = Z₂) or, with `c`, beta·C + alpha·dz·W₂ᵀ: the
 * LSTM's input gradients of one time step, m rows, k = 80 gates, 20 columns each. */
function sharedA(m: number, options: { transA?: boolean; c?: boolean } = {}): Program {
  const k = 80;
  const [a, w1, w2, c, z1, z2] = [0, 1, 2, 3, 4, 5];
  const buffers = buffersOf([m * k, 20 * k, 20 * k, m * 20], [m * 20, m * 20], 11);
  buffers[z2].init = Float32Array.from({ length: m * 20 }, (_, i) => Math.sin(i)); // what Z₂ adds to
  const av = mat(a, m, k, options.transA);
  return {
    buffers,
    steps: [
      gemm([av, mat(w1, 20, k)], mat(z1, m, 20), { transA: options.transA, transB: true }),
      options.c
        ? gemm([av, mat(w2, 20, k), mat(c, m, 20)], mat(z2, m, 20), {
            transA: options.transA,
            transB: true,
            alpha: 0.5,
            beta: -2,
          })
        : gemm([av, mat(w2, 20, k), mat(z2, m, 20)], mat(z2, m, 20), {
            transA: options.transA,
            transB: true,
          }),
    ],
    outputs: [z1, z2],
  };
}

describe.skipIf(!avx512)('two products run as one', () => {
  it('computes each Z with the bits it has alone: Z₂ adding to itself or to its own C, on one and two threads', () => {
    for (const c of [false, true]) {
      for (const threads of [1, 2]) {
        const program = sharedA(1500, { c });
        const together = run(program, { threads });
        const apart = run(program, { apart: true, threads });
        expect(together.paired, `C apart: ${c}, ${threads} thread(s)`).toEqual([1, 0]);
        expect(apart.paired).toEqual([0, 0]);
        expect(together.results).toEqual(apart.results);
      }
    }
  });

  it('pairs a column-major op(A), read in place, and a last block of fewer than 32 rows', () => {
    for (const m of [784, 45]) {
      const program = sharedA(m, { transA: true });
      const together = run(program);
      expect(together.paired, `${m} rows`).toEqual([1, 0]);
      expect(together.results).toEqual(run(program, { apart: true }).results);
    }
  });

  it('pairs inside a row-block chain, block by block', () => {
    // dz of 8,000 × 80 floats (2.4 MiB) is over a chain's 1 MiB, and its two Zs (160 bytes a row)
    // make blocks of 3,276 rows: two whole blocks and a last of 1,448
    const program = sharedA(8000);
    const together = run(program);
    expect(together.chained).toEqual([false, true]);
    expect(together.paired).toEqual([1, 0]);
    expect(together.results).toEqual(run(program, { apart: true }).results);
  });

  it('runs one by one where the second product reads the first Z, the As differ, or a Z is too wide to be narrow', () => {
    const m = 300;
    const k = 80;
    const [a, a2, w, wide, z1, z2] = [0, 1, 2, 3, 4, 5];
    const buffers = buffersOf([m * k, m * k, 20 * k, 40 * k], [m * 40, m * 20], 5);
    const cases: Record<string, StepSpec[]> = {
      // Z₂ = A·Wᵀ + Z₁: computing both at once would read Z₁ before it is written
      'reads the first Z': [
        gemm([mat(a, m, k), mat(w, 20, k)], mat(z1, m, 20), { transB: true }),
        gemm([mat(a, m, k), mat(w, 20, k), mat(z1, m, 20)], mat(z2, m, 20), { transB: true }),
      ],
      'different As': [
        gemm([mat(a, m, k), mat(w, 20, k)], mat(z1, m, 20), { transB: true }),
        gemm([mat(a2, m, k), mat(w, 20, k)], mat(z2, m, 20), { transB: true }),
      ],
      'a 40-column Z': [
        gemm([mat(a, m, k), mat(wide, 40, k)], mat(z1, m, 40), { transB: true }),
        gemm([mat(a, m, k), mat(w, 20, k)], mat(z2, m, 20), { transB: true }),
      ],
    };
    for (const [name, steps] of Object.entries(cases)) {
      const program = { buffers, steps, outputs: [z1, z2] };
      const together = run(program);
      expect(together.paired, name).toEqual([0, 0]);
      expect(together.results, name).toEqual(run(program, { apart: true }).results);
    }
  });

  /** Z = x·W (+ b) then Z += h·U, m rows, n columns: x of kx columns, h of kh. */
  function gates(
    m: number,
    n: number,
    kx: number,
    kh: number,
    options: { bias?: boolean; alpha?: number } = {},
  ) {
    const [x, w, b, h, u, z] = [0, 1, 2, 3, 4, 5];
    const buffers = buffersOf([m * kx, kx * n, n, m * kh, kh * n], [m * n], 3 + kx + kh);
    const bias: View = { buffer: b, offset: 0, shape: [m, n], strides: [0, 1] };
    return {
      buffers,
      steps: [
        gemm(
          options.bias === false ? [mat(x, m, kx), mat(w, kx, n)] : [mat(x, m, kx), mat(w, kx, n), bias],
          mat(z, m, n),
          {
            alpha: options.alpha,
          },
        ),
        gemm([mat(h, m, kh), mat(u, kh, n), mat(z, m, n)], mat(z, m, n)),
      ],
      outputs: [z],
    };
  }

  it('sums x·W + b and h·U into Z once, with the bits of the two steps: x·W on the driver (k = 20) or on small-k rows (k = 1 to 8)', () => {
    const shapes = [
      // the second layer's gates, and the first layer's (x·W on small.inc's k = 2 rows): 3.2 M
      // multiply-adds in the larger product, over two threads
      { m: 2000, n: 80, kx: 20, kh: 20 },
      { m: 2000, n: 80, kx: 2, kh: 20 },
      // rows past the last whole panel of 4: one to three, under Z's 80-column tiles (5 vectors)
      // and the narrower ones left after them (48, 32 and 16 columns)
      { m: 301, n: 48, kx: 4, kh: 9 },
      { m: 1283, n: 80, kx: 20, kh: 20 },
      { m: 98, n: 112, kx: 2, kh: 20 },
      { m: 43, n: 160, kx: 20, kh: 9 },
      { m: 9, n: 96, kx: 3, kh: 20 },
      // Z of 16 or 32 columns, in panels of 6 rows: one to five rows past the last
      { m: 37, n: 16, kx: 3, kh: 33 },
      { m: 100, n: 32, kx: 8, kh: 255 }, // the longest k short of the driver's dot-product tail
      { m: 59, n: 32, kx: 20, kh: 20 },
      // x·W on small.inc's rows for the other k up to 8 (each k its own unrolled instance)
      { m: 71, n: 48, kx: 5, kh: 20 },
      { m: 66, n: 64, kx: 6, kh: 9 },
      { m: 45, n: 80, kx: 7, kh: 20 },
    ];
    const cases = [
      ...shapes.flatMap((shape) => [true, false].map((bias) => ({ ...shape, bias }))),
      // k = 1 with a bias row (without one, x·W is a rank-1 product on outer_avx512.c)
      { m: 50, n: 64, kx: 1, kh: 20, bias: true },
    ];
    for (const { m, n, kx, kh, bias } of cases) {
      for (const threads of [1, 2]) {
        const program = gates(m, n, kx, kh, { bias });
        const together = run(program, { threads });
        const name = `${m} × ${n}, k ${kx} and ${kh}, bias ${bias}, ${threads} thread(s)`;
        expect(together.paired, name).toEqual([1, 0]);
        expect(together.results, name).toEqual(run(program, { apart: true, threads }).results);
      }
    }
  });

  it('sums the gates block by block inside a row-block chain', () => {
    // Z of 4,100 × 80 floats (1.25 MiB) written by both products: blocks of 1,632 rows
    const program = gates(4100, 80, 20, 20);
    const together = run(program);
    expect(together.chained).toEqual([false, true]);
    expect(together.paired).toEqual([1, 0]);
    expect(together.results).toEqual(run(program, { apart: true }).results);
  });

  it('runs the two steps one by one where alpha is not 1, the second reads Z as A, or k reaches the dot-product tail', () => {
    const scaled = gates(200, 80, 20, 20, { alpha: 0.5 });
    const m = 200;
    const [x, w, u, z] = [0, 1, 2, 3];
    const readsZ = {
      buffers: buffersOf([m * 20, 20 * 80, 80 * 80], [m * 80], 9),
      steps: [
        gemm([mat(x, m, 20), mat(w, 20, 80)], mat(z, m, 80)),
        // Z += Z·U: computing both at once would read Z before the first product wrote it
        gemm([mat(z, m, 80), mat(u, 80, 80), mat(z, m, 80)], mat(z, m, 80)),
      ],
      outputs: [z],
    };
    const longK = gates(100, 32, 8, 256);
    for (const [name, program] of Object.entries({ scaled, readsZ, longK })) {
      const together = run(program);
      expect(together.paired, name).toEqual([0, 0]);
      expect(together.results, name).toEqual(run(program, { apart: true }).results);
    }
  });
});
