import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { transpose, expandDims } from '../../../../engine/ops/dimshuffle.ts';
import { add, div, exp, identity, mul, neg, sub } from '../../../../engine/ops/math.ts';
import { softmax } from '../../../../engine/ops/nnet.ts';
import { sumToShape } from '../../../../engine/ops/sumToShape.ts';
import { canonicalizeRewrites } from '../../../../engine/rewrite/canonicalize.ts';
import { constant, matrix, vector } from '../../../../engine/tensor.ts';
import { expectSameResults, opsOf, rewritten } from './harness.ts';

const x = matrix('x', 'float64');
const value = NDArray.of(
  [
    [0.5, -1, 3],
    [2, 0.25, -4],
  ],
  'float64',
);
const canon = (out: ReturnType<typeof exp>) => rewritten([x], [out], canonicalizeRewrites);

describe('canonicalize', () => {
  it('drops neutral operands: x*1, 1*x, x+0, 0+x, x-0, x/1', () => {
    const out = exp(div(sub(add(mul(mul(x, 1), 1), 0), 0), 1));
    expect(opsOf(rewritten([x], [out], []))).toHaveLength(6);
    const fg = canon(out);
    expect(opsOf(fg)).toEqual(['Elemwise{exp}']);
    expect(fg.outputs[0].owner!.inputs[0]).toBe(x);
    expectSameResults([x], [out], [value]);
  });

  it('keeps x*1 when the 1 broadcasts x to a larger shape', () => {
    const v = vector('v', 'float64');
    const out = mul(
      v,
      constant(
        [
          [1, 1, 1],
          [1, 1, 1],
        ],
        'float64',
      ),
    );
    expect(opsOf(rewritten([v], [out], canonicalizeRewrites))).toEqual(['Elemwise{mul}']);
  });

  it('removes neg(neg(x)) and identity(x)', () => {
    const out = exp(neg(neg(identity(x))));
    expect(opsOf(canon(out))).toEqual(['Elemwise{exp}']);
    expectSameResults([x], [out], [value]);
  });

  it('composes DimShuffles and cancels x.T.T', () => {
    const out = exp(transpose(transpose(x)));
    expect(opsOf(canon(out))).toEqual(['Elemwise{exp}']);
    const shuffled = exp(transpose(expandDims(x, 0), [2, 0, 1]));
    expect(opsOf(canon(shuffled))).toEqual(['DimShuffle{1,x,0}', 'Elemwise{exp}']);
    expectSameResults([x], [out, shuffled], [value]);
  });

  it('removes a SumToShape whose gradient provably has the input’s shape', () => {
    const g = exp(add(x, 1));
    const out = sumToShape(g, x);
    expect(opsOf(rewritten([x], [out], []))).toContain('SumToShape');
    expect(opsOf(canon(out))).not.toContain('SumToShape');
    expectSameResults([x], [out], [value]);
    // Shape-preserving ops carry the proof through (softmax keeps its input's shape).
    expect(opsOf(canon(sumToShape(softmax(exp(x)), x)))).toEqual(['Elemwise{exp}', 'Softmax{axis=1}']);
    // Against a different unknown row count the sum may be real: it stays.
    const y = matrix('y', 'float64');
    const kept = rewritten([x, y], [sumToShape(add(x, y), y)], canonicalizeRewrites);
    expect(opsOf(kept)).toContain('SumToShape');
  });
});
