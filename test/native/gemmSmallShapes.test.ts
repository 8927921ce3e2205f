// gemm's unpacked small-shape paths (native/kernels/gemm/small.inc: k ≤ 8, m ≤ 4, n = 1;
// gemv_avx512.c for float32 n = 1 on an AVX-512 CPU) and the driver's dot-product tail
// against a float64 triple loop, on shapes at and just past each path's limits: transposes,
// padded and column-major (strided) storage with offsets, alpha/beta with a full C, a broadcast
// bias row or column, an in-place accumulation (C is Z), and batches with a broadcast operand.
// Self-contained on purpose: it builds its own one-step programs from the addon's spec.
import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/addon.ts';
import type { BufferSpec, NativeArray, ProgramSpec, View } from '../../native/program.ts';

const addon = loadNativeAddon();
type FloatDType = 'float32' | 'float64';

/** mulberry32: deterministic test data, independent of the engine. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A view over its own buffer: `layout` 'row' (row-major, rows padded), 'col' (the last two
 * axes stored column-major, padded) or a given stride list; data starts at `offset`. */
interface Operand {
  shape: number[];
  strides: number[];
  offset: number;
  data: NativeArray;
}

function makeOperand(
  dtype: FloatDType,
  shape: number[],
  layout: 'row' | 'col' | number[],
  random: () => number,
): Operand {
  const nd = shape.length;
  let strides: number[];
  if (Array.isArray(layout)) {
    strides = layout;
  } else {
    const [r, c] = shape.slice(-2);
    const pad = 3;
    const [rs, cs] = layout === 'row' ? [c + pad, 1] : [1, r + pad];
    const matrix = layout === 'row' ? r * (c + pad) : c * (r + pad);
    strides = nd === 3 ? [matrix + 5, rs, cs] : [rs, cs];
  }
  const offset = 2;
  const span = shape.reduce((s, d, i) => s + (d - 1) * strides[i], 0);
  const size = offset + span + 1 + 4;
  const data = dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = 2 * random() - 1;
  return { shape, strides, offset, data };
}

function at(op: Operand, index: number[]): number {
  return op.data[op.offset + index.reduce((s, x, i) => s + x * op.strides[i], 0)];
}

interface Case {
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  layoutA?: 'row' | 'col';
  layoutB?: 'row' | 'col';
  /** 'full': a C of Z's shape, row-major ('fullCol': column-major); 'bias': a row broadcast over rows; 'column': a column broadcast
   * over columns; 'inplace': C is the output view itself (Z += …). */
  c?: 'full' | 'fullCol' | 'bias' | 'column' | 'inplace';
  alpha?: number;
  beta?: number;
  batch?: number;
  /** With a batch: A is 2-d, broadcast over it. */
  broadcastA?: boolean;
}

