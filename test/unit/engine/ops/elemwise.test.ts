import { beforeAll, describe, expect, it } from 'vitest';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import { Elemwise } from '../../../../engine/ops/elemwise.ts';
import * as M from '../../../../engine/ops/math.ts';
import { matrix, scalar, tensor, vector } from '../../../../engine/tensor.ts';
import { evaluate } from './evaluate.ts';
import { expectClose, randomArray, randomBool, strided } from './helpers.ts';
import { pyReference, type PyResult } from './pyref.ts';

interface OpCase {
  name: string;
  build: (...xs: Variable[]) => Variable;
  expr: string;
  /** Value range of each input ('bool' for boolean inputs). */
  domain: ([number, number] | 'bool')[];
  differentiable: boolean;
}

const real: [number, number] = [-2, 2];
const positive: [number, number] = [0.5, 3];
const u = (name: string, build: (x: Variable) => Variable, expr: string, d = real, diff = true): OpCase => ({
  name,
  build: (x) => build(x),
  expr,
  domain: [d],
  differentiable: diff,
});
const b = (
  name: string,
  build: (x: Variable, y: Variable) => Variable,
  expr: string,
  d: OpCase['domain'] = [real, real],
  diff = true,
): OpCase => ({ name, build: (x, y) => build(x, y), expr, domain: d, differentiable: diff });

const cases: OpCase[] = [
  b('add', M.add, 'a + b'),
  b('sub', M.sub, 'a - b'),
  b('mul', M.mul, 'a * b'),
  b('div', M.div, 'a / b', [real, positive]),
  b('pow', M.pow, 'np.power(a, b)', [positive, real]),
  b('maximum', M.maximum, 'np.maximum(a, b)'),
  b('minimum', M.minimum, 'np.minimum(a, b)'),
  u('neg', M.neg, '-a'),
  u('sqr', M.sqr, 'a * a'),
  u('sqrt', M.sqrt, 'np.sqrt(a)', positive),
  u('rsqrt', M.rsqrt, '1 / np.sqrt(a)', positive),
  u('exp', M.exp, 'np.exp(a)'),
  u('log', M.log, 'np.log(a)', positive),
  u('log1p', M.log1p, 'np.log1p(a)', [-0.5, 2]),
  u('expm1', M.expm1, 'np.expm1(a)'),
  u('abs', M.abs, 'np.abs(a)'),
  u('sign', M.sign, 'np.sign(a)'),
  u('tanh', M.tanh, 'np.tanh(a)'),
  u('sigmoid', M.sigmoid, 'torch.sigmoid(t(a))', [-30, 30]),
  u('softplus', M.softplus, 'np.logaddexp(0, a)', [-40, 40]),
  u('relu', M.relu, 'F.relu(t(a))'),
  u('identity', M.identity, 'a'),
  {
    name: 'clip',
    build: (x, lo, hi) => M.clip(x, lo, hi),
    expr: 'np.clip(a, b, c)',
    domain: [real, [-1.5, -0.5], [0.5, 1.5]],
    differentiable: true,
  },
  {
    name: 'where',
    build: (c, x, y) => M.where(c, x, y),
    expr: 'np.where(a, b, c)',
    domain: ['bool', real, real],
    differentiable: true,
  },
  b('lt', M.lt, 'a < b', [real, real], false),
  b('le', M.le, 'a <= b', [real, real], false),
  b('gt', M.gt, 'a > b', [real, real], false),
  b('ge', M.ge, 'a >= b', [real, real], false),
  b('eq', M.eq, 'a == b', [real, real], false),
  b('ne', M.ne, 'a != b', [real, real], false),
  b('and', M.and, 'np.logical_and(a, b)', ['bool', 'bool'], false),
  b('or', M.or, 'np.logical_or(a, b)', ['bool', 'bool'], false),
  b('xor', M.xor, 'np.logical_xor(a, b)', ['bool', 'bool'], false),
  u('not', M.not, 'np.logical_not(a)', real, false),
  u('cast int32', (x) => M.cast(x, 'int32'), 'np.trunc(a)', [-5, 5], false),
  u('cast bool', (x) => M.cast(x, 'bool'), 'a != 0', [-1, 1], false),
];

