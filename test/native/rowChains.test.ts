// Row-block chains (native/src/row_blocks.c) longer than a gemm pair: the L2L LSTM's forward
// step (its preprocessing over 1-d views, the concatenation, the gates, the cell, the output
// layer and the update), its backward step (the cell's gradient written as four column windows,
// the bias gradient summed over the rows, dz·Wᵀ and the layer below), and chains that must stop:
// at a step reading whole what the chain writes, at a buffer reused with another row pitch, at a
// reduce whose output the chain reads, at a sum over one column (its own order of additions),
// and on two threads. Each program runs as written and with a copy step between every two of its
// steps (so nothing chains); the outputs must be the same bits. addon.rowChains says which steps
// ran chained, and a profile still times each of them.
import { describe, expect, it } from 'vitest';
import type { BufferSpec, ScalarExpr, StepSpec, View } from '../../native/program.ts';
import { addon, apply, asWrittenOrApart, chainedSteps, input, rng, rowsOf as mat } from './helpers.ts';

// rows: the gates, 4100 × 80 float32, are 1.25 MiB, over a chain's 1 MiB; in blocks of 768 rows
// (whole k-pieces of 256 for a weight gradient), the last block has 260, at least a piece
const m = 4100;

const vec = (buffer: number, n: number, offset = 0): View => ({ buffer, offset, shape: [n], strides: [1] });

/** A program's buffers (random constants, temps) and steps, built up by the cases below. */
class Builder {
  readonly buffers: BufferSpec[] = [];
  readonly steps: StepSpec[] = [];
  private readonly random = rng(7);

  constant(size: number): number {
    const init = new Float32Array(size);
    for (let i = 0; i < size; i++) init[i] = 2 * this.random() - 1;
    this.buffers.push({ dtype: 'float32', size, role: 'constant', init });
    return this.buffers.length - 1;
  }

  temp(size: number, initialised = false): number {
    const spec: BufferSpec = { dtype: 'float32', size, role: 'temp' };
    if (initialised) {
      const init = new Float32Array(size);
      for (let i = 0; i < size; i++) init[i] = 2 * this.random() - 1;
      spec.init = init;
    }
    this.buffers.push(spec);
    return this.buffers.length - 1;
  }

  gemm(a: View, b: View, z: View, attrs: { transA?: boolean; transB?: boolean }, c?: View): void {
    this.steps.push({
      kernel: 'gemm',
      inputs: c ? [a, b, c] : [a, b],
      outputs: [z],
      attrs: { transA: !!attrs.transA, transB: !!attrs.transB, alpha: 1, ...(c ? { beta: 1 } : {}) },
    });
  }

  elementwise(inputs: View[], outputs: View[], exprs: ScalarExpr[]): void {
    this.steps.push({ kernel: 'elementwise', inputs, outputs, attrs: { outputs: exprs } });
  }

  sumRows(x: View, y: View): void {
    this.steps.push({ kernel: 'reduce', inputs: [x], outputs: [y], attrs: { op: 'sum', axes: [0] } });
  }
}

interface Ran {
  results: number[][];
  /** The temps the chains kept block-local (addon.blockLocalBuffers). */
  locals: number[];
  /** Each of the program's own steps: its time, and whether it ran chained to the step before. */
  seconds: Float64Array;
  chained: boolean[];
  /** Per own step, the lines listed for the products before it to prefetch, and those taken. */
  listed: number[];
  taken: number[];
}

/** Runs the built program (steps as built, or with a copy between every two) and returns the
 * given buffers' contents and the steps' times (the program's own steps only). */
function run(
  b: Builder,
  outputs: number[],
  options: { apart?: boolean; threads?: number; calls?: number } = {},
): Ran {
  return asWrittenOrApart({ buffers: b.buffers, steps: b.steps, outputs }, options, (program, own) => {
    const seconds = new Float64Array(options.apart ? 2 * b.steps.length - 1 : b.steps.length);
    let got = addon.run(program, [], seconds);
    for (let call = 1; call < (options.calls ?? 1); call++) got = addon.run(program, []);
    const lookahead = addon.lookahead(program);
    return {
      results: got.map((x) => Array.from(x)),
      locals: Array.from(addon.blockLocalBuffers(program)),
      seconds: Float64Array.from(own(seconds)),
      chained: own(chainedSteps(addon.rowChains(program))),
      listed: own(lookahead.listed),
      taken: own(lookahead.taken),
    };
  });
}

