// softmax / log_softmax (any axis, strided views), their gradients (against the analytic
// formulas and central finite differences computed here in float64), and the cross-entropy
// losses with their label checks.
import { describe, expect, it } from 'vitest';
import {
  at,
  expectClose,
  forEachIndex,
  type Operand,
  permutedView,
  randomOperand,
  rng,
  runStep,
  viewValues,
} from './helpers.ts';

/** The rows of `x` along `axis`, each as a list of multi-indices. */
function rowsAlong(shape: number[], axis: number): number[][][] {
  const outer = shape.map((n, d) => (d === axis ? 1 : n));
  const rows: number[][][] = [];
  forEachIndex(outer, (o) =>
    rows.push(Array.from({ length: shape[axis] }, (_, i) => o.map((v, d) => (d === axis ? i : v)))),
  );
  return rows;
}

function softmaxRef(x: Operand, axis: number, log: boolean): number[] {
  const out = new Map<string, number>();
  for (const row of rowsAlong(x.shape, axis)) {
    const v = row.map((i) => at(x, i));
    const lse = Math.log(v.reduce((s, a) => s + Math.exp(a), 0));
    row.forEach((i, k) => out.set(i.join(), log ? v[k] - lse : Math.exp(v[k] - lse)));
  }
  const values: number[] = [];
  forEachIndex(x.shape, (i) => values.push(out.get(i.join())!));
  return values;
}

describe('softmax kernels', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const kernel of ['softmax', 'log_softmax'] as const) {
      it(`${dtype} ${kernel}: every axis of a permuted 3-d input, into a strided output`, () => {
        const x = permutedView(randomOperand(dtype, [3, 4, 5], rng(6), -5, 5), [1, 2, 0]);
        for (const axis of [0, 1, 2, -1]) {
          const data = dtype === 'float32' ? new Float32Array(120) : new Float64Array(120);
          const [y] = runStep(kernel, [x], [{ dtype, shape: x.shape, data, strides: [40, 10, 2] }], { axis });
          expectClose(
            viewValues(y),
            softmaxRef(x, axis < 0 ? axis + 3 : axis, kernel === 'log_softmax'),
            dtype === 'float32' ? 1e-5 : 1e-13,
          );
        }
      });
    }
  }

  it('handles a size-1 axis (softmax 1, log_softmax 0) and an empty batch', () => {
    const x = randomOperand('float32', [4, 1], rng(3));
    expect(Array.from(runStep('softmax', [x], [{ dtype: 'float32', shape: [4, 1] }])[0].data!)).toEqual([
      1, 1, 1, 1,
    ]);
    expect(Array.from(runStep('log_softmax', [x], [{ dtype: 'float32', shape: [4, 1] }])[0].data!)).toEqual([
      0, 0, 0, 0,
    ]);
    const empty: Operand = { dtype: 'float32', shape: [0, 5], data: new Float32Array(0) };
    expect(runStep('softmax', [empty], [{ dtype: 'float32', shape: [0, 5] }])[0].data!.length).toBe(0);
    const noLabels: Operand = { dtype: 'int32', shape: [0], data: new Int32Array(0) };
    expect(
      runStep('softmax_cross_entropy', [empty, noLabels], [{ dtype: 'float32', shape: [0] }])[0].data!.length,
    ).toBe(0);
  });

  it('is stable for huge logits (no overflow to NaN)', () => {
    const x: Operand = { dtype: 'float32', shape: [1, 3], data: new Float32Array([1000, 1000, -1000]) };
    expectClose(
      Array.from(runStep('softmax', [x], [{ dtype: 'float32', shape: [1, 3] }])[0].data!),
      [0.5, 0.5, 0],
      1e-7,
    );
    expectClose(
      Array.from(runStep('log_softmax', [x], [{ dtype: 'float32', shape: [1, 3] }])[0].data!),
      [-Math.LN2, -Math.LN2, -2000 - Math.LN2],
      1e-6,
    );
  });

  for (const kernel of ['softmax', 'log_softmax'] as const) {
    it(`${kernel}_grad matches central finite differences of <dy, ${kernel}(x)>`, () => {
      const random = rng(12);
      const x = randomOperand('float64', [3, 5], random);
      const dy = randomOperand('float64', [3, 5], random);
      const [y] = runStep(kernel, [x], [{ dtype: 'float64', shape: [3, 5] }], { axis: 1 });
      const [dx] = runStep(`${kernel}_grad`, [dy, y], [{ dtype: 'float64', shape: [3, 5] }], { axis: 1 });
      const objective = (data: Float64Array) => {
        const out = softmaxRef({ ...x, data }, 1, kernel === 'log_softmax');
        return out.reduce((s, v, i) => s + v * dy.data![i], 0);
      };
      const h = 1e-6;
      const numeric = Array.from(x.data!, (_, i) => {
        const plus = Float64Array.from(x.data!);
        const minus = Float64Array.from(x.data!);
        plus[i] += h;
        minus[i] -= h;
        return (objective(plus) - objective(minus)) / (2 * h);
      });
      expectClose(Array.from(dx.data!), numeric, 1e-7);
    });
  }
});

