// Row blocks (native/src/row_blocks.c): a gemm followed by a gemm that accumulates into its
// output in place (the LSTM's x·Wx + b, then += h·Wh), and after them an elementwise step
// reading that output (the cell), run block of rows by block (longer chains: rowChains.test.ts).
// Checked here: the outputs are bit for bit those of the same steps kept apart by a step between
// them, and Z is within float32 rounding of a float64 reference; the group really ran as one
// (addon.rowChains), and not on two threads, for a
// Z under 1 MiB, when a block would take another gemm path, or (for the elementwise step) when it
// reads Z across rows or writes over rows of an operand of the pair that a later block reads; a
// failing step is reported as that step.
import { describe, expect, it } from 'vitest';
import type {
  BufferSpec,
  NativeArray,
  ProgramSpec,
  ScalarExpr,
  ScalarOpName,
  StepSpec,
  View,
} from '../../native/program.ts';
import { addon, chainedSteps, rng } from './helpers.ts';

type FloatDType = 'float32' | 'float64';

interface Product {
  k: number;
  transA?: boolean;
  transB?: boolean;
  /** C of the first product: a bias row (stride 0 down Z) or a full matrix, scaled by beta. */
  c?: 'bias' | 'full';
  alpha?: number;
  beta?: number;
  /** op(A) with columns stride 0 (the LSTM's outer product reads its 1-wide A this way). */
  broadcastA?: boolean;
}

interface Case {
  m: number;
  n: number;
  first: Product;
  second: Product;
  dtype?: FloatDType;
}

interface Matrix {
  shape: number[];
  strides: number[];
  data: NativeArray;
}

function matrix(dtype: FloatDType, shape: number[], strides: number[], random: () => number): Matrix {
  const size = shape.reduce((s, d, i) => s + (d - 1) * strides[i], 0) + 1;
  const data = dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = 2 * random() - 1;
  return { shape, strides, data };
}

/** op(A) (m × k) and op(B) (k × n) of a product, stored as the case says. */
function operands(
  dtype: FloatDType,
  m: number,
  n: number,
  p: Product,
  random: () => number,
): [Matrix, Matrix] {
  const aShape = p.transA ? [p.k, m] : [m, p.k];
  const aStrides = p.broadcastA ? (p.transA ? [0, 1] : [1, 0]) : [aShape[1], 1];
  const bShape = p.transB ? [n, p.k] : [p.k, n];
  return [matrix(dtype, aShape, aStrides, random), matrix(dtype, bShape, [bShape[1], 1], random)];
}

/** op(X)[i, j] of a stored operand. */
function opAt(x: Matrix, trans: boolean | undefined, i: number, j: number): number {
  const [r, c] = trans ? [j, i] : [i, j];
  return x.data[r * x.strides[0] + c * x.strides[1]];
}

/** The elementwise step after the pair: none, the cell (reads two column windows of Z and an
 * input E, writes two fresh outputs), one that writes its first output over the Z window it
 * reads (in place), one that writes over A1, an operand the pair reads (its row r over A1's row
 * r, or over row r + 1, which the next block's product has still to read), or one that reads Z
 * one row down (row r of its view is Z's row r + 1, which the next block computes). */
type Third = 'none' | 'cell' | 'inPlaceZ' | 'overA1' | 'overA1NextRow' | 'nextRow';

interface RunOptions {
  /** A copy of an unrelated buffer between the two gemm steps, so they run apart. */
  apart?: boolean;
  threads?: number;
  third?: Third;
  /** Make the second step fail: read B2 with one row too few. */
  breakSecond?: boolean;
}