/** The forward step: g → (p1, p2) → [p1 p2] → gates = [p1 p2]·Wx + b → cell → h·Wy → θ += 0.1·y.
 * `then` adds a last step that reads θ whole (as the optimizee's weights do). */
function forward(then: 'none' | 'readWhole') {
  const b = new Builder();
  const g = b.constant(m);
  const wx = b.constant(2 * 80);
  const bias = b.constant(80);
  const wy = b.constant(20);
  const p = b.temp(2 * m);
  const x = b.temp(2 * m);
  const gates = b.temp(m * 80);
  const h = b.temp(m * 20);
  const c = b.temp(m * 20, true);
  const y = b.temp(m);
  const theta = b.temp(m, true);
  b.elementwise(
    [vec(g, m)],
    [vec(p, m), vec(p, m, m)],
    [apply('tanh', input(0)), apply('mul', input(0), { const: 0.5 })],
  );
  b.steps.push({
    kernel: 'concatenate',
    inputs: [mat(p, m, 1), mat(p, m, 1, m)],
    outputs: [mat(x, m, 2)],
    attrs: { axis: 1 },
  });
  b.gemm(
    mat(x, m, 2),
    mat(wx, 2, 80),
    mat(gates, m, 80),
    {},
    { buffer: bias, offset: 0, shape: [m, 80], strides: [0, 1] },
  );
  // the cell: c′ = σ(f)·c + σ(i)·tanh(g), in place over c; h = σ(o)·tanh(c′)
  const cell = apply(
    'add',
    apply('mul', apply('sigmoid', input(1)), input(4)),
    apply('mul', apply('sigmoid', input(0)), apply('tanh', input(2))),
  );
  b.elementwise(
    [
      mat(gates, m, 20, 0, 80),
      mat(gates, m, 20, 20, 80),
      mat(gates, m, 20, 40, 80),
      mat(gates, m, 20, 60, 80),
      mat(c, m, 20),
    ],
    [mat(c, m, 20), mat(h, m, 20)],
    [cell, apply('mul', apply('sigmoid', input(3)), apply('tanh', cell))],
  );
  b.gemm(mat(h, m, 20), mat(wy, 20, 1), mat(y, m, 1), {});
  b.elementwise(
    [vec(theta, m), vec(y, m)],
    [vec(theta, m)],
    [apply('add', input(0), apply('mul', input(1), { const: 0.1 }))],
  );
  const outputs = [p, x, gates, c, h, y, theta];
  const buffers = { p, x, gates, c, h, y, theta };
  if (then === 'readWhole') {
    const out = b.temp(m * 20);
    // θ's last 160 values as an 8 × 20 B, read whole by every block: the update of the rows the
    // last block holds must be finished before any block of this product
    b.gemm(mat(h, m, 8, 0, 20), mat(theta, 8, 20, m - 160), mat(out, m, 20), {});
    outputs.push(out);
  }
  return { b, outputs, buffers };
}

/** A step no chain takes (a copy of a few floats): the steps after it run after the chain. */
/** Where two runs' results first differ ("result 2 [17]: 0.5 vs 0.25"), or null: a short
 * message where toEqual would print the whole of a long array. */
function firstDifference(x: number[][], y: number[][]): string | null {
  for (let r = 0; r < x.length; r++) {
    const at = x[r].findIndex((v, i) => !Object.is(v, y[r][i]));
    if (at >= 0 || x[r].length !== y[r].length) return `result ${r} [${at}]: ${x[r][at]} vs ${y[r][at]}`;
  }
  return null;
}

function chainBreak(b: Builder): void {
  const scratch = b.temp(8);
  b.steps.push({ kernel: 'copy', inputs: [vec(scratch, 4)], outputs: [vec(scratch, 4, 4)], attrs: {} });
}

