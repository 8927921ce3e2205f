// A step the native executor refuses when the program is created (here an elementwise
// expression with more live values than its tile interpreter holds) runs as a JavaScript
// segment instead: the function still computes the right values, and the refusal is recorded.
import { describe, expect, it } from 'vitest';
import * as T from '../../engine/index.ts';
import { Composite, type CompositeExpr } from '../../engine/ops/composite.ts';
import { runDifferential, type FloatDType } from './harness.ts';
import { normal } from './values.ts';

/** tanh(k·x) summed right-deep over k = 1…terms: every term stays live until the last add. */
function rightDeepSum(terms: number, dtype: FloatDType): CompositeExpr {
  const term = (k: number): CompositeExpr => ({
    op: 'tanh',
    args: [{ op: 'mul', args: [{ input: 0 }, { const: k / terms, dtype }] }],
  });
  let expr = term(terms);
  for (let k = terms - 1; k >= 1; k--) expr = { op: 'add', args: [term(k), expr] };
  return expr;
}

describe('steps the executor refuses fall back to JavaScript', () => {
  it('an elementwise expression over the live-value limit runs as a JavaScript segment and agrees', () => {
    const prepared = runDifferential({
      name: 'oversized composite',
      build: (f) => {
        const x = T.tensor(f, [null], 'x');
        return { inputs: [x], outputs: [new Composite([rightDeepSum(80, f)], [f]).apply(x)] };
      },
      values: [normal([37])],
    });
    expect(prepared[0].fallbacks.map((f) => f.step)).toEqual([0]);
    expect(prepared[0].fallbacks[0].reason).toMatch(/Composite/);
    expect(prepared[0].jsSteps[0]).toBe(true);
  });
});
