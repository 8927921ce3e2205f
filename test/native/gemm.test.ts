// gemm against a float64 triple loop: many shapes (odd sizes around the micro-tile edges, the
// lab's small shapes, K beyond one cache block), transposes via strides, alpha/beta with a
// broadcast bias, batches with broadcast operands, strided outputs, and every ISA path.
import { afterAll, describe, expect, it } from 'vitest';
import type { Isa, NativeDType } from '../../native/program.ts';
import {
  addon,
  at,
  forEachIndex,
  type Operand,
  permutedView,
  randomOperand,
  rng,
  runStep,
  sizeOf,
} from './helpers.ts';

type FloatDType = 'float32' | 'float64';

interface Case {
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  batch?: number;
}

/** Reference Z[b, i, j] = alpha * sum_p op(A)[b, i, p] op(B)[b, p, j] + beta * C[b, i, j]. */
function reference(
  a: Operand,
  b: Operand,
  c: Operand | undefined,
  z: Operand,
  tc: Case,
  alpha: number,
  beta: number,
) {
  const want: number[] = [];
  const scale: number[] = [];
  forEachIndex(z.shape, (index) => {
    const batched = z.shape.length === 3;
    const [bi, i, j] = batched ? index : [0, ...index];
    const pick = (op: Operand, r: number, col: number, trans: boolean | undefined) => {
      const [rr, cc] = trans ? [col, r] : [r, col];
      return at(op, op.shape.length === 3 ? [bi, rr, cc] : [rr, cc]);
    };
    let s = 0;
    let mag = 0;
    for (let p = 0; p < tc.k; p++) {
      const prod = pick(a, i, p, tc.transA) * pick(b, p, j, tc.transB);
      s += prod;
      mag += Math.abs(prod);
    }
    const cv = c ? beta * at(c, index) : 0;
    want.push(alpha * s + cv);
    scale.push(Math.abs(alpha) * mag + Math.abs(cv) + 1);
  });
  return { want, scale };
}

function operandsFor(tc: Case, dtype: FloatDType, seed: number) {
  const random = rng(seed);
  const batch = tc.batch ? [tc.batch] : [];
  const aShape = [...batch, ...(tc.transA ? [tc.k, tc.m] : [tc.m, tc.k])];
  const bShape = [...batch, ...(tc.transB ? [tc.n, tc.k] : [tc.k, tc.n])];
  return {
    a: randomOperand(dtype, aShape, random),
    b: randomOperand(dtype, bShape, random),
    zShape: [...batch, tc.m, tc.n],
    random,
  };
}

function check(got: Operand, want: number[], scale: number[], dtype: NativeDType) {
  const eps = dtype === 'float32' ? 2e-6 : 1e-14;
  const values: number[] = [];
  forEachIndex(got.shape, (index) => values.push(at(got, index)));
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(values[i] - want[i]) <= eps * scale[i] * 4)) {
      throw new Error(`element ${i}: got ${values[i]}, expected ${want[i]}`);
    }
  }
}

const shapes: Case[] = [
  { m: 1, n: 1, k: 1 },
  { m: 10, n: 10, k: 10 },
  { m: 13, n: 33, k: 7 },
  { m: 12, n: 32, k: 256 },
  { m: 25, n: 47, k: 300 },
  { m: 128, n: 20, k: 784 },
  { m: 64, n: 80, k: 20 },
  { m: 300, n: 20, k: 128, transA: true }, // x^T·dy: computed as Z^T with x packed as B
  { m: 2560, n: 80, k: 20 }, // LSTM gates: A read in place
  { m: 7, n: 5, k: 3, transA: true },
  { m: 31, n: 17, k: 19, transB: true },
  { m: 29, n: 40, k: 65, transA: true, transB: true },
  { m: 200, n: 3, k: 9 },
  { m: 3, n: 200, k: 9, transB: true },
  { m: 32, n: 128, k: 512, transB: true }, // dz·Wᵀ with W [out, in]: computed as Zᵀ = W·dzᵀ
  { m: 5, n: 40, k: 30, batch: 2, transB: true }, // the same, batched
  { m: 4, n: 6, k: 5, batch: 3 },
  { m: 17, n: 9, k: 33, batch: 2, transA: true },
  // xᵀ·dy weight gradients: the column-major xᵀ read in place over several k-blocks, with an
  // 8-row edge panel, and with a last 4-column panel through the tile
  { m: 20, n: 80, k: 700, transA: true },
  { m: 13, n: 100, k: 300, transA: true },
];