function runCase(tc: Case, dtype: FloatDType, seed: number) {
  const random = rng(seed);
  const batch = tc.batch ? [tc.batch] : [];
  const aShape = [...(tc.broadcastA ? [] : batch), ...(tc.transA ? [tc.k, tc.m] : [tc.m, tc.k])];
  const bShape = [...batch, ...(tc.transB ? [tc.n, tc.k] : [tc.k, tc.n])];
  const zShape = [...batch, tc.m, tc.n];
  const a = makeOperand(dtype, aShape, tc.layoutA ?? 'row', random);
  const b = makeOperand(dtype, bShape, tc.layoutB ?? 'row', random);
  const z = makeOperand(dtype, zShape, 'row', random);
  const bStride = tc.batch ? [tc.n] : [];
  const c =
    tc.c === 'full' || tc.c === 'fullCol'
      ? makeOperand(dtype, zShape, tc.c === 'full' ? 'row' : 'col', random)
      : tc.c === 'bias'
        ? makeOperand(dtype, zShape, [...(tc.batch ? [0] : []), 0, 1], random)
        : tc.c === 'column'
          ? makeOperand(dtype, zShape, [...bStride, 1, 0], random)
          : tc.c === 'inplace'
            ? z
            : undefined;
  const zBefore = Array.from(z.data);
  const operands = c && c !== z ? [a, b, c] : [a, b];
  const buffers: BufferSpec[] = [
    ...operands.map((op) => ({ dtype, size: op.data.length, role: 'constant' as const, init: op.data })),
    { dtype, size: z.data.length, role: 'shared', init: z.data },
  ];
  const zBuffer = operands.length;
  const view = (buffer: number, op: Operand): View => ({
    buffer,
    offset: op.offset,
    shape: op.shape,
    strides: op.strides,
  });
  const inputs = operands.map((op, i) => view(i, op));
  if (c === z) inputs.push(view(zBuffer, z));
  const alpha = tc.alpha ?? 1;
  const beta = tc.beta ?? 1;
  const spec: ProgramSpec = {
    buffers,
    inputs: [],
    outputs: [zBuffer],
    steps: [
      {
        kernel: 'gemm',
        inputs,
        outputs: [view(zBuffer, z)],
        attrs: { transA: !!tc.transA, transB: !!tc.transB, alpha, ...(c ? { beta } : {}) },
      },
    ],
  };
  const got = addon.run(addon.createProgram(spec), [])[0];

  // float64 reference; elements of Z's buffer outside the view must be untouched.
  const expected = zBefore.slice();
  const scale = expected.map(() => 0);
  for (let bi = 0; bi < (tc.batch ?? 1); bi++) {
    const lead = (op: Operand) => (op.shape.length === 3 ? [bi] : []);
    for (let i = 0; i < tc.m; i++) {
      for (let j = 0; j < tc.n; j++) {
        let s = 0;
        let mag = 0;
        for (let p = 0; p < tc.k; p++) {
          const av = at(a, [...lead(a), ...(tc.transA ? [p, i] : [i, p])]);
          const bv = at(b, [...lead(b), ...(tc.transB ? [j, p] : [p, j])]);
          s += av * bv;
          mag += Math.abs(av * bv);
        }
        const index = [...lead(z), i, j];
        const cv = c
          ? beta *
            (c === z ? zBefore[z.offset + index.reduce((t, x, d) => t + x * z.strides[d], 0)] : at(c, index))
          : 0;
        const flat = z.offset + index.reduce((t, x, d) => t + x * z.strides[d], 0);
        expected[flat] = alpha * s + cv;
        scale[flat] = Math.abs(alpha) * mag + Math.abs(cv) + 1e-30;
      }
    }
  }
  const eps = dtype === 'float32' ? 4e-7 : 1e-15;
  let worst = 0;
  for (let f = 0; f < expected.length; f++) {
    const err =
      scale[f] === 0 ? (got[f] === expected[f] ? 0 : Infinity) : Math.abs(got[f] - expected[f]) / scale[f];
    worst = Math.max(worst, err);
  }
  expect(worst, `worst relative error of ${JSON.stringify(tc)} ${dtype}`).toBeLessThan(16 * eps);
}

