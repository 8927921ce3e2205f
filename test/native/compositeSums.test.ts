// A composite and the sum over the rows of what it wrote run as one (native/src/composite_sums.c):
// the LSTM backward cell writes the gate gradients dz as column windows of its rows and the bias
// gradient sums dz over the rows; the compiled composite adds each row it stores to the sum's
// float64 accumulators instead. Each program runs as written, where the executor (or a row-block
// chain) pairs the two steps, and with a copy step between them, where nothing pairs; the dz and
// the sums must be the same bits, and addon.pairedSteps says 2 where they ran as one. Row widths
// whose sums take every piece (8, 4, 2 and 1 columns), fewer rows than the two the sums lag
// behind, a contiguous output summed; then what must not pair (windows that cover part of the
// sum, an output that overlaps it otherwise) and what runs apart (interpreted, split over two
// threads), each with the same bits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BufferSpec, StepSpec } from '../../native/program.ts';
import { projectRoot } from '../../native/paths.ts';
import { addon, apply, asWrittenOrApart, chainedSteps, input, rng, rowsOf as mat } from './helpers.ts';

const avx512 = addon.isaInfo().supported.includes('avx512');
let cacheDir = '';

function compiling(on: boolean): void {
  addon.configureCompiledComposites(
    on
      ? { cacheDir, includeDir: join(projectRoot, 'native', 'kernels'), compiler: 'cc', hotElements: 1 }
      : { cacheDir: '' },
  );
}

/** Random values in [-3, 3), with a few NaNs, infinities and signed zeros among them where
 * `special` (over thousands of rows they would make every column's sum NaN). */
function values(n: number, seed: number, special: boolean): Float32Array {
  const random = rng(seed);
  const specials = [Number.NaN, Infinity, -Infinity, 0, -0, 1e-40];
  return Float32Array.from({ length: n }, () =>
    special && random() < 0.01 ? specials[Math.floor(random() * specials.length)] : 6 * random() - 3,
  );
}

interface Program {
  buffers: BufferSpec[];
  steps: StepSpec[];
  outputs: number[];
}

/**
 * The backward cell's shape: three contiguous rows × width inputs; four outputs in the column
 * windows of a rows × 4·width buffer dz (the first `windows` of them; the rest into a buffer of
 * their own), a fifth contiguous one; then the sum of dz over its rows (or of `summed`'s
 * columns [0, n)). Under 1,000 rows the inputs hold NaNs, infinities and signed zeros too.
 */
function cellAndSum(
  rows: number,
  width: number,
  options: { windows?: number; summed?: 'dz' | 'contiguous' | 'overlapping'; twoPasses?: boolean } = {},
): Program {
  const windows = options.windows ?? 4;
  const pitch = 4 * width;
  const [x, y, z, dz, other, contiguous, sums] = [0, 1, 2, 3, 4, 5, 6];
  const constant = (size: number, seed: number): BufferSpec => ({
    dtype: 'float32',
    size,
    role: 'constant',
    init: values(size, seed, rows < 1000),
  });
  const temp = (size: number): BufferSpec => ({ dtype: 'float32', size, role: 'temp' });
  const buffers = [
    constant(rows * width, 1),
    constant(rows * width, 2),
    constant(rows * width, 3),
    temp(rows * pitch),
    temp(rows * pitch),
    temp(rows * width),
    temp(pitch),
  ];
  const exprs = [
    apply(
      'mul',
      apply('mul', input(0), input(1)),
      apply('sub', { const: 1 }, apply('sqr', apply('tanh', input(2)))),
    ),
    apply('add', apply('mul', input(0), input(2)), input(1)),
    apply('mul', input(1), apply('sub', { const: 1 }, input(1))),
    apply('sub', input(2), apply('mul', input(0), input(1))),
    apply('add', input(0), apply('sigmoid', input(2))),
  ];
  const out = [0, 1, 2, 3].map((j) => mat(j < windows ? dz : other, rows, width, width * j, pitch));
  out.push(mat(contiguous, rows, width));
  if (options.twoPasses) {
    // σ(x) kept by an output of its own: its walk computes and stores it in a first pass, the
    // rest (tanh(z) among them) in a second (native elementwise_codegen.c's rows_passes)
    buffers.push(temp(rows * width));
    exprs.push(apply('sigmoid', input(0)));
    out.push(mat(buffers.length - 1, rows, width));
  }
  const summed = options.summed ?? 'dz';
  const x_ =
    summed === 'contiguous'
      ? mat(contiguous, rows, width)
      : summed === 'overlapping' // dz's rows, shifted by half a window: outputs meet it in part
        ? mat(dz, rows - 1, 2 * width, width / 2, pitch)
        : mat(dz, rows, pitch);
  const n = x_.shape[1];
  return {
    buffers,
    steps: [
      {
        kernel: 'elementwise',
        inputs: [x, y, z].map((b) => mat(b, rows, width)),
        outputs: out,
        attrs: { outputs: exprs },
      },
      { kernel: 'reduce', inputs: [x_], outputs: [mat(sums, 1, n)], attrs: { op: 'sum', axes: [0] } },
    ],
    outputs: options.twoPasses ? [dz, contiguous, sums, buffers.length - 1] : [dz, contiguous, sums],
  };
}

