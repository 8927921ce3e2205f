import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { add, exp, mul } from '../../../../engine/ops/math.ts';
import { matrix } from '../../../../engine/tensor.ts';
import { constant } from '../../../../engine/tensor.ts';
import { merge } from '../../../../engine/rewrite/merge.ts';
import { constantFold } from '../../../../engine/rewrite/constantFold.ts';
import { expectSameResults, opsOf, rewritten } from './harness.ts';

const x = matrix('x', 'float64');
const value = NDArray.of(
  [
    [0.5, -1],
    [2, 0.25],
  ],
  'float64',
);

describe('merge', () => {
  it('keeps one of two equal nodes on the same inputs', () => {
    const out = mul(exp(x), exp(x));
    expect(opsOf(rewritten([x], [out], []))).toEqual(['Elemwise{exp}', 'Elemwise{exp}', 'Elemwise{mul}']);
    const fg = rewritten([x], [out], [merge]);
    expect(opsOf(fg)).toEqual(['Elemwise{exp}', 'Elemwise{mul}']);
    const [a, b] = fg.outputs[0].owner!.inputs;
    expect(a).toBe(b);
    expect(fg.history.map((h) => h.rewrite)).toEqual(['merge']);
    expectSameResults([x], [out], [value]);
  });

  it('merges constants by value, which lets equal nodes on them merge too', () => {
    const out = mul(add(x, constant(2, 'float64')), add(x, constant(2, 'float64')));
    const fg = rewritten([x], [out], [merge]);
    expect(opsOf(fg)).toEqual(['Elemwise{add}', 'Elemwise{mul}']);
    expectSameResults([x], [out], [value]);
  });

  it('keeps nodes with different props apart', () => {
    const fg = rewritten([x], [add(exp(x), mul(x, x))], [merge]);
    expect(opsOf(fg)).toHaveLength(3);
  });
});

describe('constantFold', () => {
  it('computes constant subgraphs at compile time', () => {
    const c = add(
      constant(
        [
          [1, 2],
          [3, 4],
        ],
        'float64',
      ),
      exp(constant(0, 'float64')),
    );
    const out = mul(x, c);
    const fg = rewritten([x], [out], [constantFold]);
    expect(opsOf(fg)).toEqual(['Elemwise{mul}']);
    expect(fg.outputs[0].owner!.inputs[1].toString()).toBe('Constant<float64(2, 2)>');
    expectSameResults([x], [out], [value]);
  });
});
