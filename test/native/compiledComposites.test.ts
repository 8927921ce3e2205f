// Composites compiled to C at run time (native/kernels/elementwise_jit.h) against the tile
// interpreter running the same program: every op with lane code, over NaN, infinities, signed
// zeros, denormals and ordinary values, in one-row walks with masked tails, in block mode over
// the 20-column windows of an LSTM's gate rows with several outputs (some written in place, one
// the same register as an input), in place over an input, and split over two threads — each the
// interpreter's bits. Then what stays interpreted: ops without lane code, and a compiler that
// fails. Each program runs interpreted first (compiling off), then hot; the compiler's counters
// say it was built or loaded.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeArray, ScalarExpr, ScalarOpName, StepSpec } from '../../native/program.ts';
import { projectRoot } from '../../native/paths.ts';
import { addon, allocate, contiguousStrides, rng } from './helpers.ts';

const apply = (op: ScalarOpName, ...args: ScalarExpr[]): ScalarExpr => ({ op, args });
const input = (i: number): ScalarExpr => ({ input: i });
const k = (value: number): ScalarExpr => ({ const: value });
const [x, y, z] = [input(0), input(1), input(2)];

const avx512 = addon.isaInfo().supported.includes('avx512');
const includeDir = join(projectRoot, 'native', 'kernels');
let cacheDir = '';

function compiling(on: boolean, compiler = 'cc'): void {
  addon.configureCompiledComposites(
    on ? { cacheDir, includeDir, compiler, hotElements: 1 } : { cacheDir: '' },
  );
}

interface View {
  buffer: number;
  offset: number;
  shape: number[];
  strides: number[];
}
const whole = (buffer: number, shape: number[]): View => ({
  buffer,
  offset: 0,
  shape,
  strides: contiguousStrides(shape),
});

/** One elementwise step over float32 buffers (inputs by value, outputs read back), kept to run
 * again: the same composite, interpreted and then compiled. `reserve` floats of working memory
 * that no step touches make the program as large as a long unroll's. */
function composite(
  buffers: NativeArray[],
  inputs: View[],
  outputs: View[],
  exprs: ScalarExpr[],
  returned: number[],
  reserve = 0,
): () => NativeArray[] {
  const fed = buffers.map((_, b) => b).filter((b) => !returned.includes(b));
  const program = addon.createProgram({
    buffers: [
      ...buffers.map((data, b) =>
        returned.includes(b)
          ? { dtype: 'float32' as const, size: data.length, role: 'temp' as const, init: data }
          : { dtype: 'float32' as const, size: data.length, role: 'input' as const },
      ),
      ...(reserve > 0 ? [{ dtype: 'float32' as const, size: reserve, role: 'temp' as const }] : []),
    ],
    steps: [{ kernel: 'elementwise', inputs, outputs, attrs: { outputs: exprs } } as StepSpec],
    inputs: fed,
    outputs: returned,
  });
  return () =>
    addon.run(
      program,
      fed.map((b) => buffers[b]),
    );
}

/** A compiler (in the cache folder) that keeps a copy of each source it builds, to read them:
 * `sources()` their texts, `remove()` the copies' folder. */