interface Ran {
  /** dz, the contiguous output and the sums, as float32 bits (NaNs as -1). */
  bits: number[][];
  paired: number[];
  chained: boolean[];
}

/** Runs the program (as written, or with a copy between its two steps) hot: once to queue its
 * composite, then, compiled, again. */
function run(p: Program, options: { apart?: boolean; threads?: number } = {}): Ran {
  return asWrittenOrApart(p, options, (program, own) => {
    addon.run(program, []);
    addon.waitForCompiledComposites();
    return {
      // every NaN as one pattern: which NaN a sum of two keeps is the compiler's choice of operand order
      bits: addon
        .run(program, [])
        .map((r) =>
          Array.from(new Uint32Array(new Float32Array(r).buffer), (v) =>
            (v & 0x7fffffff) > 0x7f800000 ? -1 : v,
          ),
        ),
      paired: own(addon.pairedSteps(program)),
      chained: own(chainedSteps(addon.rowChains(program))),
    };
  });
}

/** The program as written and apart: the same bits; how the written one ran. */
function expectSameBitsApart(p: Program, threads = 1): Ran {
  const together = run(p, { threads });
  const apart = run(p, { apart: true, threads });
  expect(apart.paired).toEqual([0, 0]);
  together.bits.forEach((b, k) => expect(b, `output ${k}`).toEqual(apart.bits[k]));
  return together;
}

describe.skipIf(!avx512)('a composite that sums its rows for the reduce after it', () => {
  beforeAll(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'lab-composite-sums-'));
    compiling(true);
  });
  afterAll(() => {
    compiling(false);
    rmSync(cacheDir, { recursive: true, force: true });
  });

  // widths whose rows take 8-, 4-, 2- and 1-column pieces (20 = 16 + 4, 33 = 32 + 1, 47 = 40 + 4
  // + 2 + 1), 2 and 3 rows (all or all but one summed after the walk, the sums two rows behind)
  for (const [rows, width] of [
    [97, 20],
    [40, 16],
    [13, 33],
    [9, 47],
    [2, 20],
    [3, 24],
  ]) {
    it(`${rows} rows of four ${width}-column windows: summed while written, the reduce's bits`, () => {
      expect(expectSameBitsApart(cellAndSum(rows, width)).paired).toEqual([2, 0]);
    });
  }

  it('sums the rows of a walk in two passes as well, in a row-block chain too', () => {
    expect(expectSameBitsApart(cellAndSum(97, 20, { twoPasses: true })).paired).toEqual([2, 0]);
    expect(expectSameBitsApart(cellAndSum(4100, 20, { twoPasses: true })).chained).toEqual([false, true]);
  });

  it('sums a contiguous output (its rows one run) as well', () => {
    expect(expectSameBitsApart(cellAndSum(50, 20, { summed: 'contiguous' })).paired).toEqual([2, 0]);
  });

  it("in a row-block chain: each block's rows summed on from the block before", () => {
    const ran = expectSameBitsApart(cellAndSum(4100, 20));
    expect(ran.chained).toEqual([false, true]);
    expect(ran.paired).toEqual([2, 0]);
  });

  it('does not pair where the windows cover part of the sum, or an output meets it otherwise', () => {
    expect(expectSameBitsApart(cellAndSum(30, 20, { windows: 3 })).paired).toEqual([0, 0]);
    expect(expectSameBitsApart(cellAndSum(30, 20, { summed: 'overlapping' })).paired).toEqual([0, 0]);
  });

  it('runs the two apart, the same bits, where the composite is interpreted or split over threads', () => {
    compiling(false);
    try {
      expect(expectSameBitsApart(cellAndSum(97, 20)).paired).toEqual([0, 0]);
    } finally {
      compiling(true);
    }
    // 4,000 × 20 elements: the walk splits over two threads (no chain forms on more than one)
    expect(expectSameBitsApart(cellAndSum(4000, 20), 2).paired).toEqual([0, 0]);
    // under 2^16 elements the walk stays on one thread, and the pair forms
    expect(expectSameBitsApart(cellAndSum(97, 20), 2).paired).toEqual([2, 0]);
  });
});