describe('cross-entropy kernels', () => {
  const random = rng(21);
  const logits = randomOperand('float32', [6, 4], random, -3, 3);
  const labels: Operand = { dtype: 'int32', shape: [6], data: new Int32Array([0, 3, 1, 2, 3, 0]) };

  it('softmax_cross_entropy = logsumexp(row) - row[label] on a transposed logits view', () => {
    const lt = permutedView(logits, [1, 0]);
    const [loss] = runStep('softmax_cross_entropy', [lt, labels], [{ dtype: 'float32', shape: [6] }]);
    const want = Array.from({ length: 6 }, (_, r) => {
      const row = [0, 1, 2, 3].map((c) => at(logits, [r, c]));
      return Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[labels.data![r]];
    });
    expectClose(Array.from(loss.data!), want, 1e-6);
  });

  it('softmax_cross_entropy_grad = dloss * (softmax - onehot)', () => {
    const dloss: Operand = { dtype: 'float32', shape: [6], data: new Float32Array([1, 0.5, -1, 2, 0, 1]) };
    const [g] = runStep(
      'softmax_cross_entropy_grad',
      [dloss, logits, labels],
      [{ dtype: 'float32', shape: [6, 4] }],
    );
    const sm = softmaxRef(logits, 1, false);
    const want = sm.map(
      (p, i) => dloss.data![Math.floor(i / 4)] * (p - (labels.data![Math.floor(i / 4)] === i % 4 ? 1 : 0)),
    );
    expectClose(Array.from(g.data!), want, 1e-6);
  });

  it("float32 rows with unit stride (the block-vectorised path) give the strided path's bits", () => {
    // 700 rows of 10 classes span two blocks of the fast path; extremes, an all -inf row and a
    // NaN row take the same special cases in both paths.
    const wide = randomOperand('float32', [700, 10], rng(5), -40, 40);
    wide.data!.set([88, -88, 1e-30, 0, 3, 3, 3, 3, 3, 3], 0);
    wide.data!.fill(-Infinity, 10, 20);
    wide.data![25] = NaN;
    const rows: Operand = {
      dtype: 'int32',
      shape: [700],
      data: Int32Array.from({ length: 700 }, (_, r) => (r * 7) % 10),
    };
    const dloss: Operand = {
      dtype: 'float32',
      shape: [700],
      data: Float32Array.from({ length: 700 }, (_, r) => (r % 5) - 2),
    };
    const strided = permutedView(wide, [1, 0]);
    const bits = (o: Operand) =>
      Array.from(new Uint32Array(o.data!.buffer, o.data!.byteOffset, o.data!.length));
    const loss = (x: Operand) =>
      runStep('softmax_cross_entropy', [x, rows], [{ dtype: 'float32', shape: [700] }])[0];
    expect(bits(loss(wide))).toEqual(bits(loss(strided)));
    const grad = (x: Operand) =>
      runStep('softmax_cross_entropy_grad', [dloss, x, rows], [{ dtype: 'float32', shape: [700, 10] }])[0];
    expect(bits(grad(wide))).toEqual(bits(grad(strided)));
    expect(Number.isNaN(loss(wide).data![1]) && Number.isNaN(loss(wide).data![2])).toBe(true);
  });

  it('rejects an out-of-range label with the row, the value and the class count', () => {
    const bad: Operand = { dtype: 'int32', shape: [6], data: new Int32Array([0, 1, 4, 0, 0, 0]) };
    expect(() =>
      runStep('softmax_cross_entropy', [logits, bad], [{ dtype: 'float32', shape: [6] }], {
        opName: 'CrossEntropy',
      }),
    ).toThrow(
      /step 0 'CrossEntropy' \(kernel softmax_cross_entropy\): softmax_cross_entropy: label 4 in row 2 is out of range: there are 4 classes/,
    );
    // the strided path (a transposed view) says the same
    expect(() =>
      runStep(
        'softmax_cross_entropy',
        [permutedView(logits, [1, 0]), bad],
        [{ dtype: 'float32', shape: [6] }],
      ),
    ).toThrow(/label 4 in row 2 is out of range: there are 4 classes/);
  });

  it('categorical_crossentropy = -sum t log p per row; binary_crossentropy elementwise', () => {
    const p = runStep('softmax', [logits], [{ dtype: 'float32', shape: [6, 4] }])[0];
    const t = randomOperand('float32', [6, 4], random, 0, 1);
    const [cat] = runStep('categorical_crossentropy', [p, t], [{ dtype: 'float32', shape: [6] }]);
    const want = Array.from(
      { length: 6 },
      (_, r) => -[0, 1, 2, 3].reduce((s, c) => s + at(t, [r, c]) * Math.log(at(p, [r, c])), 0),
    );
    expectClose(Array.from(cat.data!), want, 1e-5);
    const [bin] = runStep('binary_crossentropy', [p, t], [{ dtype: 'float64', shape: [6, 4] }]);
    const wantBin = Array.from(
      p.data!,
      (o, i) => -(t.data![i] * Math.log(o) + (1 - t.data![i]) * Math.log(1 - o)),
    );
    expectClose(Array.from(bin.data!), wantBin, 1e-9);
  });
});
