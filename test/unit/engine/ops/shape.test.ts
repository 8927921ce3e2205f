import { beforeAll, describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import { sum } from '../../../../engine/ops/reduce.ts';
import { dimshuffle, expandDims, squeeze, transpose } from '../../../../engine/ops/dimshuffle.ts';
import { concatenate, split, stack } from '../../../../engine/ops/join.ts';
import { mul, sqr } from '../../../../engine/ops/math.ts';
import { flatten, reshape } from '../../../../engine/ops/reshape.ts';
import { broadcastTo, fill, onesLike, shapeOf, zerosLike } from '../../../../engine/ops/shapeOps.ts';
import { incSubtensor, setSubtensor, subtensor } from '../../../../engine/ops/subtensor.ts';
import { advancedIncSubtensor, advancedSetSubtensor, take } from '../../../../engine/ops/take.ts';
import { matrix, tensor, vector } from '../../../../engine/tensor.ts';
import { cpuBackend, cpuBackendAvailable } from '../../../../engine/backends/cpu/index.ts';
import { evaluate } from './evaluate.ts';
import { expectClose, randomArray, strided } from './helpers.ts';
import { pyReference, type PyResult } from './pyref.ts';

interface ShapeCase {
  name: string;
  inputs: NDArray[];
  build: (...xs: Variable[]) => Variable;
  expr: string;
  /** Differentiable in every float input (checked with verifyGrad). */
  grad?: boolean;
}

const A = randomArray([3, 4, 5]);
const M = randomArray([4, 6]);
const idx = NDArray.from([2, 0, -1, 2], [4], 'int32');
const inc = (index: string, value: string): string =>
  `(lambda o: [o.__setitem__(${index}, o[${index}] + ${value}), o][1])(a.copy())`;

const cases: ShapeCase[] = [
  {
    name: 'reshape -1',
    inputs: [A],
    build: (x) => reshape(x, [5, -1, 2]),
    expr: 'a.reshape(5, -1, 2)',
    grad: true,
  },
  {
    name: 'reshape strided',
    inputs: [strided(A)],
    build: (x) => reshape(x, [12, 5]),
    expr: 'a.reshape(12, 5)',
    grad: true,
  },
  { name: 'flatten', inputs: [A], build: (x) => flatten(x), expr: 'a.reshape(-1)', grad: true },
  { name: 'flatten 2', inputs: [A], build: (x) => flatten(x, 2), expr: 'a.reshape(3, -1)', grad: true },
  {
    name: 'dimshuffle',
    inputs: [M],
    build: (x) => dimshuffle(x, 1, 'x', 0),
    expr: 'np.expand_dims(a.T, 1)',
    grad: true,
  },
  {
    name: 'transpose',
    inputs: [A],
    build: (x) => transpose(x, [1, 2, 0]),
    expr: 'a.transpose(1, 2, 0)',
    grad: true,
  },
  { name: 'expandDims', inputs: [M], build: (x) => expandDims(x, -1), expr: 'a[..., None]', grad: true },
  {
    name: 'squeeze',
    inputs: [randomArray([3, 1, 2, 1])],
    build: (x) => squeeze(x),
    expr: 'np.squeeze(a)',
    grad: true,
  },
  {
    name: 'concatenate',
    inputs: [randomArray([2, 3]), randomArray([4, 3]), randomArray([1, 3])],
    build: (a, b, c) => concatenate([a, b, c], 0),
    expr: 'np.concatenate([a, b, c], 0)',
    grad: true,
  },
  {
    name: 'concatenate axis 1 strided',
    inputs: [strided(randomArray([2, 3])), randomArray([2, 2])],
    build: (a, b) => concatenate([a, b], -1),
    expr: 'np.concatenate([a, b], 1)',
    grad: true,
  },
  {
    name: 'stack',
    inputs: [randomArray([2, 3]), randomArray([2, 3])],
    build: (a, b) => stack([a, b], 1),
    expr: 'np.stack([a, b], 1)',
    grad: true,
  },
  {
    name: 'split (middle piece)',
    inputs: [M],
    build: (x) => split(x, [1, 3, 2], 1)[1],
    expr: 'np.split(a, [1, 4], 1)[1]',
    grad: true,
  },
  {
    name: 'split pieces combined',
    inputs: [M],
    build: (x) => {
      const [p, q] = split(x, [3, 1], 0);
      return mul(p, q);
    },
    expr: 'a[:3] * a[3:]',
    grad: true,
  },
  {
    name: 'broadcastTo',
    inputs: [randomArray([3, 1])],
    build: (x) => broadcastTo(x, [2, 3, 4]),
    expr: 'np.broadcast_to(a, (2, 3, 4))',
    grad: true,
  },
  {
    name: 'fill tensor',
    inputs: [M, randomArray([6])],
    build: (m, v) => fill(m, v),
    expr: 'np.broadcast_to(b, a.shape)',
  },
  { name: 'zerosLike', inputs: [M], build: (x) => zerosLike(x), expr: 'np.zeros_like(a)' },
  { name: 'onesLike', inputs: [M], build: (x) => onesLike(x), expr: 'np.ones_like(a)' },
  { name: 'fill number', inputs: [M], build: (x) => fill(x, 2.5), expr: 'np.full_like(a, 2.5)' },
  { name: 'shape', inputs: [A], build: (x) => shapeOf(x), expr: 'np.array(a.shape)' },
  {
    name: 'slice',
    inputs: [A],
    build: (x) => subtensor(x, '1:3', '::-2', 0),
    expr: 'a[1:3, ::-2, 0]',
    grad: true,
  },
  {
    name: 'slice negative bounds strided',
    inputs: [strided(A)],
    build: (x) => subtensor(x, -1, [-3, null], { start: 4, stop: 0, step: -3 }),
    expr: 'a[-1, -3:, 4:0:-3]',
    grad: true,
  },
  { name: 'slice empty', inputs: [A], build: (x) => subtensor(x, '2:1'), expr: 'a[2:1]' },
  {
    name: 'incSubtensor slice',
    inputs: [A, randomArray([2, 5])],
    build: (x, y) => incSubtensor(subtensor(x, '1:', 2), y),
    expr: inc('(slice(1, None), 2)', 'b'),
    grad: true,
  },
  {
    name: 'setSubtensor slice broadcast',
    inputs: [A, randomArray([3])],
    build: (x, y) => setSubtensor(subtensor(x, 0, '::2', '1:4'), y),
    expr: '(lambda o: [o.__setitem__((0, slice(None, None, 2), slice(1, 4)), b), o][1])(a.copy())',
    grad: true,
  },
  { name: 'take axis 0', inputs: [M], build: (x) => take(x, idx, 0), expr: 'np.take(a, i, 0)', grad: true },
  {
    name: 'take axis 1 strided, 2-d indices',
    inputs: [strided(A)],
    build: (x) => take(x, NDArray.from([3, 0, 1, 1], [2, 2], 'int32'), 1),
    expr: 'np.take(a, np.array([[3, 0], [1, 1]]), 1)',
    grad: true,
  },
  {
    name: 'advancedIncSubtensor repeated indices accumulate',
    inputs: [M, randomArray([4, 6])],
    build: (x, y) => advancedIncSubtensor(x, y, idx, 0),
    expr: '(lambda o: [np.add.at(o, i, b), o][1])(a.copy())',
    grad: true,
  },
  {
    name: 'advancedSetSubtensor via setSubtensor(take)',
    inputs: [M, randomArray([6])],
    build: (x, y) => setSubtensor(take(x, [3, 1], 0), y),
    expr: '(lambda o: [o.__setitem__([3, 1], b), o][1])(a.copy())',
    grad: true,
  },
  {
    name: 'advancedSetSubtensor axis 1',
    inputs: [M, randomArray([4, 2])],
    build: (x, y) => advancedSetSubtensor(x, y, [5, 0], 1),
    expr: '(lambda o: [o.__setitem__((slice(None), [5, 0]), b), o][1])(a.copy())',
    grad: true,
  },
];

let reference: PyResult[] = [];
beforeAll(() => {
  reference = pyReference(
    cases.map((c) => ({
      expr: c.expr,
      inputs: { ...Object.fromEntries(c.inputs.map((v, i) => ['abc'[i], v])), i: idx },
    })),
  );
});

function symbolic(values: readonly NDArray[]): Variable[] {
  return values.map((v, i) => tensor(v.dtype, v.shape, 'abc'[i]));
}

describe('shape ops: forward against NumPy', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const vars = symbolic(c.inputs);
    const out = c.build(...vars);
    const [value] = evaluate([out], new Map(vars.map((v, k) => [v, c.inputs[k]])));
    expect(out.staticShape).toEqual(value.shape);
    expectClose(value, reference[i], 0, 0, c.name);
  });

  it('the same ops give the same values compiled (views laid out by the compiler)', () => {
    for (const c of cases) {
      const vars = symbolic(c.inputs);
      const value = fn(vars, c.build(...vars), { backend: 'js' })(...c.inputs) as NDArray;
      expectClose(value, reference[cases.indexOf(c)], 0, 0, `${c.name} compiled`);
    }
  });
});