/** The backward step over `rows` rows: dh = dz′·W1ᵀ, += dz″·W2ᵀ as a pair; the cell's gradient
 * as four column windows of dz; the bias gradient (a sum over the rows); dx = dz·W2ᵀ; the layer
 * below; then the tail. */
function backward(
  tail: 'none' | 'sumOneColumn' | 'readSum' | 'otherPitch' | 'weightGradients' | 'smallGradient' | 'fill',
  rows = m,
) {
  const b = new Builder();
  const dzNext = b.constant(rows * 80);
  const dzLower = b.constant(rows * 80);
  const w1 = b.constant(20 * 80);
  const w2 = b.constant(20 * 80);
  const saved = [0, 1, 2].map(() => b.constant(rows * 20));
  const dh = b.temp(rows * 80); // room for 'otherPitch'; dh itself is its first rows × 20
  const dz = b.temp(rows * 80);
  const dc = b.temp(rows * 20, true);
  const biasGrad = b.temp(80);
  const dx = b.temp(rows * 20);
  const below = b.temp(rows * 20);
  b.gemm(mat(dzNext, rows, 80), mat(w1, 20, 80), mat(dh, rows, 20), { transB: true });
  b.gemm(mat(dzLower, rows, 80), mat(w2, 20, 80), mat(dh, rows, 20), { transB: true }, mat(dh, rows, 20));
  const dcNew = apply(
    'add',
    input(1),
    apply('mul', input(0), apply('sub', { const: 1 }, apply('sqr', input(2)))),
  );
  b.elementwise(
    [
      mat(dh, rows, 20),
      mat(dc, rows, 20),
      mat(saved[0], rows, 20),
      mat(saved[1], rows, 20),
      mat(saved[2], rows, 20),
    ],
    [
      mat(dz, rows, 20, 0, 80),
      mat(dc, rows, 20),
      mat(dz, rows, 20, 20, 80),
      mat(dz, rows, 20, 40, 80),
      mat(dz, rows, 20, 60, 80),
    ],
    [
      apply('mul', dcNew, input(3)),
      dcNew,
      apply('mul', dcNew, input(4)),
      apply('mul', input(0), input(2)),
      apply('mul', input(0), apply('sigmoid', input(4))),
    ],
  );
  b.sumRows(mat(dz, rows, 80), mat(biasGrad, 1, 80));
  b.gemm(mat(dz, rows, 80), mat(w2, 20, 80), mat(dx, rows, 20), { transB: true });
  b.elementwise(
    [mat(dx, rows, 20), mat(saved[1], rows, 20)],
    [mat(below, rows, 20)],
    [apply('mul', input(0), input(1))],
  );
  const outputs = [dh, dz, dc, biasGrad, dx, below];
  if (tail === 'sumOneColumn') {
    const colSum = b.temp(1);
    b.sumRows(mat(below, rows, 1, 0, 20), mat(colSum, 1, 1));
    outputs.push(colSum);
  } else if (tail === 'readSum') {
    // reads the bias gradient, which is complete only after the chain's last block
    const scaled = b.temp(rows * 20);
    b.elementwise(
      [mat(below, rows, 20), { buffer: biasGrad, offset: 0, shape: [rows, 20], strides: [0, 1] }],
      [mat(scaled, rows, 20)],
      [apply('mul', input(0), input(1))],
    );
    outputs.push(scaled);
  } else if (tail === 'otherPitch') {
    // dh's buffer again, now with rows 80 floats apart: its block 0 covers rows of the old dh a
    // later block has still to read
    b.elementwise([mat(below, rows, 20)], [mat(dh, rows, 20, 0, 80)], [apply('neg', input(0))]);
  } else if (tail === 'weightGradients') {
    // the weight gradients xᵀ·dz: k along the chain's rows, each Z summed over the blocks
    const first = b.temp(20 * 80);
    const second = b.temp(20 * 80, true);
    const after = b.temp(rows * 20);
    /** z += xᵀ·dy, in place (C = Z) */
    const addInto = (x: number, dy: number, z: number) =>
      b.gemm(mat(x, rows, 20), mat(dy, rows, 80), mat(z, 20, 80), { transA: true }, mat(z, 20, 80));
    b.gemm(mat(saved[0], rows, 20), mat(dz, rows, 80), mat(first, 20, 80), { transA: true });
    addInto(saved[1], dzLower, second);
    b.elementwise([mat(below, rows, 20)], [mat(after, rows, 20)], [apply('neg', input(0))]);
    // a second sum into `first`: its blocks would interleave with the first's, so it runs apart
    addInto(saved[2], dz, first);
    outputs.push(first, second, after);
  } else if (tail === 'fill') {
    // a value written over a window of a joined matrix (the zero gradient of an unused gate, into
    // its window of dz), and the rows' sums over all of it
    const joined = b.temp(rows * 40);
    const sums = b.temp(40);
    b.elementwise([mat(below, rows, 20)], [mat(joined, rows, 20, 0, 40)], [apply('neg', input(0))]);
    b.steps.push({
      kernel: 'fill',
      inputs: [],
      outputs: [mat(joined, rows, 20, 20, 40)],
      attrs: { value: 0.5 },
    });
    b.sumRows(mat(joined, rows, 40), mat(sums, 1, 40));
    outputs.push(joined, sums);
  } else if (tail === 'smallGradient') {
    // 2-row Zs take small.inc's path: summed over the blocks in accumulators of the chain's, then
    // stored (a fresh Z, one added to in place, one with a C of its own scaled by beta)
    const fresh = b.temp(2 * 80);
    const added = b.temp(2 * 80, true);
    const scaled = b.temp(3 * 80);
    const c = b.constant(3 * 80);
    const x = mat(saved[0], rows, 2, 0, 20);
    b.gemm(x, mat(dz, rows, 80), mat(fresh, 2, 80), { transA: true });
    b.gemm(x, mat(dz, rows, 80), mat(added, 2, 80), { transA: true }, mat(added, 2, 80));
    b.steps.push({
      kernel: 'gemm',
      inputs: [mat(saved[1], rows, 3, 0, 20), mat(dzLower, rows, 80), mat(c, 3, 80)],
      outputs: [mat(scaled, 3, 80)],
      attrs: { transA: true, transB: false, alpha: -0.5, beta: 2 },
    });
    // a 1-column dy (the output layer's hᵀ·dy): the gemv summing xᵀ by its columns, its two row
    // vectors of sums going on through the blocks (fresh, and with a C of its own and alpha)
    const column = mat(dzLower, rows, 1, 0, 80);
    const gemvFresh = b.temp(20);
    const gemvScaled = b.temp(20);
    const gemvC = b.constant(20);
    b.gemm(mat(saved[2], rows, 20), column, mat(gemvFresh, 20, 1), { transA: true });
    b.steps.push({
      kernel: 'gemm',
      inputs: [mat(saved[2], rows, 20), column, mat(gemvC, 20, 1)],
      outputs: [mat(gemvScaled, 20, 1)],
      attrs: { transA: true, transB: false, alpha: 0.25, beta: -1 },
    });
    outputs.push(fresh, added, scaled, gemvFresh, gemvScaled);
  }
  return { b, outputs };
}

