import { beforeAll, describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import { dot, outer } from '../../../../engine/ops/linalg.ts';
import { transpose } from '../../../../engine/ops/dimshuffle.ts';
import { matrix, tensor, vector } from '../../../../engine/tensor.ts';
import { evaluate } from './evaluate.ts';
import { expectClose, randomArray, strided } from './helpers.ts';
import { pyReference, type PyResult } from './pyref.ts';

// matmul shape pairs: vectors on either side, plain matrices, batches, and broadcast batches.
const pairs: [number[], number[]][] = [
  [[4], [4]],
  [[4], [4, 3]],
  [[2, 4], [4]],
  [
    [2, 4],
    [4, 3],
  ],
  [
    [5, 2, 4],
    [5, 4, 3],
  ],
  [
    [5, 2, 4],
    [4, 3],
  ],
  [
    [2, 4],
    [5, 4, 3],
  ],
  [
    [1, 2, 4],
    [5, 4, 3],
  ],
  [[3], [5, 3, 2]],
  [
    [2, 1, 2, 4],
    [3, 4, 3],
  ],
];

const planned = pairs.flatMap(([sa, sb]) => {
  const a = randomArray(sa);
  const b = randomArray(sb);
  return [
    { a, b },
    { a: strided(a), b: strided(b) },
  ];
});

let reference: PyResult[] = [];
let outerRef: PyResult;
const oa = randomArray([3]);
const ob = randomArray([4]);
beforeAll(() => {
  [outerRef, ...reference] = pyReference([
    { expr: 'np.outer(a, b)', inputs: { a: oa, b: ob } },
    ...planned.map(({ a, b }) => ({ expr: 'torch.matmul(t(a), t(b))', inputs: { a, b } })),
  ]);
});

const run = (a: NDArray, b: NDArray): NDArray => {
  const x = tensor('float64', a.shape, 'a');
  const y = tensor('float64', b.shape, 'b');
  const out = dot(x, y);
  const [value] = evaluate(
    [out],
    new Map([
      [x, a],
      [y, b],
    ]),
  );
  expect(out.staticShape).toEqual(value.shape);
  return value;
};

describe('dot/matmul: forward against torch.matmul', () => {
  it('vectors, matrices, batches and broadcast batches, contiguous and strided', () => {
    planned.forEach(({ a, b }, i) =>
      expectClose(run(a, b), reference[i], 1e-12, 1e-13, `${a.shape} @ ${b.shape}`),
    );
  });

  it('outer and transpose', () => {
    const x = vector('a', 'float64');
    const y = vector('b', 'float64');
    const [o, t] = evaluate(
      [outer(x, y), transpose(outer(x, y))],
      new Map([
        [x, oa],
        [y, ob],
      ]),
    );
    expectClose(o, outerRef);
    expect(t.shape).toEqual([4, 3]);
    expect(t.toNested()).toEqual(
      (o.toNested() as number[][])[0].map((_, j) => (o.toNested() as number[][]).map((row) => row[j])),
    );
  });
});

describe('dot/matmul: gradients', () => {
  it.each(pairs.map((p) => [JSON.stringify(p), p] as const))('%s', (_label, [sa, sb]) => {
    verifyGrad(dot, [randomArray(sa), randomArray(sb)]);
  });

  it('outer and transpose', () => {
    verifyGrad(outer, [randomArray([3]), randomArray([2])]);
    verifyGrad((x) => transpose(x, [2, 0, 1]), [randomArray([2, 3, 4])]);
  });
});

describe('dot/matmul: nodes and errors', () => {
  it('2-d and 3-d products lower to the native gemm kernel', () => {
    const z = dot(matrix('x'), matrix('w'));
    expect(z.owner!.op.native!(z.owner!)).toEqual({
      kernel: 'gemm',
      attrs: { transA: false, transB: false, alpha: 1, beta: 0 },
    });
    expect(dot(matrix('x', 'float32', [null, 784]), matrix('w', 'float32', [784, 20])).staticShape).toEqual([
      null,
      20,
    ]);
  });

  it('mismatched inner dimensions name the op, both shapes and the line', () => {
    expect(() => dot(matrix('x', 'float32', [2, 3]), matrix('w', 'float32', [4, 5]))).toThrow(
      /Dot: inner dimensions differ.*\(2, 3\).*\(4, 5\)[\s\S]*linalg\.test\.ts:\d+/,
    );
    const x = matrix('x', 'float64');
    const w = matrix('w', 'float64');
    const z = dot(x, w);
    expect(() =>
      evaluate(
        [z],
        new Map([
          [x, randomArray([2, 3])],
          [w, randomArray([4, 5])],
        ]),
      ),
    ).toThrow(/Dot: inner dimensions differ: \(2, 3\) times \(4, 5\)[\s\S]*linalg\.test\.ts:\d+/);
  });
});

describe('dot/matmul: dtypes', () => {
  it('mixed float dtypes promote before the product; integer products stay exact and off gemm', () => {
    const z = dot(matrix('x', 'float32'), matrix('w', 'float64'));
    expect(z.dtype).toBe('float64');
    expect(z.owner!.op.native!(z.owner!)).not.toBeNull();
    const i = matrix('i', 'int32');
    const p = dot(i, i);
    expect(p.dtype).toBe('int32');
    expect(p.owner!.op.native!(p.owner!)).toBeNull();
    const v = NDArray.from([1, 2, 3, 4], [2, 2], 'int32');
    expect(evaluate([p], new Map([[i, v]]))[0].toNested()).toEqual([
      [7, 10],
      [15, 22],
    ]);
  });
});