function keepingCompiler(): { compiler: string; sources: () => string[]; remove: () => void } {
  const folder = mkdtempSync(join(tmpdir(), 'lab-composite-sources-'));
  const compiler = join(cacheDir, 'keeping-cc');
  writeFileSync(
    compiler,
    `#!/bin/sh\nfor a in "$@"; do case "$a" in *.c) cp "$a" '${folder}/';; esac; done\nexec cc "$@"\n`,
  );
  chmodSync(compiler, 0o755);
  return {
    compiler,
    sources: () => readdirSync(folder).map((f) => readFileSync(join(folder, f), 'utf8')),
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
}

/** Float32 bits, every NaN as one pattern (a NaN's payload is not part of the contract). */
function bits(a: NativeArray): number[] {
  return Array.from(new Uint32Array(new Float32Array(a).buffer), (b) =>
    (b & 0x7fffffff) > 0x7f800000 ? -1 : b,
  );
}

/** Values that exercise the ops' edge cases, then uniform ones in [-6, 6). */
function edgyValues(n: number, seed: number): Float32Array {
  const special = [
    NaN,
    Infinity,
    -Infinity,
    0,
    -0,
    1e-40,
    -1e-40,
    1,
    -1,
    0.5,
    88.5,
    -88.5,
    100,
    -100,
    1e-4,
    3,
  ];
  const random = rng(seed);
  return Float32Array.from({ length: n }, (_, i) =>
    random() < 0.25 ? special[Math.floor(random() * special.length)] : (i % 7) - 3 + random() * 6 - 3,
  );
}

/** Runs `run` interpreted, then compiled; expects the same bits and a compile or a cache load.
 * Returns how many of the compiled run's kernel calls ran on the operands' rows in place. */
function expectCompiledSameBits(run: () => NativeArray[]): number {
  compiling(false);
  const interpreted = run();
  compiling(true);
  const before = addon.compiledCompositesStats();
  run(); // hot from its first element: queued
  addon.waitForCompiledComposites();
  const after = addon.compiledCompositesStats();
  expect(after.failed, after.lastError).toBe(before.failed);
  expect(after.compiled + after.loaded).toBe(before.compiled + before.loaded + 1);
  const compiled = run();
  compiled.forEach((out, o) => expect(bits(out), `output ${o}`).toEqual(bits(interpreted[o])));
  return addon.compiledCompositesStats().rowWalks - after.rowWalks;
}

/**
 * A program that updates a buffer in place, run twice interpreted and twice in a fresh copy with
 * compiling on (its first run interpreted, queuing it; expects a compile or a cache load): the
 * second runs' outputs, and the row walks of the compiled second run.
 */
function secondRuns(make: () => () => NativeArray[]): {
  interpreted: NativeArray;
  compiled: NativeArray;
  rowWalks: number;
} {
  compiling(false);
  const interpreted = make();
  interpreted();
  const twice = interpreted()[0];
  compiling(true);
  const compiled = make();
  const before = addon.compiledCompositesStats();
  compiled();
  addon.waitForCompiledComposites();
  const after = addon.compiledCompositesStats();
  expect(after.compiled + after.loaded).toBe(before.compiled + before.loaded + 1);
  const second = compiled()[0];
  return {
    interpreted: twice,
    compiled: second,
    rowWalks: addon.compiledCompositesStats().rowWalks - after.rowWalks,
  };
}

describe.skipIf(!avx512)('elementwise composites compiled to C at run time', () => {
  beforeAll(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'lab-composites-'));
  });
  afterAll(() => {
    compiling(false);
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const n = 1000 + 7; // three whole tiles and one of 239 elements: 14 vectors and a masked tail of 15
  /** A composite of inputs x and y (n values each, from seeds `seed` and `seed` + 1) into one output. */
  const overTwo = (exprs: ScalarExpr[], seed: number) =>
    composite(
      [edgyValues(n, seed), edgyValues(n, seed + 1), allocate('float32', n)],
      [whole(0, [n]), whole(1, [n])],
      [whole(2, [n])],
      exprs,
      [2],
    );
  const opsWithLaneCode: ScalarExpr[][] = [
    [
      apply('add', x, y),
      apply('sub', x, y),
      apply('mul', x, y),
      apply('div', x, y),
      apply('neg', x),
      apply('sqr', x),
      apply('sqrt', x),
      apply('rsqrt', y),
      apply('exp', x),
      apply('log', x),
      apply('log', y),
      apply('abs', y),
      apply('sign', x),
      apply('tanh', x),
      apply('sigmoid', y),
      apply('relu', x),
      apply('maximum', x, y),
      apply('minimum', y, x),
      apply('clip', x, y, z),
      apply('where', z, x, y),
    ],
    [
      apply('lt', x, y),
      apply('le', x, y),
      apply('gt', x, y),
      apply('ge', x, y),
      apply('eq', x, z),
      apply('ne', x, z),
      apply('and', x, z),
      apply('or', z, y),
      apply('not', x),
      apply('xor', x, y),
      { op: 'cast', args: [x], dtype: 'bool' },
      { op: 'cast', args: [apply('mul', x, k(3))], dtype: 'float32' },
      apply('identity', y), // an input's register: the interpreter's copy writes it
      k(Number.NaN), // a constant's register
      apply('mul', x, apply('sub', k(1), x)), // fused x·(1 − x)
      apply('sub', k(1), apply('sqr', y)), // fused 1 − y²
      apply('add', apply('mul', x, y), z), // a chain, a·b + c
      apply('sub', z, apply('mul', x, y)), // c − a·b
      apply('mul', apply('sub', x, y), apply('add', y, z)),
      apply('tanh', apply('add', apply('mul', apply('sigmoid', x), z), apply('sigmoid', y))),
    ],
  ];

  opsWithLaneCode.forEach((exprs, group) =>
    it(`ops group ${group + 1}: the interpreter's bits in a one-row walk with a masked tail`, () => {
      const buffers: NativeArray[] = [edgyValues(n, 1), edgyValues(n, 2), edgyValues(n, 3)];
      exprs.forEach(() => buffers.push(allocate('float32', n)));
      const returned = exprs.map((_, o) => 3 + o);
      const run = composite(
        buffers,
        [0, 1, 2].map((b) => whole(b, [n])),
        returned.map((b) => whole(b, [n])),
        exprs,
        returned,
      );
      expectCompiledSameBits(run);
    }),
  );

  it("log over float32 values of every exponent, denormals and specials: the interpreter's bits", () => {
    // 2^16 bit patterns 65,537 apart cover the whole range, both signs, with varied significands
    const patterns = Uint32Array.from({ length: 1 << 16 }, (_, i) => (i * 65537) >>> 0);
    const values = new Float32Array(patterns.buffer);
    const run = composite(
      [values, allocate('float32', values.length)],
      [whole(0, [values.length])],
      [whole(1, [values.length])],
      [apply('log', x)],
      [1],
    );
    expectCompiledSameBits(run);
  });

  // The LSTM cell's forward composite in block mode: the gates' four 20-column windows of an
  // 80-wide row (strided inputs moved into tiles), c, and seven outputs.
  function lstmCell(rows: number, width = 20): () => NativeArray[] {
    const gates = edgyValues(rows * 4 * width, 4);
    const c = edgyValues(rows * width, 5);
    const window = (j: number): View => ({
      buffer: 0,
      offset: width * j,
      shape: [rows, width],
      strides: [4 * width, 1],
    });
    const sig = (j: number) => apply('sigmoid', input(j));
    const cNext = apply('add', apply('mul', sig(1), input(4)), apply('mul', sig(0), apply('tanh', input(2))));
    const exprs = [
      apply('mul', sig(3), apply('tanh', cNext)),
      cNext,
      sig(0),
      sig(1),
      sig(3),
      apply('tanh', input(2)),
      apply('tanh', cNext),
    ];
    const buffers: NativeArray[] = [gates, c, ...exprs.map(() => allocate('float32', rows * width))];
    const returned = exprs.map((_, o) => 2 + o);
    return composite(
      buffers,
      [window(0), window(1), window(2), window(3), whole(1, [rows, width])],
      returned.map((b) => whole(b, [rows, width])),
      exprs,
      returned,
    );
  }

  it("an LSTM cell's seven outputs in block mode, its gate windows read in place", () => {
    expect(expectCompiledSameBits(lstmCell(203))).toBe(1);
    expect(expectCompiledSameBits(lstmCell(4))).toBe(1); // one group of rows, nothing after it
  });

  it('the same cell split over two threads (2^16 elements and more)', () => {
    addon.setThreads(2);
    try {
      expect(expectCompiledSameBits(lstmCell(3500))).toBe(1);
    } finally {
      addon.setThreads(1);
    }
  });

  // The backward cell's shape: contiguous inputs, and outputs in the column windows of one wide
  // buffer, a row-broadcast input (stride 0), an output that is an input and one a constant.
  function windowsOut(rows: number, width: number, pitch: number, reserve = 0): () => NativeArray[] {
    const exprs = [
      apply('mul', apply('mul', x, y), apply('sub', k(1), apply('sqr', z))),
      apply('add', apply('mul', x, z), y),
      y,
      k(-0.5),
    ];
    const wide = allocate('float32', rows * pitch);
    const window = (j: number): View => ({
      buffer: 3,
      offset: width * j,
      shape: [rows, width],
      strides: [pitch, 1],
    });
    const row: View = { buffer: 2, offset: 0, shape: [rows, width], strides: [0, 1] };
    return composite(
      [edgyValues(rows * width, 15), edgyValues(rows * width, 16), edgyValues(width, 17), wide],
      [whole(0, [rows, width]), whole(1, [rows, width]), row],
      exprs.map((_, j) => window(j)),
      exprs,
      [3],
      reserve,
    );
  }

  // Row widths whose rows end inside vectors (20, 24, 33, 36, 40) or only at their ends (16, 48).
  for (const [rows, width, pitch] of [
    [97, 20, 80],
    [7, 16, 64],
    [5, 33, 132],
    [2, 20, 80],
    [9, 24, 96],
    [11, 40, 160],
    [6, 48, 192],
    [13, 36, 144],
  ]) {
    it(`writes ${rows} rows of ${width} into ${pitch}-wide rows in place, a vector spanning two rows`, () => {
      expect(expectCompiledSameBits(windowsOut(rows, width, pitch))).toBe(1);
    });
  }

  it('prefetches its contiguous inputs ahead in a program of 128 MiB or more, with the same bits', () => {
    const keeping = keepingCompiler(); // to read the prefetches in the source
    try {
      compiling(false);
      // a width no test above compiles, so this process builds it (and the compiler sees it)
      const interpreted = windowsOut(61, 28, 112)();
      const walks = (): number[] => {
        const s = addon.compiledCompositesStats();
        return [s.rowWalks, s.prefetchedRowWalks];
      };
      compiling(true, keeping.compiler);
      const large = windowsOut(61, 28, 112, 32 << 20); // 128 MiB never touched: no page faulted in
      large(); // queues it
      addon.waitForCompiledComposites();
      const [walked, prefetched] = walks();
      expect(bits(large()[0])).toEqual(bits(interpreted[0]));
      expect(walks()).toEqual([walked + 1, prefetched + 1]);
      const small = windowsOut(61, 28, 112); // the same composite, loaded from the cache
      small();
      addon.waitForCompiledComposites();
      const [walkedSmall, prefetchedSmall] = walks();
      expect(bits(small()[0])).toEqual(bits(interpreted[0]));
      expect(walks()).toEqual([walkedSmall + 1, prefetchedSmall]);
      // x and y have contiguous rows; z, one row broadcast to all, has none to prefetch.
      const [source] = keeping.sources();
      expect(source).toContain('if (prefetch) lab_ew_prefetch(r0, e);');
      expect(source).toContain('if (prefetch) lab_ew_prefetch(r1, e);');
      expect(source).not.toContain('lab_ew_prefetch(r2');
      // its outputs are windows of wider rows: none prefetched for writing
      expect(source).not.toContain('lab_ew_prefetch_write(');
    } finally {
      compiling(false);
      keeping.remove();
    }
  });

  it("walks an LSTM cell in two passes, its gates' sigmoids and tanh first, with the interpreter's bits", () => {
    const keeping = keepingCompiler(); // to read the passes in the source
    try {
      // 24-column windows, which no test above compiles: 1,776 elements, three blocks and a part
      compiling(false);
      const cell = lstmCell(74, 24);
      const interpreted = cell();
      compiling(true, keeping.compiler);
      cell();
      addon.waitForCompiledComposites();
      cell().forEach((out, o) => expect(bits(out), `output ${o}`).toEqual(bits(interpreted[o])));
      const [source] = keeping.sources();
      expect(source).toContain('lab_ew_rows_walk_two_passes(rows, base, stride, sums, 1)');
      const walk = source.slice(
        source.indexOf('void lab_ew_rows_walk_two_passes('),
        source.indexOf('LAB_AVX512 void lab_ew_rows('),
      );
      // the first pass computes σ(i), σ(f), σ(o) and tanh(g); the second loads them back from their
      // outputs, and computes c, tanh(c) and h
      expect(walk.match(/sigmoid16\(/g)).toHaveLength(3);
      expect(walk.match(/tanh16\(/g)).toHaveLength(2);
      expect(walk.match(/= _mm512_maskz_loadu_ps\(m, o\d+ \+ e\);/g)).toHaveLength(4);
      // each (contiguous) output's lines asked for writing once, in the pass that stores it
      const written = (pass: string): string[] =>
        [...pass.matchAll(/if \(prefetch\) lab_ew_prefetch_write\(o(\d+), e\);/g)].map((w) => w[1]).sort();
      const second = walk.indexOf('for (int64_t e = block;', walk.indexOf('for (int64_t e = block;') + 1);
      expect(written(walk.slice(0, second))).toEqual(['2', '3', '4', '5']);
      expect(written(walk.slice(second))).toEqual(['0', '1', '6']);
    } finally {
      compiling(false);
      keeping.remove();
    }
  });

  it('walks in one pass where an output of the first pass is the very view of an input the second reads', () => {
    // y ← σ(y) in place, and tanh(x·y + 1/4) of the y read: a first pass would store σ(y) into y
    // before the second read y there.
    const rows = 45;
    const start = edgyValues(rows * 20, 26);
    const gates: View = { buffer: 0, offset: 20, shape: [rows, 20], strides: [80, 1] }; // read in place
    const exprs = [
      apply('sigmoid', input(1)),
      apply('tanh', apply('add', apply('mul', input(0), input(1)), k(0.25))),
    ];
    const make = () =>
      composite(
        [edgyValues(rows * 80, 25), Float32Array.from(start), allocate('float32', rows * 20)],
        [gates, whole(1, [rows, 20])],
        [whole(1, [rows, 20]), whole(2, [rows, 20])],
        exprs,
        [2, 1],
      );
    const runs = secondRuns(make);
    expect(bits(runs.compiled)).toEqual(bits(runs.interpreted));
    expect(runs.rowWalks).toBe(1);
  });

  it('moves rows under 16 elements, or operands all contiguous, through tiles as before', () => {
    expect(expectCompiledSameBits(windowsOut(50, 12, 48))).toBe(0);
    expect(expectCompiledSameBits(windowsOut(1, 20, 80))).toBe(0); // one row: a one-row walk
    const exprs = [apply('mul', apply('sigmoid', x), y)];
    const contiguous = composite(
      [edgyValues(40 * 20, 18), edgyValues(40 * 20, 19), allocate('float32', 40 * 20)],
      [whole(0, [40, 20]), whole(1, [40, 20])],
      [whole(2, [40, 20])],
      exprs,
      [2],
    );
    expect(expectCompiledSameBits(contiguous)).toBe(0);
  });

  it('updates a window of a wide buffer in place, the same view read and written', () => {
    const start = edgyValues(60 * 80, 20);
    const window: View = { buffer: 0, offset: 20, shape: [60, 20], strides: [80, 1] };
    const update = [apply('add', apply('mul', x, k(0.5)), apply('tanh', y))];
    const make = () =>
      composite(
        [Float32Array.from(start), edgyValues(60 * 20, 21)],
        [window, whole(1, [60, 20])],
        [window],
        update,
        [0],
      );
    const runs = secondRuns(make);
    expect(bits(runs.compiled)).toEqual(bits(runs.interpreted));
    expect(runs.rowWalks).toBe(1);
  });

  it('writes in place over its input, as an optimizer step does (x ← x·0.9 + exp(y)·0.1)', () => {
    const start = edgyValues(n, 6);
    const step = edgyValues(n, 7);
    const update = apply('add', apply('mul', x, k(0.9)), apply('mul', apply('exp', y), k(0.1)));
    const view = whole(0, [n]);
    // Buffer 0 is the step's input and its output, kept from run to run: two steps each.
    const make = () =>
      composite([Float32Array.from(start), step], [view, whole(1, [n])], [view], [update], [0]);
    const runs = secondRuns(make);
    expect(bits(runs.compiled)).toEqual(bits(runs.interpreted));
  });

  it('loads a composite built before from the cache instead of building it again', () => {
    const exprs = [apply('mul', apply('sigmoid', x), apply('add', y, k(0.25)))];
    const make = () => overTwo(exprs, 8);
    compiling(true);
    const first = addon.compiledCompositesStats();
    make()();
    addon.waitForCompiledComposites();
    const built = addon.compiledCompositesStats();
    expect(built.compiled).toBe(first.compiled + 1);
    make()();
    addon.waitForCompiledComposites();
    const reused = addon.compiledCompositesStats();
    expect([reused.compiled, reused.loaded]).toEqual([built.compiled, built.loaded + 1]);
  });

  it('creates its cache folder and the missing folders above it, as ~/.cache/curriculum-lab on a new machine', () => {
    const root = mkdtempSync(join(tmpdir(), 'lab-composites-fresh-'));
    const folder = join(root, '.cache', 'curriculum-lab', 'composites');
    try {
      addon.configureCompiledComposites({ cacheDir: folder, includeDir, compiler: 'cc', hotElements: 1 });
      const before = addon.compiledCompositesStats();
      overTwo([apply('add', apply('sigmoid', x), apply('mul', y, k(0.375)))], 24)();
      addon.waitForCompiledComposites();
      const after = addon.compiledCompositesStats();
      expect(after.failed, after.lastError).toBe(before.failed);
      expect(after.compiled).toBe(before.compiled + 1);
      expect(readdirSync(folder).filter((f) => f.endsWith('.so'))).toHaveLength(1);
    } finally {
      compiling(false);
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('removes the files of builds that processes which exited left behind, and keeps those of running ones', () => {
    const folder = mkdtempSync(join(tmpdir(), 'lab-composites-abandoned-'));
    const exited = spawnSync('true').pid!; // a process that has ended: its pid names no process now
    const hash = 'ab'.repeat(16);
    const abandoned = ['c', 'log', 'so.partial'].map((suffix) => `ew-${hash}.${exited}.${suffix}`);
    const running = `ew-${hash}.${process.ppid}.c`; // the test runner's parent, alive
    for (const name of [...abandoned, running]) writeFileSync(join(folder, name), '');
    try {
      addon.configureCompiledComposites({ cacheDir: folder, includeDir, compiler: 'cc', hotElements: 1 });
      const exprs = [apply('mul', apply('tanh', x), k(0.125))];
      composite([edgyValues(n, 22), allocate('float32', n)], [whole(0, [n])], [whole(1, [n])], exprs, [1])();
      addon.waitForCompiledComposites();
      const left = readdirSync(folder);
      expect(left.filter((f) => abandoned.includes(f))).toEqual([]);
      expect(left).toContain(running);
      expect(left.filter((f) => f.endsWith('.so'))).toHaveLength(1);
    } finally {
      compiling(false);
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('keeps a composite with an op that has no lane code (log1p, pow, an int32 cast) interpreted', () => {
    compiling(true);
    for (const expr of [
      apply('log1p', x),
      apply('pow', x, y),
      { op: 'cast', args: [x], dtype: 'int32' } as ScalarExpr,
    ]) {
      const before = addon.compiledCompositesStats();
      overTwo([expr], 10)();
      addon.waitForCompiledComposites();
      expect(addon.compiledCompositesStats().queued).toBe(before.queued);
    }
  });

  it('says once that there is no C compiler, and runs every composite interpreted', () => {
    const missing = join(cacheDir, 'no-such-cc');
    const before = addon.compiledCompositesStats();
    for (const scale of [0.5, 0.25]) {
      const exprs = [apply('mul', apply('sigmoid', x), k(scale))];
      const run = composite(
        [edgyValues(n, 14), allocate('float32', n)],
        [whole(0, [n])],
        [whole(1, [n])],
        exprs,
        [1],
      );
      compiling(false);
      const interpreted = run()[0];
      compiling(true, missing);
      run();
      addon.waitForCompiledComposites();
      expect(bits(run()[0])).toEqual(bits(interpreted));
    }
    const after = addon.compiledCompositesStats();
    expect(after.queued).toBe(before.queued + 2);
    expect(after.failed).toBe(before.failed + 1);
    expect(after.lastError).toContain(
      `no C compiler for compiled composites: \`${missing} --version\` failed`,
    );
  });

  it('runs interpreted, with the same results, when the compiler fails, and says where its messages are', () => {
    const failing = join(cacheDir, 'failing-cc');
    writeFileSync(
      failing,
      '#!/bin/sh\nif [ "$1" = --version ]; then echo "failing-cc 1.0"; exit 0; fi\necho "no: broken on purpose" >&2\nexit 1\n',
    );
    chmodSync(failing, 0o755);
    const exprs = [apply('sub', apply('tanh', x), apply('mul', y, k(0.75)))];
    const run = overTwo(exprs, 12);
    compiling(false);
    const interpreted = run()[0];
    compiling(true, failing);
    const before = addon.compiledCompositesStats();
    run();
    addon.waitForCompiledComposites();
    const after = addon.compiledCompositesStats();
    expect(after.failed).toBe(before.failed + 1);
    expect(after.lastError).toMatch(/could not build .*ew-[0-9a-f]{32}\.\d+\.c; its messages are in .*\.log/);
    expect(bits(run()[0])).toEqual(bits(interpreted));
  });
});
