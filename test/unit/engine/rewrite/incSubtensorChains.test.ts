import { describe, expect, it } from 'vitest';
import * as T from '../../../../engine/index.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { cpuBackendAvailable } from '../../../../engine/backends/cpu/index.ts';
import { float32Of } from './harness.ts';

const backends = ['js', 'cpu'] as const;

function ops(f: ReturnType<typeof T.fn>): string[] {
  return f.fgraph.toposort().map((n) => n.op.toString());
}

/** Nodes other than an IncSubtensor's next link that read an IncSubtensor's result: the sums. */
function readersOfSlices(f: ReturnType<typeof T.fn>): string[] {
  return f.fgraph
    .toposort()
    .filter((n) => !n.op.toString().startsWith('IncSubtensor'))
    .filter((n) => n.inputs.some((v) => v.owner?.op.toString().startsWith('IncSubtensor')))
    .map((n) => n.op.toString());
}

/** The float32 results' bit patterns, so −0 and +0 (and NaN payloads) count as different. */
function bits(values: readonly NDArray[]): number[][] {
  return values.map((v) => Array.from(new Uint32Array(Float32Array.from(v.toFlat()).buffer)));
}

/** θ (37 values) read through three slices, as bindFlat cuts a flat parameter vector. */
function slicedLoss(theta: T.Variable, c: T.Variable): T.Variable {
  const w = T.subtensor(theta, '0:20');
  const b = T.subtensor(theta, '20:30');
  const v = T.subtensor(theta, '30:37');
  return T.add(
    T.add(T.sum(T.mul(w, T.subtensor(c, '0:20'))), T.sum(T.sqr(b))),
    T.sum(T.mul(T.sigmoid(v), 3)),
  );
}