const kCases: Case[] = [
  { m: 37, n: 20, k: 1, transB: true }, // the LSTM's outer product
  { m: 37, n: 80, k: 2, c: 'bias' }, // k = 2 plus a bias row
  { m: 5, n: 19, k: 3, transA: true, c: 'full', alpha: -0.5, beta: 2 },
  { m: 6, n: 33, k: 5, layoutA: 'col', c: 'inplace', alpha: 1.5 },
  { m: 7, n: 17, k: 8, transB: true, layoutB: 'col', c: 'column', beta: -1 },
  { m: 9, n: 300, k: 4, c: 'bias', alpha: 0.25, beta: 0.5 },
  { m: 8, n: 12, k: 2, c: 'fullCol', beta: 2 }, // a column-major C: the blocked driver
  { m: 6, n: 21, k: 9 }, // just past the small-k limit: the blocked driver
  { m: 4, n: 24, k: 2, batch: 3, c: 'full' },
  { m: 4, n: 24, k: 7, batch: 2, broadcastA: true, c: 'bias' },
];
const mCases: Case[] = [
  { m: 2, n: 80, k: 1280, transA: true, c: 'inplace' }, // the LSTM's bias-row weight gradient
  { m: 1, n: 45, k: 70 },
  { m: 3, n: 300, k: 41, transA: true, layoutA: 'col', c: 'full', alpha: 2, beta: -0.5 },
  { m: 4, n: 513, k: 19, transB: true, layoutB: 'col', c: 'bias' },
  { m: 4, n: 31, k: 23, layoutB: 'col', c: 'column' },
  { m: 3, n: 70, k: 30, c: 'bias', alpha: -1, beta: -2 },
  { m: 5, n: 40, k: 30, transA: true }, // just past the small-m limit
  { m: 30, n: 40, k: 25, c: 'full', alpha: 0.5, beta: -1.5 }, // the blocked driver's beta*C pass
  { m: 3, n: 50, k: 20, batch: 3, transA: true, c: 'inplace' },
  { m: 2, n: 30, k: 33, batch: 2, broadcastA: true, c: 'full', beta: 3 },
];
const vCases: Case[] = [
  { m: 20, n: 1, k: 1280, transA: true, c: 'inplace' }, // column-major op(A): the 1x20 gradient
  { m: 37, n: 1, k: 20, c: 'bias' }, // row-major op(A) with a broadcast bias
  { m: 300, n: 1, k: 9, transA: true, c: 'fullCol', alpha: -1, beta: 0.5 },
  { m: 600, n: 1, k: 12, layoutA: 'col' }, // more rows than one accumulator block
  { m: 13, n: 1, k: 27, transB: true, layoutB: 'col', c: 'column' },
  { m: 11, n: 1, k: 35, layoutA: 'row', transB: true, alpha: 3 },
  { m: 9, n: 1, k: 17, batch: 3, transA: true, c: 'full' },
  { m: 9, n: 1, k: 16, batch: 2, broadcastA: true },
  // float32 on an AVX-512 CPU: gemv_avx512.c, a dot product a row (rows of k ≤ 32: one vector, or
  // two with the second masked) or sixteen rows a vector (column-major op(A) of m ≤ 32: one vector,
  // or two with the second masked), at and past its limits
  { m: 1283, n: 1, k: 20, c: 'inplace' }, // the L2L output layer's h·w
  { m: 45, n: 1, k: 27, c: 'full', alpha: -2, beta: 0.5 },
  { m: 10, n: 1, k: 10, batch: 128 }, // the quadratics' W_b·θ_b
  { m: 10, n: 1, k: 10, batch: 7, transA: true, c: 'full', alpha: 2, beta: -1 }, // and W_bᵀ·r_b
  { m: 16, n: 1, k: 32, transB: true, c: 'bias', alpha: 0.5, beta: 2 },
  { m: 17, n: 1, k: 33, c: 'full' }, // k past the row limit
  { m: 17, n: 1, k: 5, transA: true, c: 'inplace' }, // two column vectors, the second masked
  { m: 32, n: 1, k: 40, transA: true, c: 'full', alpha: -1.5, beta: 0.25 }, // at the column limit
  { m: 33, n: 1, k: 7, transA: true, c: 'inplace' }, // m past the column limit
];

// float32 products with k ≥ 256 whose last 1–4 columns past the tiles run as dot products
// along k (gemm/dot_tail.inc): several k-blocks and a ragged last one, a bias row, beta·C, an
// in-place accumulation, a batch; float64 and a column-major op(A) keep the tiles.
const tailCases: Case[] = [
  { m: 37, n: 20, k: 300 }, // 16 + 4 columns, as a 784 → 20 layer
  { m: 400, n: 20, k: 520, c: 'bias' }, // two row blocks (MC = 384), each panel's tail after its tiles
  { m: 13, n: 4, k: 784, c: 'bias' },
  { m: 9, n: 36, k: 600, transB: true, layoutB: 'col', c: 'inplace' },
  { m: 6, n: 19, k: 257, c: 'full', alpha: 0.5, beta: -1 },
  { m: 5, n: 20, k: 300, batch: 2, c: 'bias' },
  { m: 21, n: 17, k: 260, transA: true },
];