// Input shapes per arity: broadcasting in every direction, a scalar, and size-1 axes.
const shapesByArity: Record<number, number[][][]> = {
  1: [[[3, 4]], [[2, 1, 3]], [[]]],
  2: [
    [[3, 4], [4]],
    [
      [2, 1, 3],
      [4, 1],
    ],
    [[], [2, 3]],
  ],
  3: [
    [[2, 3], [3], [2, 1]],
    [[4], [2, 1], []],
  ],
};

function inputsFor(c: OpCase, shapes: number[][]): NDArray[] {
  return shapes.map((shape, i) => {
    const d = c.domain[i];
    if (d === 'bool') return randomBool(shape);
    const a = randomArray(shape, d[0], d[1]);
    // eq/ne need equal values to be interesting: round the second operand and some of the first.
    if (c.name === 'eq' || c.name === 'ne') {
      return NDArray.from(
        a.toFlat().map((v, k) => (i === 1 || k % 2 ? Math.round(v) : v)),
        shape,
        'float64',
      );
    }
    return a;
  });
}

interface Planned {
  label: string;
  c: OpCase;
  values: NDArray[];
}

const planned: Planned[] = [];
for (const c of cases) {
  for (const shapes of shapesByArity[c.domain.length]) {
    const values = inputsFor(c, shapes);
    planned.push({ label: `${c.name} ${JSON.stringify(shapes)}`, c, values });
    // The same values again through non-contiguous (transposed) views.
    if (shapes.some((s) => s.length >= 2)) {
      planned.push({ label: `${c.name} ${JSON.stringify(shapes)} strided`, c, values: values.map(strided) });
    }
  }
}

let reference: PyResult[] = [];
beforeAll(() => {
  reference = pyReference(
    planned.map((p) => ({
      expr: p.c.expr,
      inputs: Object.fromEntries(p.values.map((v, i) => ['abc'[i], v])),
    })),
  );
});

function run(c: OpCase, values: NDArray[]): { out: Variable; value: NDArray } {
  const vars = values.map((v, i) => tensor(v.dtype, v.shape, 'abc'[i]));
  const out = c.build(...vars);
  const [value] = evaluate([out], new Map(vars.map((v, i) => [v, values[i]])));
  return { out, value };
}

describe('elementwise ops: forward against NumPy/PyTorch (float64, broadcasting, strided inputs)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    planned.forEach((p, k) => {
      if (p.c !== c) return;
      const { value } = run(c, p.values);
      expectClose(value, reference[k], 1e-12, 1e-14, p.label);
    });
  });
});

describe('elementwise ops: gradients against finite differences', () => {
  const gradShapes: Record<number, number[][]> = { 1: [[2, 3]], 2: [[2, 3], [3]], 3: [[2, 3], [3], [2, 1]] };
  it.each(cases.filter((c) => c.differentiable).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const values = inputsFor(c, gradShapes[c.domain.length]);
    if (c.name === 'where') {
      // The condition is not differentiable: close over it as a constant.
      const cond = values[0];
      verifyGrad((x, y) => M.where(cond, x, y), values.slice(1));
    } else {
      verifyGrad(c.build, values);
    }
  });

  it('sign has a zero gradient, not a disconnected one', () => {
    verifyGrad((x) => M.mul(M.sign(x), x), [randomArray([4])]);
  });

  it('a float64 → float32 cast passes the gradient through', () => {
    verifyGrad((x) => M.cast(M.mul(M.cast(x, 'float32'), 3), 'float64'), [randomArray([3])], {
      eps: 1e-2,
      tol: 1e-4,
    });
  });
});

describe('elementwise ops: dtypes', () => {
  it('JS numbers are weak scalars: float32 stays float32, int32 stays int32', () => {
    expect(M.mul(matrix('x'), 0.5).dtype).toBe('float32');
    expect(M.add(vector('i', 'int32'), 2).dtype).toBe('int32');
    expect(M.add(vector('i', 'int32'), 2.5).dtype).toBe('float32');
    expect(M.add(vector('d', 'float64'), matrix('x')).dtype).toBe('float64');
  });

  it('float functions of integers give float32; comparisons and logic give bool', () => {
    expect(M.sqrt(vector('i', 'int32')).dtype).toBe('float32');
    expect(M.div(vector('i', 'int32'), 2).dtype).toBe('float32');
    expect(M.lt(matrix('x'), 0).dtype).toBe('bool');
    expect(M.and(vector('p', 'bool'), vector('q', 'bool')).dtype).toBe('bool');
    expect(M.add(vector('p', 'bool'), vector('q', 'bool')).dtype).toBe('int32');
  });

  it('float32 results are float64 results rounded once', () => {
    const x = vector('x', 'float32');
    const a = NDArray.from([0.1, 1.7, -3.3], [3], 'float32');
    const [r] = evaluate([M.exp(M.mul(x, 1.5))], new Map([[x, a]]));
    expect(r.dtype).toBe('float32');
    expect(r.toFlat()).toEqual(a.toFlat().map((v) => Math.fround(Math.exp(Math.fround(v * 1.5)))));
  });

  it('int32 arithmetic wraps like C', () => {
    const i = vector('i', 'int32');
    const big = NDArray.from([2 ** 30, -(2 ** 31)], [2], 'int32');
    const [r] = evaluate([M.mul(i, 4)], new Map([[i, big]]));
    expect(r.toFlat()).toEqual([0, 0]);
  });
});

