import { describe, expect, it } from 'vitest';
import * as T from '../../../../engine/index.ts';
import { Apply, NDArray, Op, type Variable } from '../../../../engine/index.ts';
import { TensorType } from '../../../../engine/core/type.ts';

/** sin(x) with a deliberately wrong gradient (cos(x) + 0.01 at one element) for the failure path. */
class BadSin extends Op {
  makeNode(x: Variable): Apply {
    return new Apply(this, [x], [new TensorType(x.dtype, x.staticShape)]);
  }
  perform([x]: readonly NDArray[]): NDArray[] {
    return [NDArray.from(x.toFlat().map(Math.sin), x.shape, x.dtype)];
  }
  override grad(node: Apply, [gz]: readonly (Variable | null)[]): Variable[] {
    const x = node.inputs[0];
    const cos = T.sqrt(T.sub(1, T.sqr(this.apply(x)))); // |cos x|: wrong where cos x < 0
    return [T.mul(gz!, cos)];
  }
}

describe('verifyGrad', () => {
  it('accepts a correct gradient and reports how close it was', () => {
    const report = T.verifyGrad(
      (x, y) => T.mul(T.exp(x), y),
      [T.randn([2, 3], { seed: 1 }), T.randn([3], { seed: 2 })],
    );
    expect(report.checked).toBe(9);
    expect(report.maxAbsError).toBeLessThan(1e-7);
  });

  it('rejects a wrong gradient naming the worst element, both values and the tolerance', () => {
    // x in (pi/2, pi) has cos x < 0 there, so |cos x| is wrong at index 1 only.
    const x = NDArray.from([0.3, 2.5, -0.4], [3], 'float64');
    expect(() => T.verifyGrad((v) => new BadSin().apply(v), [x])).toThrow(
      /verifyGrad: the symbolic gradient of BadSin\.out disagrees[\s\S]*worst element: input 0 \(shape \(3,\)\) at \[1\] = 2\.5[\s\S]*symbolic .*finite difference .*tol 0\.00001/,
    );
  });

  it('checks every output element: a gradient missing for some of them is caught', () => {
    const wrong = (x: Variable): Variable =>
      T.concatenate([T.subtensor(x, ':1'), T.stopGradient(T.subtensor(x, '1:'))]);
    expect(() => T.verifyGrad(wrong, [T.randn([3], { seed: 3 })])).toThrow(/disagrees[\s\S]*at \[[12]\]/);
  });
});