describe.each(['float32', 'float64'] as const)('gemm small-shape paths, %s', (dtype) => {
  it.each(kCases.map((c, i) => [i, c] as const))('small k, case %i', (i, tc) => runCase(tc, dtype, 100 + i));
  it.each(mCases.map((c, i) => [i, c] as const))('small m, case %i', (i, tc) => runCase(tc, dtype, 200 + i));
  it.each(vCases.map((c, i) => [i, c] as const))('n = 1, case %i', (i, tc) => runCase(tc, dtype, 300 + i));
  it.each(tailCases.map((c, i) => [i, c] as const))('dot-product tail, case %i', (i, tc) =>
    runCase(tc, dtype, 400 + i),
  );

  it('beta = 0 ignores C, NaNs included', () => {
    const random = rng(7);
    const a = makeOperand(dtype, [6, 2], 'row', random);
    const b = makeOperand(dtype, [2, 5], 'row', random);
    const c = makeOperand(dtype, [6, 5], 'row', random);
    c.data.fill(NaN);
    const Z = (dtype === 'float32' ? Float32Array : Float64Array).from({ length: 30 });
    const spec: ProgramSpec = {
      buffers: [
        { dtype, size: a.data.length, role: 'constant', init: a.data },
        { dtype, size: b.data.length, role: 'constant', init: b.data },
        { dtype, size: c.data.length, role: 'constant', init: c.data },
        { dtype, size: 30, role: 'output' },
      ],
      inputs: [],
      outputs: [3],
      steps: [
        {
          kernel: 'gemm',
          inputs: [a, b, c].map((op, i) => ({
            buffer: i,
            offset: op.offset,
            shape: op.shape,
            strides: op.strides,
          })),
          outputs: [{ buffer: 3, offset: 0, shape: [6, 5], strides: [5, 1] }],
          attrs: { transA: false, transB: false, alpha: 1, beta: 0 },
        },
      ],
    };
    const got = addon.run(addon.createProgram(spec), [])[0];
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 5; j++)
        Z[i * 5 + j] = at(a, [i, 0]) * at(b, [0, j]) + at(a, [i, 1]) * at(b, [1, j]);
    }
    for (let f = 0; f < 30; f++) expect(got[f]).toBeCloseTo(Z[f], 5);
  });
});