const isas = addon.isaInfo().supported;

describe('gemm kernel', () => {
  afterAll(() => addon.setIsa('auto'));

  for (const isa of isas) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${isa} ${dtype}: op(A)·op(B) matches a float64 triple loop for ${shapes.length} shapes`, () => {
        addon.setIsa(isa as Isa);
        shapes.forEach((tc, s) => {
          const { a, b, zShape } = operandsFor(tc, dtype, 100 + s);
          const [z] = runStep('gemm', [a, b], [{ dtype, shape: zShape }], {
            transA: !!tc.transA,
            transB: !!tc.transB,
          });
          const { want, scale } = reference(a, b, undefined, z, tc, 1, 0);
          check(z, want, scale, dtype);
        });
      });
    }
  }

  // The last columns of a product (fewer than a tile's NR) go to half-width kernels when they fill
  // at most half a tile, read in place or packed; NR is 32/16 (AVX-512), 16/8 (AVX2), 8/4
  // (portable) for float32/float64, so these widths leave every kind of remainder on some ISA.
  // m ≤ 4·MR reads B in place, m = 100 packs it; m = 20 and 7 end in rows fewer than MR.
  const lastColumns: Case[] = [
    { m: 20, n: 80, k: 600, transA: true }, // the L2L weight gradient, K over two cache blocks
    { m: 20, n: 88, k: 70, transA: true },
    { m: 20, n: 72, k: 40 },
    { m: 7, n: 44, k: 20 },
    { m: 100, n: 80, k: 33 },
    { m: 100, n: 90, k: 33 },
    { m: 100, n: 12, k: 50 },
  ];
  for (const isa of isas) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${isa} ${dtype}: the last columns of a product, into Z and through a strided view with beta·C`, () => {
        addon.setIsa(isa as Isa);
        lastColumns.forEach((tc, s) => {
          const { a, b, zShape, random } = operandsFor(tc, dtype, 300 + s);
          const [z] = runStep('gemm', [a, b], [{ dtype, shape: zShape }], { transA: !!tc.transA });
          const plain = reference(a, b, undefined, z, tc, 1, 0);
          check(z, plain.want, plain.scale, dtype);
          // a column-strided output goes through the tile; C accumulates into it
          const c = randomOperand(dtype, zShape, random);
          const data =
            dtype === 'float32' ? new Float32Array(tc.m * tc.n * 2) : new Float64Array(tc.m * tc.n * 2);
          const [zs] = runStep('gemm', [a, b, c], [{ dtype, shape: zShape, data, strides: [2 * tc.n, 2] }], {
            transA: !!tc.transA,
            alpha: 0.5,
            beta: 2,
          });
          const scaled = reference(a, b, c, zs, tc, 0.5, 2);
          check(zs, scaled.want, scaled.scale, dtype);
        });
      });
    }
  }

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: alpha·A·B + beta·C with C a bias row broadcast by stride 0`, () => {
      const tc = { m: 37, n: 45, k: 23 };
      const { a, b, zShape, random } = operandsFor(tc, dtype, 7);
      const bias = randomOperand(dtype, [1, tc.n], random);
      const c: Operand = { ...bias, shape: zShape, strides: [0, 1] };
      const [z] = runStep('gemm', [a, b, c], [{ dtype, shape: zShape }], { alpha: 0.5, beta: -2 });
      const { want, scale } = reference(a, b, c, z, tc, 0.5, -2);
      check(z, want, scale, dtype);
    });

    it(`${dtype}: A·B + C with C a bias row (alpha = beta = 1: added as tiles are stored) matches a reference and, bit for bit, the same C written out row by row, on every ISA and on two threads`, () => {
      // LSTM gates (A in place, 80 = two 32-wide panels and a half one), K over one cache
      // block, partial row panels, a transposed A.
      const cases: Case[] = [
        { m: 1536, n: 80, k: 20 }, // 2.5 M multiply-adds: split over two threads
        { m: 37, n: 45, k: 300 },
        { m: 13, n: 33, k: 7, transA: true },
        { m: 40, n: 80, k: 1000, transA: true }, // a weight gradient with its bias: xᵀ in place, two threads
      ];
      try {
        cases.forEach((tc, s) => {
          const { a, b, zShape, random } = operandsFor(tc, dtype, 500 + s);
          const bias = randomOperand(dtype, [1, tc.n], random);
          const broadcast: Operand = { ...bias, shape: zShape, strides: [0, 1] };
          const rows = dtype === 'float32' ? new Float32Array(tc.m * tc.n) : new Float64Array(tc.m * tc.n);
          for (let i = 0; i < tc.m; i++) rows.set(bias.data!, i * tc.n);
          const written: Operand = { dtype, shape: zShape, data: rows };
          const attrs = { transA: !!tc.transA, alpha: 1, beta: 1 };
          let expected: ReturnType<typeof reference> | undefined;
          for (const isa of isas) {
            addon.setIsa(isa as Isa);
            for (const threads of [1, 2]) {
              addon.setThreads(threads);
              const [z] = runStep('gemm', [a, b, broadcast], [{ dtype, shape: zShape }], attrs);
              const [zRows] = runStep('gemm', [a, b, written], [{ dtype, shape: zShape }], attrs);
              expected ??= reference(a, b, broadcast, z, tc, 1, 1);
              check(z, expected.want, expected.scale, dtype);
              expect(Array.from(z.data!)).toEqual(Array.from(zRows.data!));
            }
          }
        });
      } finally {
        addon.setIsa('auto');
        addon.setThreads(1);
      }
    });

    it(`${dtype}: batched matmul with the weights broadcast over the batch (batch stride 0)`, () => {
      const random = rng(11);
      const a = randomOperand(dtype, [4, 9, 14], random);
      const w = randomOperand(dtype, [14, 6], random);
      const b: Operand = { ...w, shape: [4, 14, 6], strides: [0, 6, 1] };
      const [z] = runStep('gemm', [a, b], [{ dtype, shape: [4, 9, 6] }]);
      const { want, scale } = reference(a, b, undefined, z, { m: 9, n: 6, k: 14, batch: 4 }, 1, 0);
      check(z, want, scale, dtype);
    });
  }

  // narrow_avx512.c: float32 on an AVX-512 CPU, Z at most 22 columns (not 16) over k ≤ 128 with
  // contiguous rows of op(A), or 28 columns over k ≤ 128 (256 from 128 rows) with contiguous
  // columns: row counts around its 16- and 32-row blocks, column counts in one and two passes, k
  // around its 16-element transposes, and the limits next to it (n = 16, 23, 29; k = 129). The driver (AVX2, or AVX-512 past the limits) sums every element the
  // same way, so the bits must agree across ISAs and threads.
  const narrow: Case[] = [
    { m: 1, n: 20, k: 80, transB: true },
    { m: 16, n: 1, k: 1 },
    { m: 17, n: 4, k: 17 },
    { m: 31, n: 14, k: 16 },
    { m: 33, n: 15, k: 33, transB: true },
    { m: 70, n: 17, k: 80, transB: true },
    { m: 100, n: 22, k: 128 },
    { m: 100, n: 16, k: 80, transB: true },
    { m: 45, n: 23, k: 80, transB: true },
    { m: 45, n: 20, k: 129 },
    { m: 1500, n: 20, k: 80, transB: true }, // 2.4 M multiply-adds: split over two threads
    { m: 37, n: 20, k: 80, batch: 2, transB: true },
    // xᵀ·dy: op(A) column-major, its columns read in place for whole blocks of 32 rows
    { m: 784, n: 20, k: 128, transA: true },
    { m: 70, n: 28, k: 33, transA: true },
    { m: 130, n: 16, k: 256, transA: true },
    { m: 100, n: 20, k: 256, transA: true }, // under 128 rows: the driver
    { m: 45, n: 29, k: 20, transA: true }, // past 28 columns: the driver
    { m: 33, n: 5, k: 100, transA: true, transB: true },
  ];
  /** Each case against a float64 triple loop, plain and with C, alpha and beta, and bit for bit the
   * same on every FMA ISA and on one and two threads (AVX2 runs the driver). */
  function expectSameBitsAcrossIsas(cases: Case[], seed: number): void {
    const fma = isas.filter((isa) => isa === 'avx512' || isa === 'avx2');
    try {
      cases.forEach((tc, s) => {
        const { a, b, zShape, random } = operandsFor(tc, 'float32', seed + s);
        const c = randomOperand('float32', zShape, random);
        let first: number[] | undefined;
        for (const isa of fma.length > 0 ? fma : ['auto']) {
          addon.setIsa(isa as Isa);
          for (const threads of [1, 2]) {
            addon.setThreads(threads);
            const trans = { transA: !!tc.transA, transB: !!tc.transB };
            const [z] = runStep('gemm', [a, b], [{ dtype: 'float32', shape: zShape }], trans);
            const plain = reference(a, b, undefined, z, tc, 1, 0);
            check(z, plain.want, plain.scale, 'float32');
            const [zc] = runStep('gemm', [a, b, c], [{ dtype: 'float32', shape: zShape }], {
              ...trans,
              alpha: 0.5,
              beta: -2,
            });
            const scaled = reference(a, b, c, zc, tc, 0.5, -2);
            check(zc, scaled.want, scaled.scale, 'float32');
            const bits = [...Array.from(z.data!), ...Array.from(zc.data!)];
            first ??= bits;
            expect(bits, `${JSON.stringify(tc)} on ${isa}, ${threads} thread(s)`).toEqual(first);
          }
        }
      });
    } finally {
      addon.setIsa('auto');
      addon.setThreads(1);
    }
  }

  it('float32 narrow products (narrow_avx512.c) match a float64 triple loop and, bit for bit, the driver on every FMA ISA and on two threads', () => {
    expectSameBitsAcrossIsas(narrow, 700);
  });

  // wgrad_avx512.c: float32 on an AVX-512 CPU, xᵀ·dy with op(A) column-major, Z 4 to 32 rows (a
  // multiple of 4) and a multiple of 80 columns: k within one sub-piece of 64, within one k-piece
  // of 256, exactly one, over several (the last short, its last sub-piece too); Z of one tile's rows
  // and of the most; two column blocks; and the shapes next to it that the driver takes (18 and 36
  // rows, 64 columns).
  const weightGradients: Case[] = [
    { m: 20, n: 80, k: 700, transA: true },
    { m: 4, n: 80, k: 40, transA: true },
    { m: 32, n: 80, k: 256, transA: true },
    { m: 8, n: 160, k: 300, transA: true },
    { m: 12, n: 80, k: 2600, transA: true }, // 5 M multiply-adds: split over two threads
    { m: 18, n: 80, k: 100, transA: true },
    { m: 36, n: 80, k: 100, transA: true },
    { m: 20, n: 64, k: 100, transA: true },
  ];
  it('float32 weight gradients over 80-column dy (wgrad_avx512.c) match a float64 triple loop and, bit for bit, the driver on every FMA ISA and on two threads', () => {
    expectSameBitsAcrossIsas(weightGradients, 900);
  });

  it("prefetches a weight gradient's xᵀ read in place in a program past the caches, with the same bits", () => {
    // 128 MiB that no step touches turn runtime.h's prefetch_ahead on: the strided kernels then
    // prefetch A ahead along k on the first column panel (full and half width, edge rows after).
    const cases: Case[] = [
      { m: 20, n: 80, k: 700, transA: true },
      { m: 20, n: 16, k: 300, transA: true },
      { m: 30, n: 88, k: 70, transA: true },
    ];
    for (const dtype of ['float32', 'float64'] as const) {
      cases.forEach((tc, s) => {
        const { a, b, zShape } = operandsFor(tc, dtype, 700 + s);
        const attrs = { transA: true };
        const [small] = runStep('gemm', [a, b], [{ dtype, shape: zShape }], attrs);
        const [large] = runStep('gemm', [a, b], [{ dtype, shape: zShape }], attrs, 32 << 20);
        expect(Array.from(large.data!), `${dtype} ${tc.m}×${tc.n}×${tc.k}`).toEqual(Array.from(small.data!));
        const { want, scale } = reference(a, b, undefined, large, tc, 1, 0);
        check(large, want, scale, dtype);
      });
    }
  });

  it('reads transposed operands through strides: a permuted view equals transA', () => {
    const random = rng(5);
    const a = randomOperand('float32', [21, 34], random);
    const b = randomOperand('float32', [34, 19], random);
    const aT = permutedView(a, [1, 0]); // same logical values, column-major memory
    const [z1] = runStep('gemm', [a, b], [{ dtype: 'float32', shape: [21, 19] }]);
    const [z2] = runStep('gemm', [aT, b], [{ dtype: 'float32', shape: [21, 19] }]);
    const { want, scale } = reference(a, b, undefined, z1, { m: 21, n: 19, k: 34 }, 1, 0);
    check(z1, want, scale, 'float32');
    check(z2, want, scale, 'float32');
  });

  it('writes into a strided output view (every other column of a wider buffer) and nothing else', () => {
    const random = rng(9);
    const a = randomOperand('float64', [15, 8], random);
    const b = randomOperand('float64', [8, 35], random);
    // Output buffers start zeroed (fresh V8 memory): the gaps must stay 0.
    const data = new Float64Array(15 * 70);
    const [z] = runStep(
      'gemm',
      [a, b],
      [{ dtype: 'float64', shape: [15, 35], data, offset: 1, strides: [70, 2] }],
    );
    const { want, scale } = reference(a, b, undefined, z, { m: 15, n: 35, k: 8 }, 1, 0);
    check(z, want, scale, 'float64');
    for (let i = 0; i < z.data!.length; i += 2) expect(z.data![i]).toBe(0);
  });

  it('handles empty dimensions: K = 0 gives beta·C, M = 0 gives nothing', () => {
    const c: Operand = { dtype: 'float32', shape: [3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) };
    const a: Operand = { dtype: 'float32', shape: [3, 0], data: new Float32Array(0) };
    const b: Operand = { dtype: 'float32', shape: [0, 2], data: new Float32Array(0) };
    const [z] = runStep('gemm', [a, b, c], [{ dtype: 'float32', shape: [3, 2] }], { beta: 2 });
    expect(Array.from(z.data!)).toEqual([2, 4, 6, 8, 10, 12]);
    const [empty] = runStep(
      'gemm',
      [
        { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
        randomOperand('float32', [4, 3], rng(1)),
      ],
      [{ dtype: 'float32', shape: [0, 3] }],
    );
    expect(empty.data!.length).toBe(0);
  });

  it('accumulates in place: C and Z the same shared view gives Z += A·B on every run', () => {
    const random = rng(13);
    const a = randomOperand('float64', [6, 5], random);
    const b = randomOperand('float64', [5, 7], random);
    const z0 = randomOperand('float64', [6, 7], random);
    const zView = { buffer: 2, offset: 0, shape: [6, 7], strides: [7, 1] };
    const program = addon.createProgram({
      buffers: [
        { dtype: 'float64', size: 30, role: 'input' },
        { dtype: 'float64', size: 35, role: 'input' },
        { dtype: 'float64', size: 42, role: 'shared', init: z0.data },
      ],
      inputs: [0, 1],
      outputs: [2],
      steps: [
        {
          kernel: 'gemm',
          inputs: [
            { buffer: 0, offset: 0, shape: [6, 5], strides: [5, 1] },
            { buffer: 1, offset: 0, shape: [5, 7], strides: [7, 1] },
            zView,
          ],
          outputs: [zView],
          attrs: { beta: 1 },
        },
      ],
    });
    addon.run(program, [a.data!, b.data!]);
    const [z] = addon.run(program, [a.data!, b.data!]);
    const { want, scale } = reference(a, b, z0, { ...z0, data: z }, { m: 6, n: 7, k: 5 }, 2, 1);
    check({ ...z0, data: z }, want, scale, 'float64');
  });

  it('gives the same result with intra-op threads as on one thread', () => {
    const tc = { m: 150, n: 260, k: 120 };
    const { a, b, zShape } = operandsFor(tc, 'float32', 3);
    const [one] = runStep('gemm', [a, b], [{ dtype: 'float32', shape: zShape }]);
    addon.setThreads(2);
    try {
      const [two] = runStep('gemm', [a, b], [{ dtype: 'float32', shape: zShape }]);
      expect(Array.from(two.data!)).toEqual(Array.from(one.data!));
    } finally {
      addon.setThreads(1);
    }
    expect(sizeOf(zShape)).toBe(150 * 260);
  });

  it('setIsa accepts only the ISAs this CPU supports; isaInfo reports the choice', () => {
    expect(() => addon.setIsa('sse9' as Isa)).toThrow(
      /isa must be 'auto', 'avx512', 'avx2' or 'portable', got 'sse9'/,
    );
    addon.setIsa('portable');
    expect(addon.isaInfo().selected).toBe('portable');
    addon.setIsa('auto');
    expect(addon.isaInfo().supported).toContain(addon.isaInfo().selected);
  });

  it('reports mismatched shapes as an error naming the op', () => {
    const random = rng(2);
    expect(() =>
      runStep(
        'gemm',
        [randomOperand('float32', [3, 4], random), randomOperand('float32', [5, 2], random)],
        [{ dtype: 'float32', shape: [3, 2] }],
        { opName: 'Dot' },
      ),
    ).toThrow(/step 0 'Dot' \(kernel gemm\): gemm shapes do not match: op\(A\) is 3x4 .* op\(B\) is 5x2/);
  });
});