describe('elementwise ops: the node and its errors', () => {
  it('static shapes broadcast with unknown dims', () => {
    const out = M.add(tensor('float32', [null, 1, 3]), tensor('float32', [4, 1]));
    expect(out.staticShape).toEqual([null, 4, 3]);
    expect(M.add(tensor('float32', [null]), tensor('float32', [5])).staticShape).toEqual([5]);
  });

  it('a shape mismatch names the op, both shapes and the line that built it', () => {
    const x = matrix('x', 'float32', [2, 3]);
    const y = vector('y', 'float32', [4]);
    expect(() => M.add(x, y)).toThrow(/Elemwise\{add\}.*\(2, 3\) and \(4,\)[\s\S]*elemwise\.test\.ts:\d+/);
  });

  it('a mismatch only visible at run time names the node and its line', () => {
    const x = matrix('x');
    const y = vector('y');
    const out = M.mul(x, y);
    expect(() =>
      evaluate(
        [out],
        new Map([
          [x, NDArray.zeros([2, 3])],
          [y, NDArray.zeros([4])],
        ]),
      ),
    ).toThrow(/Elemwise\{mul\}.*\(2, 3\) and \(4,\)[\s\S]*elemwise\.test\.ts:\d+/);
  });

  it('ops with the same scalar op are equal and hash equally; native kernels name the scalar op', () => {
    expect(new Elemwise('add').equals(new Elemwise('add'))).toBe(true);
    expect(new Elemwise('add').equals(new Elemwise('sub'))).toBe(false);
    expect(new Elemwise('cast', { dtype: 'int32' }).toString()).toBe('Elemwise{cast,int32}');
    const out = M.cast(M.add(scalar('a'), scalar('b')), 'int32');
    expect(out.owner!.op.native!(out.owner!)).toEqual({
      kernel: 'elementwise',
      attrs: { outputs: [{ op: 'cast', args: [{ input: 0 }], dtype: 'int32' }] },
    });
    const op = new Elemwise('clip');
    expect([op.scalarOp, op.arity]).toEqual(['clip', 3]);
  });

  it('the in-place variant writes into its input when shapes and dtypes allow', () => {
    const x = vector('x', 'float64');
    const node = new Elemwise('exp', { inplace: 0 }).makeNode(x);
    const value = NDArray.from([0, 1], [2], 'float64');
    const [r] = node.op.perform([value], node);
    expect(r.data).toBe(value.data);
    expect(node.op.aliasMap!()).toEqual({ destroys: { 0: 0 } });
  });
});

describe('constructors and conversions', () => {
  it('numbers, booleans, NDArrays and nested arrays become constants; anything else is an error with the line', () => {
    expect(M.add(matrix('x'), [1, 2]).owner!.inputs[1].dtype).toBe('float32');
    expect(M.add(vector('i', 'int32'), [[1], [2]]).staticShape).toEqual([2, null]);
    expect(M.and(vector('p', 'bool'), true).dtype).toBe('bool');
    expect(() => M.add(matrix('x'), 'three' as never)).toThrow(
      /asVariable: expected a tensor.*string three[\s\S]*elemwise\.test\.ts:\d+/,
    );
    expect(() => tensor('float16' as never, [2])).toThrow(
      /unknown dtype 'float16'[\s\S]*elemwise\.test\.ts:\d+/,
    );
    expect(() => M.cast(matrix('x'), 'int8' as never)).toThrow(
      /Elemwise.*dtype[\s\S]*elemwise\.test\.ts:\d+/,
    );
  });
});