describe('float32 rank-1 products over contiguous rows (gemm/outer_avx512.c on an AVX-512 CPU)', () => {
  /** Z = beta·C + alpha·a·bᵀ for m × n, Z's rows (and C's, when given apart) `rowStride` apart;
   * every value a function of its row and column, whatever the layout. The Z view's values. */
  function rankOne(
    m: number,
    n: number,
    rowStride: number,
    c: 'none' | 'apart' | 'inplace',
    alpha: number,
    beta: number,
    aStride = 1,
  ) {
    const value = (seed: number, i: number, j: number) =>
      Math.fround(Math.sin(seed + i * 1.37 + j * 0.731) * 3);
    const matrix = (seed: number) => {
      const data = new Float32Array(m * rowStride);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) data[i * rowStride + j] = value(seed, i, j);
      return data;
    };
    const a = Float32Array.from({ length: m * aStride }, (_, i) => value(1, i / aStride, i % aStride));
    const b = Float32Array.from({ length: n }, (_, j) => value(2, 0, j));
    const zView: View = { buffer: c === 'apart' ? 3 : 2, offset: 0, shape: [m, n], strides: [rowStride, 1] };
    const buffers: BufferSpec[] = [
      { dtype: 'float32', size: m * aStride, role: 'constant', init: a },
      { dtype: 'float32', size: n, role: 'constant', init: b },
      ...(c === 'apart'
        ? [{ dtype: 'float32' as const, size: m * rowStride, role: 'constant' as const, init: matrix(3) }]
        : []),
      { dtype: 'float32', size: m * rowStride, role: 'shared', init: matrix(4) },
    ];
    const inputs: View[] = [
      { buffer: 0, offset: 0, shape: [m, 1], strides: [aStride, 0] },
      { buffer: 1, offset: 0, shape: [1, n], strides: [n, 1] },
      ...(c === 'none' ? [] : [c === 'apart' ? { ...zView, buffer: 2 } : zView]),
    ];
    const spec: ProgramSpec = {
      buffers,
      inputs: [],
      outputs: [zView.buffer],
      steps: [
        {
          kernel: 'gemm',
          inputs,
          outputs: [zView],
          attrs: { transA: false, transB: false, alpha, ...(c === 'none' ? {} : { beta }) },
        },
      ],
    };
    const z = addon.run(addon.createProgram(spec), [])[0];
    return Array.from({ length: m * n }, (_, e) => z[Math.floor(e / n) * rowStride + (e % n)]);
  }

  // Padded rows take small.inc's k = 1 rows; contiguous ones the vector walk across row ends. Both
  // must round every element alike (alpha·a_i, its product with b_j, beta·c_ij added in one fused
  // multiply-add), for a whole product and so for any block of its rows in a row-block chain.
  it.each([
    [768, 20, 'inplace', 1, 1, 1], // the L2L output layer's dy·wᵀ added to dh, one chain block
    [37, 20, 'apart', -0.7, 1.3, 1], // groups of 4 rows (5 vectors), then 1 row across vector ends
    [7, 20, 'none', 1.5, 1, 1],
    [11, 24, 'inplace', 1, -0.5, 1], // groups of 2 rows (3 vectors)
    [6, 36, 'apart', 0.9, 1, 1], // one group of 4 rows (9 vectors), then 2 rows
    [5, 48, 'none', 1, 1, 1], // a row is 3 whole vectors
    [5, 16, 'none', 2.5, 1, 1],
    [9, 37, 'inplace', 0.3, -2, 1], // a group would be 37 vectors: all rows across vector ends
    [3, 256, 'apart', 1, 0.5, 1],
    [1, 17, 'none', -1, 1, 1],
    [13, 20, 'inplace', 1.1, 1, 3], // a's rows apart: across vector ends, no groups
  ] as const)(
    '%i × %i, C %s, alpha %d, beta %d, a every %i: the bits of the row-by-row path',
    (m, n, c, alpha, beta, aStride) => {
      expect(rankOne(m, n, n, c, alpha, beta, aStride)).toEqual(
        rankOne(m, n, n + 3, c, alpha, beta, aStride),
      );
    },
  );
});

describe('small-m products whose accumulators stay in registers (m ≤ 4, n a multiple of 16 up to 80)', () => {
  /** Z = op(A)·B for op(A) = Aᵀ (m × k, A stored k × m) and the first n of B's `width` columns. */
  function smallM(m: number, k: number, n: number, width: number): number[] {
    const a = Float32Array.from({ length: k * m }, (_, i) => Math.fround(Math.sin(i * 0.77) * 2));
    const b = Float32Array.from({ length: k * width }, (_, i) => Math.fround(Math.cos(i * 0.31)));
    const spec: ProgramSpec = {
      buffers: [
        { dtype: 'float32', size: a.length, role: 'constant', init: a },
        { dtype: 'float32', size: b.length, role: 'constant', init: b },
        { dtype: 'float32', size: m * n, role: 'output' },
      ],
      inputs: [],
      outputs: [2],
      steps: [
        {
          kernel: 'gemm',
          inputs: [
            { buffer: 0, offset: 0, shape: [k, m], strides: [m, 1] },
            { buffer: 1, offset: 0, shape: [k, n], strides: [width, 1] },
          ],
          outputs: [{ buffer: 2, offset: 0, shape: [m, n], strides: [n, 1] }],
          attrs: { transA: true, transB: false, alpha: 1 },
        },
      ],
    };
    return Array.from(addon.run(addon.createProgram(spec), [])[0]);
  }

  // 81 columns take the loop that loads and stores the sums at every step of k; its first 80 are
  // the same multiply-add chains, so they must match the register form bit for bit.
  it.each([
    [2, 768, 80], // the L2L input layer's xᵀ·dz over one row-block chain block
    [1, 300, 16],
    [4, 129, 48],
    [3, 57, 64],
  ] as const)('m %i, k %i, n %i: the bits of the loop over memory', (m, k, n) => {
    const wide = smallM(m, k, n + 1, n + 1);
    const columns = Array.from({ length: m * n }, (_, e) => wide[Math.floor(e / n) * (n + 1) + (e % n)]);
    expect(smallM(m, k, n, n + 1)).toEqual(columns);
  });
});