describe('incSubtensorChains', () => {
  const theta = T.vector('theta');
  const c = T.vector('c');
  // c holds −0 and NaN, which the slice's gradient passes on as they are
  const C = float32Of([20], (k) => (k === 3 ? -0 : k === 7 ? NaN : (k - 9) / 4));
  const THETA = float32Of([37], (k) => (k === 25 ? -0 : Math.sin(k) * 2));

  for (const backend of backends) {
    it.runIf(backend === 'js' || cpuBackendAvailable())(
      `adds each slice's gradient into one zero array, in place, with the bits of the sum (${backend})`,
      () => {
        const g = T.grad(slicedLoss(theta, c), theta);
        const chained = T.fn([theta, c], g, { backend });
        const summed = T.fn([theta, c], g, { backend, mode: { exclude: ['incSubtensorChains'] } });
        // one fill and three slices added into it, each into the one before; no whole-array sums
        const chainOps = ops(chained).filter((o) => o.startsWith('Fill') || o.startsWith('IncSubtensor'));
        expect(chainOps).toHaveLength(4);
        expect(chainOps.filter((o) => o.startsWith('Fill'))).toHaveLength(1);
        expect(chainOps.filter((o) => o.endsWith(', inplace}'))).toHaveLength(3);
        expect(readersOfSlices(chained)).toEqual([]);
        expect(readersOfSlices(summed).length).toBeGreaterThan(0);
        const got = chained(THETA, C) as NDArray;
        expect(bits([got])).toEqual(bits([summed(THETA, C) as NDArray]));
        // and the values: c on the first slice, 2θ on the second, 3σ'(θ) on the third
        const flat = got.toFlat();
        expect(flat.slice(0, 20)).toEqual(C.toFlat().map((v) => (Object.is(v, -0) ? 0 : v)));
        expect(Object.is(flat[25], 0)).toBe(true); // 2·(−0) = −0, then +0 + −0 = +0
        const s = (x: number): number => 1 / (1 + Math.exp(-x));
        flat
          .slice(30)
          .forEach((v, k) =>
            expect(v).toBeCloseTo(3 * s(THETA.data[30 + k]) * (1 - s(THETA.data[30 + k])), 6),
          );
      },
    );
  }

  it('chains the gradient of every time step x[t] of a sequence: one fill, not one array a step', () => {
    const x = T.matrix('x');
    const steps = 6;
    let cost = T.sum(T.mul(T.subtensor(x, 0), 1.5));
    for (let t = 1; t < steps; t++) cost = T.add(cost, T.sum(T.sqr(T.mul(T.subtensor(x, t), t))));
    const g = T.grad(cost, x);
    const X = float32Of([steps, 5], (k) => (k % 7) - 3.5);
    for (const backend of backends.filter((b) => b === 'js' || cpuBackendAvailable())) {
      const chained = T.fn([x], g, { backend });
      const summed = T.fn([x], g, { backend, mode: { exclude: ['incSubtensorChains'] } });
      expect(ops(chained).filter((o) => o.startsWith('Fill'))).toHaveLength(1);
      expect(ops(chained).filter((o) => o.startsWith('IncSubtensor'))).toHaveLength(steps);
      expect(readersOfSlices(chained)).toEqual([]);
      expect(readersOfSlices(summed).length).toBeGreaterThan(0);
      expect(bits([chained(X) as NDArray])).toEqual(bits([summed(X) as NDArray]));
    }
  });

  it('leaves a sum alone when an operand is not a chain of slices into zeros (a zero’s sign would change)', () => {
    // θ read whole as well: its gradient c′ is a plain array, and +0 + g + c′ ≠ c′ + g for
    // g = c′ = −0, so the slice's IncSubtensor must stay a separate array added to it.
    const c2 = T.vector('c2');
    const cost = T.add(
      T.sum(T.mul(T.subtensor(theta, '0:20'), T.subtensor(c, '0:20'))),
      T.sum(T.mul(theta, c2)),
    );
    const g = T.grad(cost, theta);
    const f = T.fn([theta, c, c2], g, { backend: 'js' });
    expect(readersOfSlices(f).length).toBeGreaterThan(0);
    expect(f.fgraph.history.some((h) => h.rewrite === 'incSubtensorChains')).toBe(false);
    const C2 = float32Of([37], (k) => (k === 3 ? -0 : 1));
    // element 3: the slice's +0 + (−0) = +0, plus c2's −0: +0 (grafted onto c2 it would be −0 + −0 = −0)
    expect(Object.is((f(THETA, C, C2) as NDArray).toFlat()[3], 0)).toBe(true);
  });
});

describe('IncSubtensor in place', () => {
  const v = T.vector('v');
  const y = T.vector('y');
  const V = NDArray.of([0.5, -1, 2, 3, -4], 'float32');
  const Y = NDArray.of([10, 20], 'float32');

  for (const backend of backends) {
    it.runIf(backend === 'js' || cpuBackendAvailable())(
      `writes into a temporary nobody reads afterwards, and copies one that is read (${backend})`,
      () => {
        const e = T.exp(v);
        const once = T.fn([v, y], T.incSubtensor(T.subtensor(e, '1:3'), y), { backend });
        expect(ops(once)).toContain('IncSubtensor{1:3, inplace}');
        once(V, Y);
        const step = once.lastProgram!.steps.find((s) => s.opName.startsWith('IncSubtensor'))!;
        expect(step.outputs[0].buffer).toBe(step.inputs[0].buffer);
        const want = V.toFlat().map((x, k) => Math.fround(Math.exp(x)) + (k === 1 ? 10 : k === 2 ? 20 : 0));
        (once(V, Y) as NDArray).toFlat().forEach((x, k) => expect(x).toBeCloseTo(want[k], 4));
        // e is an output too: the increment must leave it as it was
        const both = T.fn([v, y], [T.incSubtensor(T.subtensor(e, '1:3'), y), e], { backend });
        expect(ops(both)).toContain('IncSubtensor{1:3}');
        const [inc, plain] = both(V, Y) as NDArray[];
        inc.toFlat().forEach((x, k) => expect(x).toBeCloseTo(want[k], 4));
        plain.toFlat().forEach((x, k) => expect(x).toBeCloseTo(Math.exp(V.data[k]), 5));
      },
    );
  }
});