describe('shape ops: gradients', () => {
  it.each(cases.filter((c) => c.grad).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    verifyGrad(
      c.build,
      c.inputs.map((v) => (v.isContiguous() ? v : v.contiguous())),
    );
  });

  it('reshape of an input with several unknown dims reshapes its gradient at run time', () => {
    const x = tensor('float64', [null, null, 2], 'x');
    const g = grad(sum(sqr(reshape(x, [-1]))), x);
    expect(g.owner!.op.toString()).toBe('ReshapeAs');
    const value = randomArray([3, 2, 2]);
    const out = fn([x], g, { backend: 'js' })(value) as NDArray;
    expect(out.shape).toEqual([3, 2, 2]);
    expect(out.toFlat()).toEqual(value.toFlat().map((v) => 2 * v));
  });

  it('concatenate of unknown sizes splits its gradient at run time', () => {
    const a = matrix('a', 'float64');
    const b = matrix('b', 'float64');
    const y = concatenate([a, b], 0);
    expect(y.staticShape).toEqual([null, null]);
    verifyGrad((p, q) => concatenate([p, mul(q, 2)], 0), [randomArray([2, 3]), randomArray([1, 3])]);
  });
});

describe('shape ops: static shapes and errors', () => {
  it('static shapes propagate where known', () => {
    const x = tensor('float32', [null, 4, 5]);
    expect(reshape(x, [-1, 20]).staticShape).toEqual([null, 20]);
    expect(flatten(x, 2).staticShape).toEqual([null, 20]);
    expect(subtensor(x, null, '1:3', -1).staticShape).toEqual([null, 2]);
    expect(concatenate([x, x], 1).staticShape).toEqual([null, 8, 5]);
    expect(take(x, vector('i', 'int32'), 2).staticShape).toEqual([null, 4, null]);
    expect(shapeOf(x).staticShape).toEqual([3]);
  });

  it('errors name the op, the shapes and the line', () => {
    const x = tensor('float32', [2, 3], 'x');
    expect(() => reshape(x, [4, 2])).toThrow(/Reshape.*x: float32\(2, 3\)[\s\S]*shape\.test\.ts:\d+/);
    expect(() => concatenate([x, tensor('float32', [2, 4], 'y')], 0)).toThrow(
      /Concatenate.*dimension 1[\s\S]*shape\.test\.ts:\d+/,
    );
    expect(() => subtensor(x, 0, 3)).toThrow(
      /index 3 is out of bounds for axis 1 of x: float32\(2, 3\)[\s\S]*shape\.test\.ts/,
    );
    expect(() => take(x, vector('f'), 0)).toThrow(/indices must be int32[\s\S]*shape\.test\.ts/);
    expect(() => squeeze(x, 0)).toThrow(/only size-1 axes can be dropped[\s\S]*shape\.test\.ts/);
    expect(() => incSubtensor(x, 1)).toThrow(/expects a slice or an indexed variable[\s\S]*shape\.test\.ts/);
  });

  it('inc/set subtensor lower to the native scatter kernels when static shapes pin the region', () => {
    const x = tensor('float32', [4, 6], 'x');
    const slice = incSubtensor(subtensor(x, '3:0:-2', '1:'), tensor('float32', [2, 5])).owner!;
    expect(slice.op.native!(slice)).toEqual({
      kernel: 'inc_subtensor',
      attrs: { begin: [3, 1], step: [-2, 1] },
    });
    // Broadcast values, unknown shapes or indexed-away axes: the indices, for the backends' step
    // bridge to resolve with the run-time shapes (the next test runs them).
    const broadcast = setSubtensor(subtensor(x, '1:3'), tensor('float32', [6])).owner!;
    expect(broadcast.op.native!(broadcast)).toEqual({
      kernel: 'set_subtensor',
      attrs: { indices: [[1, 3, null]] },
    });
    const dropped = setSubtensor(subtensor(x, 1), tensor('float32', [6])).owner!;
    expect(dropped.op.native!(dropped)).toEqual({ kernel: 'set_subtensor', attrs: { indices: [1] } });
    const scatter = advancedIncSubtensor(x, tensor('float32', [4, 2]), [0, 0], 1).owner!;
    expect(scatter.op.native!(scatter)).toEqual({ kernel: 'advanced_inc_subtensor', attrs: { axis: 1 } });
    const unknown = advancedIncSubtensor(x, tensor('float32', [4, null]), vector('i', 'int32'), 1).owner!;
    expect(unknown.op.native!(unknown)).toEqual({
      kernel: 'inc_subtensor',
      attrs: { axis: 1, index: 'take' },
    });
  });

  it.runIf(cpuBackendAvailable())(
    'the cpu backend runs indexed-away axes, run-time shapes and broadcast values natively, as JavaScript computes them',
    () => {
      const x = matrix('x', 'float64');
      const row = vector('row', 'float64');
      const block = matrix('block', 'float64');
      const table = tensor('float64', [5, 3], 'table');
      const ids = matrix('ids', 'int32');
      const rows = tensor('float64', [null, null, 3], 'rows');
      const outputs = [
        incSubtensor(subtensor(x, 1), row), // x[1] += row: the gradient of x[t] in an unrolled sequence
        setSubtensor(subtensor(x, -1), row), // a negative index
        incSubtensor(subtensor(x, '1:3'), block), // a run-time region
        setSubtensor(subtensor(x, '::2'), row), // values broadcast over the rows
        advancedIncSubtensor(table, rows, ids, 0), // an embedding's gradient: batch known at run time
      ];
      const f = fn([x, row, block, table, ids, rows], outputs, { backend: cpuBackend });
      const values = [
        randomArray([4, 6]),
        randomArray([6]),
        randomArray([2, 6]),
        randomArray([5, 3]),
        NDArray.from([0, 4, 4, 1, 0, 2], [2, 3], 'int32'),
        randomArray([2, 3, 3]),
      ];
      const got = f(...values) as NDArray[];
      const executable = f.lastExecutable as unknown as { jsSteps: readonly boolean[] };
      expect(executable.jsSteps.filter(Boolean)).toHaveLength(0);
      const want = evaluate(
        outputs,
        new Map([
          [x, values[0]],
          [row, values[1]],
          [block, values[2]],
          [table, values[3]],
          [ids, values[4]],
          [rows, values[5]],
        ]),
      );
      got.forEach((g, i) =>
        expectClose(g, { shape: want[i].shape, data: Array.from(want[i].data as ArrayLike<number>) }, 1e-15),
      );
    },
  );

  it('run-time errors name the node and where it was built', () => {
    const x = matrix('x', 'float64');
    const out = take(x, [5], 0);
    expect(() => evaluate([out], new Map([[x, randomArray([2, 2])]]))).toThrow(
      /Take.*index 5 is out of bounds for axis 0 with size 2[\s\S]*shape\.test\.ts:\d+/,
    );
  });
});