describe.skipIf(!addon.isaInfo().supported.includes('avx512'))(
  'float32 dot products over rows of k ≤ 16 (gemm/gemv_avx512.c on an AVX-512 CPU)',
  () => {
    /** One row's sum as _mm512_reduce_add_ps adds its 16 lanes (products past k are zero): upper
     * 256 bits plus lower, of those upper 128 plus lower, lanes 0 + 2 and 1 + 3, then those two. */
    function reduceAdd(p: number[]): number {
      const f = Math.fround;
      const t3 = Array.from({ length: 8 }, (_, j) => f(p[8 + j] + p[j]));
      const t6 = Array.from({ length: 4 }, (_, j) => f(t3[4 + j] + t3[j]));
      return f(f(t6[0] + t6[2]) + f(t6[1] + t6[3]));
    }

    // Rows summed four to a vector (and a last group of one to three beside zeros) must keep each
    // row's additions and their order: the bits of the row-at-a-time reduction, whatever the group.
    it.each([
      [1, 10, false],
      [3, 7, true],
      [4, 16, false],
      [5, 1, true],
      [10, 10, false], // one of the quadratics' W_b·θ_b
      [22, 13, true],
    ] as const)('%i rows of %i, C %s: each row added as one reduction tree', (m, k, withC) => {
      const random = rng(31 + m * k);
      const value = () => Math.fround(4 * random() - 2);
      const a = Float32Array.from({ length: m * k }, value);
      const x = Float32Array.from({ length: k }, value);
      const c = Float32Array.from({ length: m }, value);
      const [alpha, beta] = [Math.fround(-1.3), Math.fround(0.7)];
      const spec: ProgramSpec = {
        buffers: [
          { dtype: 'float32', size: m * k, role: 'constant', init: a },
          { dtype: 'float32', size: k, role: 'constant', init: x },
          { dtype: 'float32', size: m, role: 'constant', init: c },
          { dtype: 'float32', size: m, role: 'output' },
        ],
        inputs: [],
        outputs: [3],
        steps: [
          {
            kernel: 'gemm',
            inputs: [
              { buffer: 0, offset: 0, shape: [m, k], strides: [k, 1] },
              { buffer: 1, offset: 0, shape: [k, 1], strides: [1, 1] },
              ...(withC ? [{ buffer: 2, offset: 0, shape: [m, 1], strides: [1, 1] }] : []),
            ],
            outputs: [{ buffer: 3, offset: 0, shape: [m, 1], strides: [1, 1] }],
            attrs: { transA: false, transB: false, alpha, ...(withC ? { beta } : {}) },
          },
        ],
      };
      const z = Array.from(addon.run(addon.createProgram(spec), [])[0]);
      const want = Array.from({ length: m }, (_, i) => {
        const products = Array.from({ length: 16 }, (_, p) => (p < k ? Math.fround(a[i * k + p] * x[p]) : 0));
        const out = Math.fround(alpha * reduceAdd(products));
        return withC ? Math.fround(Math.fround(beta * c[i]) + out) : out;
      });
      expect(z).toEqual(want);
    });
  },
);
