import { describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import { MLP } from '../../../../engine/nn/sequential.ts';
import { mean } from '../../../../engine/ops/reduce.ts';
import { sqr } from '../../../../engine/ops/math.ts';
import { flattenValues, unflattenValue } from '../../../../engine/params/host.ts';
import { bindFlat, flattenSymbolic, unflattenSymbolic } from '../../../../engine/params/symbolic.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { constant, matrix, vector } from '../../../../engine/tensor.ts';

describe('symbolic flat views', () => {
  const mlp = new MLP([3, 4, 2], { rng: new Rng(1), dtype: 'float64' });
  const params = mlp.parameters();
  const layout = mlp.layout();

  it('flattens the shared parameters into the same vector as the host flatten', () => {
    const flat = fn([], flattenSymbolic(params), { backend: 'js' })() as NDArray;
    const host = flattenValues(
      layout,
      params.map((p) => p.get()),
    );
    expect(flat.toFlat()).toEqual(host.toFlat());
  });

  it('cuts a flat vector back into the parameter shapes', () => {
    const theta = vector('theta', 'float64');
    const value = NDArray.from(
      Array.from({ length: layout.size }, (_, i) => i / 10),
      [layout.size],
      'float64',
    );
    const pieces = fn([theta], unflattenSymbolic(layout, theta), { backend: 'js' })(value) as NDArray[];
    expect(pieces.map((p) => p.toNested())).toEqual(unflattenValue(layout, value).map((p) => p.toNested()));
  });

  it('evaluates a model at θ through a binding, with gradients flowing into θ', () => {
    const x = matrix('x', 'float64');
    const theta = vector('theta', 'float64', [layout.size]);
    const xValue = new Rng(2).normal([5, 3], 'float64');
    const thetaValue = flattenValues(
      layout,
      params.map((p) => p.get()),
    );
    const atTheta = fn([x, theta], mlp.forward(x, bindFlat(params, layout, theta)), { backend: 'js' });
    const own = fn([x], mlp.forward(x), { backend: 'js' });
    expect((atTheta(xValue, thetaValue) as NDArray).toFlat()).toEqual((own(xValue) as NDArray).toFlat());

    // d loss/dθ equals the flattened per-parameter gradients.
    const loss = mean(sqr(mlp.forward(x, bindFlat(params, layout, theta))));
    const gTheta = fn([x, theta], grad(loss, theta), { backend: 'js' })(xValue, thetaValue) as NDArray;
    const ownLoss = mean(sqr(mlp.forward(x)));
    const gParams = fn([x], grad(ownLoss, params), { backend: 'js' })(xValue) as NDArray[];
    const expected = flattenValues(layout, gParams).toFlat();
    gTheta.toFlat().forEach((g, i) => expect(g).toBeCloseTo(expected[i], 14));

    verifyGrad((t: Variable) => mlp.forward(constant(xValue), bindFlat(params, layout, t)), [thetaValue]);
  });

  it('explains a mismatched vector or parameter list', () => {
    expect(() => unflattenSymbolic(layout, vector('t', 'float64', [5]))).toThrow(/vector of 26 coordinates/);
    expect(() => bindFlat([...params].reverse(), layout, vector('t', 'float64'))).toThrow(
      /parameter 0 is mlp\.1\.b/,
    );
    expect(() => flattenSymbolic([])).toThrow(/no variables/);
  });
});
