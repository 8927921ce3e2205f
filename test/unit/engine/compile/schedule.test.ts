import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import { Gemm } from '../../../../engine/ops/gemm.ts';
import { add, exp, mul, tanh } from '../../../../engine/ops/math.ts';
import { concatenate } from '../../../../engine/ops/join.ts';
import { reduce } from '../../../../engine/ops/reduce.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { matrix, vector } from '../../../../engine/tensor.ts';

const x = matrix('x', 'float64');
const X = new NDArray(
  Float64Array.from({ length: 64 * 16 }, (_, i) => Math.sin(i) * 0.9),
  [64, 16],
);
const none = { mode: { exclude: ['all'] }, backend: 'js' as const };

/** An unrolled recurrence h_t = tanh(0.9 h_(t-1)) and the sum of every h_t's elements. */
function unrolled(steps: number): { last: Variable; total: Variable; sums: Variable[] } {
  let h: Variable = x;
  const sums: Variable[] = [];
  for (let t = 0; t < steps; t++) {
    h = tanh(mul(h, 0.9));
    sums.push(reduce('sum', h));
  }
  return { last: h, total: sums.reduce((a, b) => add(a, b)), sums };
}

describe('step order (schedule.ts)', () => {
  it('runs a reduction right after the step making its input, so an unrolled recurrence keeps few buffers', () => {
    // Depth-first from the outputs, the sums would all run after the recurrence (it is the
    // first output), keeping every h_t alive: 8 temporaries of 64 × 16. Hoisted, each h_t dies
    // after its sum and the next step, and the sums (scalars) do not take over the large
    // buffers freed (planBuffers), so two serve the whole recurrence.
    const { last, total } = unrolled(8);
    const f = fn([x], [last, total], none);
    const [h, s] = f(X) as NDArray[];
    let ref = Array.from(X.data);
    let want = 0;
    for (let t = 0; t < 8; t++) {
      ref = ref.map((v) => Math.tanh(v * 0.9));
      want += ref.reduce((a, b) => a + b, 0);
    }
    expect(h.toFlat()).toEqual(ref.map((v) => expect.closeTo(v, 14)));
    expect(s.toFlat()[0]).toBeCloseTo(want, 10);
    const steps = f.lastProgram!.steps;
    steps.forEach((step, i) => {
      if (!step.opName.startsWith('Reduce')) return;
      // the last step before it writing the buffer it reads (buffers are reused)
      const producer = steps.findLastIndex(
        (p, j) => j < i && p.outputs.some((o) => o.buffer === step.inputs[0].buffer),
      );
      expect(producer).toBe(i - 1);
    });
    const big = f.lastProgram!.buffers.filter((b) => b.role === 'temp' && b.size === 64 * 16);
    expect(big.length).toBe(2);
  });

  it('runs a concatenation as soon as its pieces exist, and a reduction of it right after', () => {
    // The LSTM's gate gradients joined into dz, which the weight gradients read. Depth-first from
    // the outputs, the join would run where the second output's subtree is reached: after the
    // whole recurrence of the first, and the sum of it with it, reading both pieces back.
    const p1 = exp(x);
    const p2 = tanh(x);
    let h: Variable = add(p1, p2);
    for (let t = 0; t < 4; t++) h = tanh(mul(h, 0.9));
    const total = reduce('sum', concatenate([p1, p2], 1));
    const f = fn([x], [h, total], none);
    const [, s] = f(X) as NDArray[];
    const want = Array.from(X.data).reduce((sum, v) => sum + Math.exp(v) + Math.tanh(v), 0);
    expect(s.toFlat()[0]).toBeCloseTo(want, 9);
    const names = f.lastProgram!.steps.map((step) => step.opName.replace(/[{ ].*$/, ''));
    expect(names.slice(0, 4)).toEqual(['Elemwise', 'Elemwise', 'Concatenate', 'Reduce']);
  });

  it('runs a node over vectors only as soon as its inputs exist', () => {
    // An unrolled optimizer's gradient accumulation over its coordinate vector: depth-first from
    // the outputs, each vector step ran right before the matrix step reading it, between one
    // time step's row-parallel steps and the next's, where they ended the executor's row chains.
    const hs: Variable[] = [x];
    for (let t = 0; t < 4; t++) hs.push(tanh(mul(hs[t], 0.9)));
    const us: Variable[] = [reduce('sum', hs[1], 0)];
    for (let t = 1; t < 4; t++) us.push(tanh(mul(us[t - 1], 0.5)));
    const total = hs.slice(1).reduce<Variable | null>((sum, h, t) => {
      const term = mul(h, us[t]);
      return sum ? add(sum, term) : term;
    }, null)!;
    const f = fn([x], [hs[4], total], none);
    const [, got] = f(X) as NDArray[];
    const rows = (a: number[]) => Array.from({ length: 64 }, (_, i) => a.slice(16 * i, 16 * i + 16));
    let h = rows(Array.from(X.data));
    let want = h.map((r) => r.map(() => 0));
    let u: number[] = [];
    for (let t = 0; t < 4; t++) {
      h = h.map((r) => r.map((v) => Math.tanh(v * 0.9)));
      u =
        t === 0 ? h[0].map((_, j) => h.reduce((sum, r) => sum + r[j], 0)) : u.map((v) => Math.tanh(v * 0.5));
      want = want.map((r, i) => r.map((v, j) => v + h[i][j] * u[j]));
    }
    expect(got.toFlat()).toEqual(want.flat().map((v) => expect.closeTo(v, 12)));
    const steps = f.lastProgram!.steps;
    const vectorSteps = steps.flatMap((step, i) =>
      step.outputs.every((o) => o.shape.length === 1) && !step.opName.startsWith('Reduce') ? [i] : [],
    );
    // (no fusion here: each vector update is a mul and a tanh)
    const reduceAt = steps.findIndex((step) => step.opName.startsWith('Reduce'));
    expect(vectorSteps).toEqual([1, 2, 3, 4, 5, 6].map((k) => reduceAt + k));
  });

  it('runs a hoisted node that depends on nothing in the program first', () => {
    // The LSTM's two bias vectors summed for the first time step's gates: at the depth-first
    // order's place it sat between that time step's row-parallel steps.
    const b1 = vector('b1', 'float64');
    const b2 = vector('b2', 'float64');
    let rows: Variable = tanh(x);
    for (let t = 0; t < 3; t++) rows = tanh(mul(rows, 0.9));
    const out = tanh(add(rows, add(b1, b2)));
    const f = fn([x, b1, b2], out, none);
    const B = new NDArray(
      Float64Array.from({ length: 16 }, (_, i) => i / 16),
      [16],
    );
    const got = f(X, B, B) as NDArray;
    let want = Array.from(X.data, Math.tanh);
    for (let t = 0; t < 3; t++) want = want.map((v) => Math.tanh(v * 0.9));
    want = want.map((v, i) => Math.tanh(v + 2 * B.data[i % 16]));
    expect(got.toFlat()).toEqual(want.map((v) => expect.closeTo(v, 12)));
    const steps = f.lastProgram!.steps;
    expect(steps[0].outputs[0].shape).toEqual([16]);
  });

  it('runs nodes over vectors only that nothing else depends on last (an optimizer update), and their producers with them', () => {
    // A vector summed from a matrix (hoisted, right after it), then an update of it in two steps
    // whose result only leaves the program: hoisted as vector steps, the two would run between the
    // row-parallel steps that follow. A vector the matrix steps read (scale) stays early.
    const th = tanh(x);
    const v = reduce('sum', th, 0);
    const moment = mul(v, 0.9);
    const update = add(mul(moment, 0.5), 1);
    const scale = mul(v, 2);
    let rows: Variable = th;
    for (let t = 0; t < 3; t++) rows = tanh(mul(rows, scale));
    const f = fn([x], [update, rows], none);
    const [got] = f(X) as NDArray[];
    const sums = Array.from({ length: 16 }, (_, j) => {
      let sum = 0;
      for (let i = 0; i < 64; i++) sum += Math.tanh(X.data[i * 16 + j]);
      return sum;
    });
    expect(got.toFlat()).toEqual(sums.map((s) => expect.closeTo(s * 0.9 * 0.5 + 1, 12)));
    const steps = f.lastProgram!.steps;
    const rank = (i: number) => steps[i].outputs[0].shape.length;
    const lastMatrixStep = steps.findLastIndex((_, i) => rank(i) === 2);
    // the moment, its scaling and the + 1 after every matrix step; the scale for them before
    const vectorAfter = steps.flatMap((step, i) =>
      rank(i) === 1 && i > lastMatrixStep ? [step.opName] : [],
    );
    expect(vectorAfter).toHaveLength(3);
    expect(steps.findIndex((step) => step.opName.startsWith('Reduce'))).toBeLessThan(lastMatrixStep);
  });

  it('runs a shrinking node made ready by a small input right after the next reader of its large, earlier input', () => {
    // The L2L output layer's weight gradient h₂ᵀ·dy: dy exists only after the forward pass, h₂
    // long before. Run when dy is ready, it reads h₂ back from memory; after the backward step
    // that reads h₂ next, from cache. Here H = tanh(x) early (8192 × 16 float64: 1 MiB, the size
    // from which an input counts as out of cache), d (8192 × 1) late, Hᵀ·d, and H·y another
    // reader of H.
    const rows = 8192;
    const big = new NDArray(
      Float64Array.from({ length: rows * 16 }, (_, i) => Math.sin(i * 0.37)),
      [rows, 16],
    );
    const w = matrix('w', 'float64');
    const hBig = tanh(x);
    let y: Variable = exp(x);
    for (let t = 0; t < 3; t++) y = tanh(mul(y, 0.9));
    const product = (transA: boolean) => new Gemm({ alpha: 1, beta: 0, transA, transB: false });
    const d = product(false).apply(y, w);
    const gradient = product(true).apply(hBig, d);
    const W = new NDArray(
      Float64Array.from({ length: 16 }, (_, i) => Math.cos(i)),
      [16, 1],
    );
    const xs = Array.from({ length: rows }, (_, i) => Array.from(big.data.slice(16 * i, 16 * i + 16)));
    let ys = xs.map((r) => r.map(Math.exp));
    for (let t = 0; t < 3; t++) ys = ys.map((r) => r.map((v) => Math.tanh(v * 0.9)));
    const ds = ys.map((r) => r.reduce((sum, v, j) => sum + v * W.data[j], 0));
    const want = Array.from({ length: 16 }, (_, j) =>
      xs.reduce((sum, r, i) => sum + Math.tanh(r[j]) * ds[i], 0),
    );
    for (const [outputs, deferred] of [
      [[gradient, mul(hBig, y)], true],
      // H's only other reader depends on the gradient: waiting for it would never end
      [[gradient, product(false).apply(hBig, gradient)], false],
    ] as const) {
      const f = fn([x, w], [...outputs], none);
      const [got] = f(big, W) as NDArray[];
      expect(got.toFlat()).toEqual(want.map((v) => expect.closeTo(v, 8)));
      const names = f.lastProgram!.steps.map((step) => step.opName);
      const at = names.findIndex((n) => n.startsWith('Gemm') && n.includes('transA=true'));
      const readerAt = names.lastIndexOf('Elemwise{mul}'); // after the recurrence's three
      const dAt = names.findIndex((n) => n.startsWith('Gemm') && n.includes('transA=false'));
      expect(at).toBe((deferred ? readerAt : dAt) + 1);
    }
    // under 1 MiB the input is taken to be in cache still: the gradient runs as soon as d exists
    const small = fn([x, w], [gradient, mul(hBig, y)], none);
    small(X, W);
    const names = small.lastProgram!.steps.map((step) => step.opName);
    expect(names.findIndex((n) => n.includes('transA=true'))).toBe(
      names.findIndex((n) => n.startsWith('Gemm') && n.includes('transA=false')) + 1,
    );
  });

  it('keeps a hoisted in-place node after every other reader of what it overwrites', () => {
    // The weight-gradient pattern: C += Aᵀ·B in place (shrinking: C is 4 × 3, A and B 64 × 4 and
    // 64 × 3), while another node reads the C from before. Hoisted by its inputs alone, the
    // product would overwrite C before that reader ran.
    const a = matrix('a', 'float64');
    const b = matrix('b', 'float64');
    const cIn = matrix('c', 'float64');
    const c = exp(cIn);
    const accumulated = new Gemm({ alpha: 1, beta: 1, transA: true, transB: false, inplace: true }).apply(
      a,
      b,
      c,
    );
    const before = tanh(mul(c, 0.5));
    const f = fn([a, b, cIn], [accumulated, before], none);
    const random = (rows: number, cols: number, seed: number) =>
      new NDArray(
        Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 1.7 + seed)),
        [rows, cols],
      );
    const [A, B, C] = [random(64, 4, 1), random(64, 3, 2), random(4, 3, 3)];
    const [acc, old] = f(A, B, C) as NDArray[];
    const expC = Array.from(C.data, Math.exp);
    expect(old.toFlat()).toEqual(expC.map((v) => expect.closeTo(Math.tanh(v * 0.5), 14)));
    const want = expC.map((v, idx) => {
      const [i, j] = [Math.floor(idx / 3), idx % 3];
      let sum = v;
      for (let p = 0; p < 64; p++) sum += A.data[p * 4 + i] * B.data[p * 3 + j];
      return sum;
    });
    expect(acc.toFlat()).toEqual(want.map((v) => expect.closeTo(v, 12)));
  });
});