/** The steps in one program; returns Z, the elementwise step's outputs and which steps ran chained. */
function run(tc: Case, options: RunOptions = {}) {
  const { apart = false, threads = 1, third = 'none', breakSecond = false } = options;
  const dtype = tc.dtype ?? 'float32';
  const random = rng(tc.m * 31 + tc.n);
  const [a1, b1] = operands(dtype, tc.m, tc.n, tc.first, random);
  const [a2, b2] = operands(dtype, tc.m, tc.n, tc.second, random);
  const c =
    tc.first.c === 'bias'
      ? matrix(dtype, [tc.m, tc.n], [0, 1], random)
      : tc.first.c === 'full'
        ? matrix(dtype, [tc.m, tc.n], [tc.n, 1], random)
        : null;
  const h = tc.n / 2; // the elementwise step's columns: Z's two halves side by side
  const e = matrix(dtype, [tc.m, h], [h, 1], random);
  // buffers: a1 b1 a2 b2 [c] e | z, scratch, scratch, out0, out1
  const constants = [a1, b1, a2, b2, ...(c ? [c] : []), e];
  const cBuffer = c ? 4 : -1;
  const eBuffer = constants.length - 1;
  const zBuffer = constants.length;
  const buffers: BufferSpec[] = [
    ...constants.map((x) => ({ dtype, size: x.data.length, role: 'constant' as const, init: x.data })),
    { dtype, size: (tc.m + 1) * tc.n, role: 'temp' }, // a row more than Z, for 'nextRow'
    { dtype, size: 8, role: 'temp' },
    { dtype, size: 8, role: 'temp' },
    { dtype, size: tc.m * h, role: 'temp' },
    { dtype, size: tc.m * h, role: 'temp' },
  ];
  if (third === 'overA1' || third === 'overA1NextRow') {
    // written, so not a constant; a row more for 'overA1NextRow'
    const init = new (dtype === 'float32' ? Float32Array : Float64Array)(a1.data.length + tc.first.k);
    init.set(a1.data);
    buffers[0] = { ...buffers[0], role: 'temp', size: init.length, init };
  }
  const view = (buffer: number, x: Matrix): View => ({
    buffer,
    offset: 0,
    shape: x.shape,
    strides: x.strides,
  });
  const z: View = { buffer: zBuffer, offset: 0, shape: [tc.m, tc.n], strides: [tc.n, 1] };
  const attrs = (p: Product, hasC: boolean) => ({
    transA: !!p.transA,
    transB: !!p.transB,
    alpha: p.alpha ?? 1,
    ...(hasC ? { beta: p.beta ?? 1 } : {}),
  });
  const first: StepSpec = {
    kernel: 'gemm',
    inputs: [view(0, a1), view(1, b1), ...(c ? [view(cBuffer, c)] : [])],
    outputs: [z],
    attrs: attrs(tc.first, c !== null),
  };
  const b2View = view(3, b2);
  if (breakSecond) b2View.shape = [b2.shape[0] - 1, b2.shape[1]];
  const second: StepSpec = {
    kernel: 'gemm',
    inputs: [view(2, a2), b2View, z],
    outputs: [z],
    attrs: { ...attrs(tc.second, true), beta: 1 },
  };
  const scratch = (b: number): View => ({ buffer: b, offset: 0, shape: [8], strides: [1] });
  const between: StepSpec = {
    kernel: 'copy',
    inputs: [scratch(zBuffer + 1)],
    outputs: [scratch(zBuffer + 2)],
    attrs: {},
  };
  const left: View = { ...z, offset: third === 'nextRow' ? tc.n : 0, shape: [tc.m, h] };
  const right: View = { ...z, offset: h, shape: [tc.m, h] };
  const out = (b: number): View => ({ buffer: b, offset: 0, shape: [tc.m, h], strides: [h, 1] });
  const input = (i: number): ScalarExpr => ({ input: i });
  const apply = (op: ScalarOpName, ...args: ScalarExpr[]): ScalarExpr => ({ op, args });
  const out0 =
    third === 'inPlaceZ'
      ? left
      : third === 'overA1' || third === 'overA1NextRow'
        ? { ...view(0, a1), offset: third === 'overA1' ? 0 : tc.first.k, shape: [tc.m, h] }
        : out(zBuffer + 3);
  const cell: StepSpec = {
    kernel: 'elementwise',
    inputs: [left, right, view(eBuffer, e)],
    outputs: [out0, out(zBuffer + 4)],
    attrs: {
      outputs: [
        apply('mul', apply('sigmoid', input(0)), apply('tanh', input(2))),
        apply('mul', input(1), input(2)),
      ],
    },
  };
  const steps: StepSpec[] = apart ? [first, between, second] : [first, second];
  if (third !== 'none') steps.push(cell);
  const outputs = third === 'none' ? [zBuffer] : [zBuffer, zBuffer + 3, zBuffer + 4, 0];
  const spec: ProgramSpec = { buffers, inputs: [], outputs, steps };
  const before = addon.getThreads();
  addon.setThreads(threads);
  try {
    const program = addon.createProgram(spec);
    const got = addon.run(program, []);
    const chained = chainedSteps(addon.rowChains(program));
    return { z: got[0], results: got.map((x) => Array.from(x)), chained, a1, b1, a2, b2, c };
  } finally {
    addon.setThreads(before);
  }
}

/** Worst error of Z against a float64 reference, relative to the sum of the terms' magnitudes. */
function worstError(tc: Case, r: ReturnType<typeof run>): number {
  let worst = 0;
  for (let i = 0; i < tc.m; i++) {
    for (let j = 0; j < tc.n; j++) {
      let sum = r.c ? (tc.first.beta ?? 1) * r.c.data[i * r.c.strides[0] + j] : 0;
      let scale = Math.abs(sum);
      for (const [p, a, b] of [
        [tc.first, r.a1, r.b1],
        [tc.second, r.a2, r.b2],
      ] as const) {
        let dot = 0;
        let mag = 0;
        for (let q = 0; q < p.k; q++) {
          const t = opAt(a, p.transA, i, q) * opAt(b, p.transB, q, j);
          dot += t;
          mag += Math.abs(t);
        }
        sum += (p.alpha ?? 1) * dot;
        scale += Math.abs(p.alpha ?? 1) * mag;
      }
      worst = Math.max(worst, Math.abs(r.z[i * tc.n + j] - sum) / (scale + 1e-30));
    }
  }
  return worst;
}

