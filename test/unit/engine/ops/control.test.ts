import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { stopGradient } from '../../../../engine/ops/control.ts';
import { add, mul } from '../../../../engine/ops/math.ts';
import { sum } from '../../../../engine/ops/reduce.ts';
import { vector } from '../../../../engine/tensor.ts';
import { evaluate } from './evaluate.ts';

const run = (v: Parameters<typeof evaluate>[0][0], givens = new Map()): NDArray => evaluate([v], givens)[0];

describe('control ops', () => {
  it('stopGradient passes values and blocks gradients (first-order terms only)', () => {
    const x = vector('x', 'float64');
    const cost = sum(mul(x, stopGradient(x)));
    const g = grad(cost, x);
    const value = NDArray.from([1, -2, 3], [3], 'float64');
    expect(run(stopGradient(x), new Map([[x, value]])).toFlat()).toEqual([1, -2, 3]);
    // d/dx sum(x * c) with c = x held constant is c, not 2x.
    expect(run(g, new Map([[x, value]])).toFlat()).toEqual([1, -2, 3]);
  });

  it('a variable reached only through stopGradient is disconnected', () => {
    const x = vector('x', 'float64');
    const w = vector('w', 'float64');
    const cost = sum(add(w, stopGradient(x)));
    expect(() => grad(cost, x)).toThrow(
      /disconnected[\s\S]*non-differentiable paths[\s\S]*control\.test\.ts/,
    );
    expect(
      run(
        grad(cost, x, { disconnected: 'zero' }),
        new Map([[x, NDArray.from([1, 2], [2], 'float64')]]),
      ).toFlat(),
    ).toEqual([0, 0]);
  });
});