describe('row-block chains', () => {
  it('runs the forward step as one chain, with the bits of its steps run apart', () => {
    const { b, outputs } = forward('none');
    const together = run(b, outputs);
    expect(together.chained).toEqual([false, true, true, true, true, true]);
    expect(together.results).toEqual(run(b, outputs, { apart: true }).results);
    // a profile times every step of the chain, each over all its blocks
    expect(Array.from(together.seconds).every((t) => t > 0)).toBe(true);
  });

  it('ends a chain before a step that reads whole what the chain writes', () => {
    const { b, outputs } = forward('readWhole');
    const together = run(b, outputs);
    expect(together.chained).toEqual([false, true, true, true, true, true, false]);
    expect(together.results).toEqual(run(b, outputs, { apart: true }).results);
  });

  it('runs the backward step as one chain, the bias gradient summed block by block in row order', () => {
    const { b, outputs } = backward('none');
    const together = run(b, outputs);
    expect(together.chained).toEqual([false, true, true, true, true, true]);
    expect(together.results).toEqual(run(b, outputs, { apart: true }).results);
    // the sum is the column sums of dz
    const dz = together.results[1];
    for (const j of [0, 37, 79]) {
      let s = 0;
      for (let i = 0; i < m; i++) s += dz[i * 80 + j];
      expect(together.results[3][j]).toBeCloseTo(s, 3);
    }
  });

  it('ends a chain at a sum over one column, a reduce whose output it reads, a buffer with another pitch', () => {
    for (const tail of ['sumOneColumn', 'readSum', 'otherPitch'] as const) {
      const { b, outputs } = backward(tail);
      const together = run(b, outputs);
      expect(together.chained, tail).toEqual([false, true, true, true, true, true, false]);
      expect(together.results, tail).toEqual(run(b, outputs, { apart: true }).results);
    }
  });

  it("sums weight gradients over the chain's rows block by block, in whole pieces of the product's k", () => {
    const { b, outputs } = backward('weightGradients');
    const together = run(b, outputs);
    expect(together.chained).toEqual([false, true, true, true, true, true, true, true, true, false]);
    expect(together.results).toEqual(run(b, outputs, { apart: true }).results);
    // a last block shorter than a piece (4000 = 5 × 768 + 160) would sum its k differently
    const short = backward('weightGradients', 4000);
    const shortRun = run(short.b, short.outputs);
    expect(shortRun.chained.slice(6)).toEqual([false, false, false, false]);
    expect(shortRun.results).toEqual(run(short.b, short.outputs, { apart: true }).results);
  });

  it('writes a fill over its rows block by block', () => {
    const { b, outputs } = backward('fill');
    const together = run(b, outputs);
    expect(together.chained).toEqual([false, ...Array<boolean>(8).fill(true)]);
    expect(together.results).toEqual(run(b, outputs, { apart: true }).results);
    const joined = together.results[6];
    for (const i of [0, 1000, m - 1])
      expect(joined.slice(i * 40 + 20, i * 40 + 40)).toEqual(Array(20).fill(0.5));
  });

  it('sums small-m weight gradients (op(A) of a few rows, or a 1-column dy) over the blocks apart, and stores them after the last', () => {
    // a last block shorter than any piece (4000 rows) makes no difference on these paths
    for (const rows of [m, 4000]) {
      const small = backward('smallGradient', rows);
      const smallRun = run(small.b, small.outputs, { calls: 2 });
      expect(smallRun.chained, `${rows}`).toEqual([false, ...Array<boolean>(10).fill(true)]);
      expect(smallRun.results, `${rows}`).toEqual(
        run(small.b, small.outputs, { apart: true, calls: 2 }).results,
      );
    }
  });

  it("ends a chain that the next time step's weight gradient cannot join where it leaves the least for memory", () => {
    // Two time steps of a backward pass, each adding its weight gradient into the same Z: the
    // second's cannot join a chain holding the first's. Ending right before it would send the
    // second dz (1.3 MB) out to memory for it; ending before the second cell sends its dh and dc
    // (0.66 MB), and the cell, dz and the weight gradient chain together.
    const b = new Builder();
    const dzNext = b.constant(m * 80);
    const w = b.constant(20 * 80);
    const saved = [0, 1].map(() => b.constant(m * 20));
    const dh = [0, 1].map(() => b.temp(m * 20));
    const dz = [0, 1].map(() => b.temp(m * 80));
    const dc = b.temp(m * 20, true);
    const grad = b.temp(20 * 80, true);
    for (const t of [0, 1]) {
      const from = t === 0 ? dzNext : dz[0];
      b.gemm(mat(from, m, 80), mat(w, 20, 80), mat(dh[t], m, 20), { transB: true });
      b.elementwise(
        [mat(dh[t], m, 20), mat(dc, m, 20), mat(saved[t], m, 20)],
        [...[0, 20, 40, 60].map((at) => mat(dz[t], m, 20, at, 80)), mat(dc, m, 20)],
        [
          apply('mul', input(0), input(2)),
          apply('add', input(0), input(1)),
          apply('mul', input(1), input(2)),
          apply('tanh', input(0)),
          apply('add', input(1), input(0)),
        ],
      );
      b.gemm(mat(saved[t], m, 20), mat(dz[t], m, 80), mat(grad, 20, 80), { transA: true }, mat(grad, 20, 80));
    }
    const outputs = [...dh, ...dz, dc, grad];
    const together = run(b, outputs);
    expect(together.chained).toEqual([false, true, true, true, false, true]);
    expect(together.results).toEqual(run(b, outputs, { apart: true }).results);
  });

  it('keeps a temp block-local where the chain writes it before it reads it and nothing reads it after', () => {
    // The concatenation x, the gates and the output layer's y: written and read back within each
    // block, and not returned. p is read as two halves, rows m apart (not one row pitch); c is read before the
    // chain writes it (the cell's state, in place).
    const { b, buffers } = forward('none');
    const returned = [buffers.c, buffers.h, buffers.theta];
    const together = run(b, returned);
    expect(together.locals).toEqual([buffers.x, buffers.gates, buffers.y]);
    expect(together.results).toEqual(run(b, returned, { apart: true }).results);
    // returned to the caller: kept whole
    expect(run(b, [...returned, buffers.gates]).locals).toEqual([buffers.x, buffers.y]);
    // c not returned, but read (as the state before the step) before the chain writes it
    const stateless = run(b, [buffers.h, buffers.theta]);
    expect(stateless.locals).toEqual([buffers.x, buffers.gates, buffers.y]);
    expect(stateless.results).toEqual(run(b, [buffers.h, buffers.theta], { apart: true }).results);
    expect(run(b, returned, { threads: 2 }).locals).toEqual([]);
  });

  it("keeps the backward dz block-local where the next time step's cell writes it whole through four column windows", () => {
    // two time steps of the backward pass, each its own chain: after the first, the next step to
    // touch dz is the second's cell composite, writing all of it through its interleaved windows
    const { b: step, outputs } = backward('none');
    const dz = outputs[1];
    const b = new Builder();
    b.buffers.push(...step.buffers);
    b.steps.push(...step.steps);
    chainBreak(b);
    b.steps.push(...step.steps);
    const returned = outputs.filter((buffer) => buffer !== dz);
    const together = run(b, returned, { calls: 2 });
    const [t, f] = [true, false];
    expect(together.chained).toEqual([f, t, t, t, t, t, f, f, t, t, t, t, t]);
    expect(together.locals).toContain(dz);
    expect(together.results).toEqual(run(b, returned, { apart: true, calls: 2 }).results);
  });

  it('keeps a temp whole where a later step reads what the chain left in it', () => {
    const { b: base, buffers } = forward('none');
    const { gates, h, theta } = buffers;
    const returned = [h, theta];
    const cases = {
      // after the chain, a step reads the gates
      readAfter: (b: Builder, seen: number) => {
        chainBreak(b);
        b.elementwise([mat(gates, m, 20, 60, 80)], [mat(seen, m, 20)], [apply('neg', input(0))]);
      },
      // after the chain, a step overwrites a quarter of each row of the gates, and the next reads
      // a quarter the chain wrote
      partlyOverwritten: (b: Builder, seen: number) => {
        chainBreak(b);
        b.elementwise([mat(h, m, 20)], [mat(gates, m, 20, 0, 80)], [apply('neg', input(0))]);
        chainBreak(b);
        b.elementwise([mat(gates, m, 20, 60, 80)], [mat(seen, m, 20)], [apply('neg', input(0))]);
      },
      // the next run reads the gates before the chain writes them again
      readByTheNextRun: (b: Builder, seen: number) => {
        b.steps.unshift({
          kernel: 'copy',
          inputs: [mat(gates, m, 20, 60, 80)],
          outputs: [mat(seen, m, 20)],
          attrs: {},
        });
      },
    };
    for (const [name, add] of Object.entries(cases)) {
      const b = new Builder();
      b.buffers.push(...base.buffers);
      b.steps.push(...base.steps);
      const seen = b.temp(m * 20);
      add(b, seen);
      const together = run(b, [...returned, seen], { calls: 2 });
      expect(together.locals, name).not.toContain(gates);
      expect(together.results, name).toEqual(run(b, [...returned, seen], { apart: true, calls: 2 }).results);
    }
  });

  it('keeps a buffer block-local from its first write on where the chain read an earlier value of it first', () => {
    // An unrolled backward pass reuses a saved forward array's buffer for a state gradient once
    // its last reader has run: the chain reads the array from memory, then keeps the gradient
    // that follows it in the buffer block-local. Only where a step after the chain writes the
    // buffer anew: else the next run's chain would read what this one left only in its scratch.
    const build = (rewriteAfter: boolean) => {
      const b = new Builder();
      const saved = b.temp(m * 80, true);
      const refill = b.constant(m * 80);
      const [a, out] = [b.temp(m * 80), b.temp(m * 80)];
      b.elementwise([mat(saved, m, 80)], [mat(a, m, 80)], [apply('mul', input(0), { const: 2 })]);
      b.elementwise([mat(a, m, 80)], [mat(saved, m, 80)], [apply('add', input(0), { const: 1 })]);
      b.elementwise(
        [mat(saved, m, 80), mat(a, m, 80)],
        [mat(out, m, 80)],
        [apply('mul', input(0), input(1))],
      );
      if (rewriteAfter)
        b.steps.push({
          kernel: 'copy',
          inputs: [mat(refill, m, 80)],
          outputs: [mat(saved, m, 80)],
          attrs: {},
        });
      return { b, saved, a, out };
    };
    for (const rewriteAfter of [true, false]) {
      const { b, saved, a, out } = build(rewriteAfter);
      const together = run(b, [out], { calls: 3 });
      expect(together.chained.slice(0, 3)).toEqual([false, true, true]);
      expect(together.locals).toEqual(rewriteAfter ? [a, saved] : [a]);
      expect(firstDifference(together.results, run(b, [out], { apart: true, calls: 3 }).results)).toBeNull();
    }
  });

  it('lets block-local buffers whose steps do not overlap share scratch, and never those that do', () => {
    // a is done when d is first written (d may take a's slot); b is read after d is written
    const b = new Builder();
    const source = b.constant(m * 80);
    const [a, bb, d, out] = [0, 1, 2, 3].map(() => b.temp(m * 80));
    b.elementwise([mat(source, m, 80)], [mat(a, m, 80)], [apply('tanh', input(0))]);
    b.elementwise([mat(a, m, 80)], [mat(bb, m, 80)], [apply('mul', input(0), { const: 3 })]);
    b.elementwise([mat(bb, m, 80)], [mat(d, m, 80)], [apply('add', input(0), { const: 0.5 })]);
    b.elementwise([mat(bb, m, 80), mat(d, m, 80)], [mat(out, m, 80)], [apply('sub', input(0), input(1))]);
    const together = run(b, [out], { calls: 2 });
    expect(together.chained).toEqual([false, true, true, true]);
    expect(together.locals).toEqual([a, bb, d]);
    expect(firstDifference(together.results, run(b, [out], { apart: true, calls: 2 }).results)).toBeNull();
  });

  it('ends a chain early where that keeps a buffer block-local that the greedy end would send to memory', () => {
    // d is written, read, written anew and read; a step that cannot join reads it after. Ending
    // after the second write would leave d for that step; ending before it, the second write
    // makes what the chain left dead.
    const b = new Builder();
    const [first, second] = [b.constant(m * 80), b.constant(m * 80)];
    const [d, e, f, g] = [0, 1, 2, 3].map(() => b.temp(m * 80));
    b.elementwise([mat(first, m, 80)], [mat(d, m, 80)], [apply('neg', input(0))]);
    b.elementwise([mat(d, m, 80)], [mat(e, m, 80)], [apply('tanh', input(0))]);
    b.elementwise([mat(second, m, 80)], [mat(d, m, 80)], [apply('neg', input(0))]);
    b.elementwise([mat(d, m, 80)], [mat(f, m, 80)], [apply('sigmoid', input(0))]);
    b.steps.push({ kernel: 'copy', inputs: [mat(d, m, 80)], outputs: [mat(g, m, 80)], attrs: {} });
    const together = run(b, [e, f, g]);
    expect(together.chained).toEqual([false, true, false, true, false]);
    expect(together.locals).toEqual([d]);
    expect(firstDifference(together.results, run(b, [e, f, g], { apart: true }).results)).toBeNull();
  });

  it('cuts blocks of at least 768 rows, however many bytes a row writes', () => {
    // two steps over 400-wide rows write 3.2 KiB a row: 512 KiB would be 156-row blocks. Over
    // 1,000 rows (1.5 MiB an operand, over a chain's 1 MiB) that is less than two blocks of 768:
    // the steps stay apart; over 1,600, two blocks and a part, they chain.
    const widths = (rows: number): Ran[] => {
      const b = new Builder();
      const x = b.constant(rows * 400);
      const y = b.temp(rows * 400);
      const z = b.temp(rows * 400);
      b.elementwise([mat(x, rows, 400)], [mat(y, rows, 400)], [apply('mul', input(0), { const: 2 })]);
      b.elementwise([mat(y, rows, 400)], [mat(z, rows, 400)], [apply('add', input(0), { const: 1 })]);
      return [run(b, [z]), run(b, [z], { apart: true })];
    };
    const [short, shortApart] = widths(1000);
    expect(short.chained).toEqual([false, false]);
    expect(short.results).toEqual(shortApart.results);
    const [long, longApart] = widths(1600);
    expect(long.chained).toEqual([false, true]);
    expect(long.results).toEqual(longApart.results);
  });

  it('has the products before a composite prefetch the lines it reads from memory and writes', () => {
    // Lines of 64 bytes; each buffer 64-byte aligned and each block's rows too (768 rows of 20 or
    // 80 floats), so a range is its bytes / 64. A 20-wide array of m rows: m · 80 / 64 lines.
    const lines20 = (m * 80) / 64;
    // backward: the cell reads dc and three saved arrays the chain has not written (dh it has),
    // and writes dz through four column windows, one range of m · 320 bytes (dc's output is an
    // input); the last composite reads saved[1] and writes `below` (dx the product before wrote)
    const back = backward('none');
    const ran = run(back.b, back.outputs);
    expect(ran.listed).toEqual([0, 0, 4 * lines20 + (m * 320) / 64, 0, 0, 2 * lines20]);
    // the narrow products before each took some of them, a line every few steps of their k
    for (const step of [2, 5]) {
      expect(ran.taken[step]).toBeGreaterThan(0);
      expect(ran.taken[step]).toBeLessThanOrEqual(ran.listed[step]);
    }
    expect(ran.taken.filter((_, step) => step !== 2 && step !== 5)).toEqual([0, 0, 0, 0]);
    expect(ran.results).toEqual(run(back.b, back.outputs, { apart: true }).results);
    // forward: nothing for the first composite (no product before it); the cell reads c and
    // writes h (the gates the product wrote, c in place); the update reads θ, m floats (256.25
    // lines), and writes it in place — a block of θ that starts inside a line takes that line too
    const fwd = forward('none');
    const listed = run(fwd.b, fwd.outputs).listed;
    expect(listed.slice(0, 5)).toEqual([0, 0, 0, 2 * lines20, 0]);
    const theta = Math.ceil((m * 4) / 64);
    expect(listed[5]).toBeGreaterThanOrEqual(theta);
    expect(listed[5]).toBeLessThan(theta + 8);
  });

  it('runs nothing chained on two threads', () => {
    const { b, outputs } = backward('none');
    const twoThreads = run(b, outputs, { threads: 2 });
    expect(twoThreads.chained.some((c) => c)).toBe(false);
    expect(twoThreads.listed.every((lines) => lines === 0)).toBe(true);
    expect(twoThreads.results).toEqual(run(b, outputs, { apart: true }).results);
  });
});