const lstm = 4000; // rows: Z of 4000 × 80 float32 is 1.25 MiB, over the pairing's 1 MiB
const cases: [string, Case][] = [
  ['the gates: x·Wx + b, then += h·Wh', { m: lstm, n: 80, first: { k: 20, c: 'bias' }, second: { k: 20 } }],
  [
    'the first layer: k = 2 plus bias (small-k path)',
    { m: lstm, n: 80, first: { k: 2, c: 'bias' }, second: { k: 20 } },
  ],
  [
    'an input gradient: dz·Wᵀ, then += dz′·W′ᵀ',
    { m: 13200, n: 20, first: { k: 80, transB: true }, second: { k: 80, transB: true } },
  ],
  [
    'the outer product (k = 1, A read with stride 0), then += dz·Wᵀ',
    { m: 13200, n: 20, first: { k: 1, transB: true, broadcastA: true }, second: { k: 80, transB: true } },
  ],
  [
    'scaled: a full C with beta, alpha on both, op(A) transposed',
    {
      m: 3001,
      n: 96,
      first: { k: 33, transA: true, c: 'full', alpha: -0.5, beta: 2 },
      second: { k: 17, alpha: 1.5 },
    },
  ],
  ['float64', { m: 2000, n: 80, first: { k: 20, c: 'bias' }, second: { k: 20 }, dtype: 'float64' }],
];

describe('row blocks: a gemm pair, and the elementwise step after it, block by block', () => {
  for (const [name, tc] of cases) {
    it(`pair: ${name}`, () => {
      const paired = run(tc);
      const apart = run(tc, { apart: true });
      // ran as one
      expect(paired.chained[1]).toBe(true);
      expect(apart.chained[2]).toBe(false);
      expect(Array.from(paired.z)).toEqual(Array.from(apart.z));
      const eps = (tc.dtype ?? 'float32') === 'float32' ? 6e-8 : 1.2e-16;
      expect(worstError(tc, paired)).toBeLessThan(64 * eps);
    });
  }

  for (const [name, tc] of [cases[0], cases[3], cases[5]]) {
    it(`with the elementwise step after it: ${name}`, () => {
      for (const third of ['cell', 'inPlaceZ'] as const) {
        const grouped = run(tc, { third });
        expect([grouped.chained[1], grouped.chained[2]], third).toEqual([true, true]);
        expect(grouped.results, third).toEqual(run(tc, { apart: true, third }).results);
      }
    });
  }

  it('runs the steps apart on two threads, for a small Z, and when blocks would take another path', () => {
    const gates = cases[0][1];
    const twoThreads = run(gates, { threads: 2, third: 'cell' });
    expect(twoThreads.chained[1]).toBe(false);
    expect(twoThreads.results).toEqual(run(gates, { apart: true, third: 'cell' }).results);
    const small: Case = { ...gates, m: 1280 }; // the quadratics' gates, 400 KiB
    expect(run(small).chained[1]).toBe(false);
    // k = 9 runs on the blocked driver, but a last block of 3 rows would take small.inc's m ≤ 4
    // path (the pair writes 640 bytes a row: blocks of 816 rows)
    const odd: Case = { m: 816 * 5 + 3, n: 80, first: { k: 9 }, second: { k: 20 } };
    const oddPaired = run(odd);
    expect(oddPaired.chained[1]).toBe(false);
    expect(Array.from(oddPaired.z)).toEqual(Array.from(run(odd, { apart: true }).z));
  });

  it('keeps an elementwise step that reads Z across rows out of the group', () => {
    const gates = cases[0][1];
    const grouped = run(gates, { third: 'nextRow' });
    expect(grouped.chained[1]).toBe(true);
    expect(grouped.chained[2]).toBe(false);
    expect(grouped.results).toEqual(run(gates, { apart: true, third: 'nextRow' }).results);
  });

  it('groups an elementwise step that writes over the rows of an operand of the pair that its block read, not others', () => {
    // A1 as wide as the step's outputs (40 columns), so its first output can be all of A1
    const gates: Case = { m: lstm, n: 80, first: { k: 40, c: 'bias' }, second: { k: 20 } };
    const sameRows = run(gates, { third: 'overA1' });
    expect([sameRows.chained[1], sameRows.chained[2]]).toEqual([true, true]);
    expect(sameRows.results).toEqual(run(gates, { apart: true, third: 'overA1' }).results);
    const nextRow = run(gates, { third: 'overA1NextRow' });
    expect(nextRow.chained[1]).toBe(true);
    expect(nextRow.chained[2]).toBe(false);
    expect(nextRow.results).toEqual(run(gates, { apart: true, third: 'overA1NextRow' }).results);
  });

  it("reports a failing second step as that step, with gemm's message", () => {
    expect(() => run(cases[0][1], { breakSecond: true })).toThrow(/^step 1 'gemm'.*gemm shapes do not match/);
  });
});
