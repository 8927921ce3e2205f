import { beforeAll, describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import { reduce, type ReduceKind } from '../../../../engine/ops/reduce.ts';
import { matrix, tensor } from '../../../../engine/tensor.ts';
import { evaluate } from './evaluate.ts';
import { expectClose, randomArray, strided } from './helpers.ts';
import { pyReference, type PyResult } from './pyref.ts';

const pyAxis = (axes: number[] | null): string => (axes === null ? 'None' : `(${axes.join(', ')},)`);
const exprs: Record<ReduceKind, (axes: number[] | null, keep: boolean) => string> = {
  sum: (ax, k) => `np.sum(a, axis=${pyAxis(ax)}, keepdims=${k ? 'True' : 'False'})`,
  mean: (ax, k) => `np.mean(a, axis=${pyAxis(ax)}, keepdims=${k ? 'True' : 'False'})`,
  prod: (ax, k) => `np.prod(a, axis=${pyAxis(ax)}, keepdims=${k ? 'True' : 'False'})`,
  max: (ax, k) => `np.max(a, axis=${pyAxis(ax)}, keepdims=${k ? 'True' : 'False'})`,
  min: (ax, k) => `np.min(a, axis=${pyAxis(ax)}, keepdims=${k ? 'True' : 'False'})`,
  var: (ax, k) => `np.var(a, axis=${pyAxis(ax)}, keepdims=${k ? 'True' : 'False'})`,
  logsumexp: (ax, k) =>
    `torch.logsumexp(t(a), dim=${ax === null ? '(0, 1, 2)' : pyAxis(ax)}, keepdim=${k ? 'True' : 'False'})`,
  // NumPy's argmax takes one axis (or none: the flattened array), so only those are compared.
  argmax: (ax, k) => `np.argmax(a, axis=${ax === null ? 'None' : ax[0]}${k ? ', keepdims=True' : ''})`,
};
const kinds = Object.keys(exprs) as ReduceKind[];
const axesList: (number[] | null)[] = [null, [0], [2], [0, 2], [1, 2]];

interface Planned {
  kind: ReduceKind;
  axes: number[] | null;
  keep: boolean;
  value: NDArray;
}
const planned: Planned[] = [];
for (const kind of kinds) {
  for (const axes of axesList) {
    if (kind === 'argmax' && axes !== null && axes.length > 1) continue;
    for (const keep of [false, true]) {
      if (kind === 'argmax' && axes === null && keep) continue;
      const value = randomArray([3, 4, 5], kind === 'prod' ? 0.5 : -2, kind === 'prod' ? 1.5 : 2);
      planned.push({ kind, axes, keep, value });
      planned.push({ kind, axes, keep, value: strided(value) });
    }
  }
}

let reference: PyResult[] = [];
beforeAll(() => {
  reference = pyReference(
    planned.map((p) => ({ expr: exprs[p.kind](p.axes, p.keep), inputs: { a: p.value } })),
  );
});

describe('reductions: forward against NumPy/PyTorch', () => {
  it.each(kinds)('%s over any axes, with and without keepdims, strided inputs', (kind) => {
    planned.forEach((p, i) => {
      if (p.kind !== kind) return;
      const x = tensor('float64', [3, 4, 5], 'x');
      const out = reduce(kind, x, p.axes, p.keep);
      const [value] = evaluate([out], new Map([[x, p.value]]));
      expect(out.dtype).toBe(kind === 'argmax' ? 'int32' : 'float64');
      expect(out.staticShape).toEqual(value.shape);
      expectClose(value, reference[i], 1e-12, 1e-13, `${kind} ${JSON.stringify(p.axes)} keep=${p.keep}`);
    });
  });

  it('float32 input gives float32; int32 sums stay int32 and means become float32', () => {
    expect(reduce('sum', matrix('x')).dtype).toBe('float32');
    expect(reduce('sum', matrix('i', 'int32')).dtype).toBe('int32');
    expect(reduce('mean', matrix('i', 'int32')).dtype).toBe('float32');
    expect(reduce('sum', matrix('p', 'bool')).dtype).toBe('int32');
  });

  it('logsumexp is stable for large inputs', () => {
    const x = tensor('float64', [2], 'x');
    const [v] = evaluate(
      [reduce('logsumexp', x)],
      new Map([[x, NDArray.from([1000, 1000], [2], 'float64')]]),
    );
    expect(v.toFlat()[0]).toBeCloseTo(1000 + Math.log(2), 10);
  });
});

describe('reductions: gradients against finite differences', () => {
  const grads: ReduceKind[] = ['sum', 'mean', 'prod', 'max', 'min', 'logsumexp', 'var'];
  it.each(grads)('%s', (kind) => {
    const lo = kind === 'prod' ? 0.5 : -2;
    for (const [axes, keep] of [
      [null, false],
      [[1], false],
      [[0, 2], true],
    ] as const) {
      verifyGrad((x) => reduce(kind, x, axes, keep), [randomArray([2, 3, 4], lo, 2)]);
    }
  });

  it('mean over unknown dimensions divides by the run-time count', () => {
    const x = matrix('x', 'float64');
    const g = grad(reduce('mean', x, [0, 1]), x);
    const value = fn([x], g, { backend: 'js' })(randomArray([3, 5])) as NDArray;
    expect(value.shape).toEqual([3, 5]);
    for (const v of value.toFlat()) expect(v).toBeCloseTo(1 / 15, 14);
  });
});

describe('reductions: errors', () => {
  it('an axis out of range names the op, the shape and the line', () => {
    expect(() => reduce('sum', matrix('x', 'float32', [2, 3]), 2)).toThrow(
      /sum: axis 2 is out of range for x: float32\(2, 3\)[\s\S]*reduce\.test\.ts:\d+/,
    );
  });
});
