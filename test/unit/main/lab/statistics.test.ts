import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  meanConfidenceInterval,
  regularizedBeta,
  studentTCdf,
  studentTQuantile,
} from '../../../../main/lab/statistics.ts';
import { requirePython } from '../../../support/python.ts';

// Independent reference: Student-t quantiles by bisection on a Simpson integral of the density,
// in float64 NumPy, sharing no code with the incomplete-beta implementation under test.
const referenceScript = `
import json, math, sys
import numpy as np
def cdf(t, df):
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    x = np.linspace(0.0, t, 400001)
    y = c * (1 + x * x / df) ** (-(df + 1) / 2)
    h = x[1] - x[0]
    return 0.5 + h / 3 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum())
def ppf(p, df):
    lo, hi = 0.0, 200.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid, df) < p else (lo, mid)
    return (lo + hi) / 2
cases = json.loads(sys.argv[1])
values = json.loads(sys.argv[2])
print(json.dumps({
  "quantiles": [ppf(p, df) for p, df in cases],
  "cdf": [cdf(t, df) for t, df in [(0.7, 3), (2.5, 7), (1.0, 1)]],
  "std": float(np.std(values, ddof=1)),
  "mean": float(np.mean(values)),
}))
`;

const cases: [number, number][] = [
  [0.975, 1],
  [0.975, 2],
  [0.975, 4],
  [0.975, 9],
  [0.975, 29],
  [0.95, 5],
  [0.995, 3],
  [0.975, 5],
];
const values = [0.31, 0.27, 0.35, 0.29, 0.33, 0.41];

function reference() {
  const run = spawnSync(
    requirePython('numpy'),
    ['-c', referenceScript, JSON.stringify(cases), JSON.stringify(values)],
    {
      encoding: 'utf8',
    },
  );
  if (run.status !== 0) throw new Error(`python reference failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { quantiles: number[]; cdf: number[]; std: number; mean: number };
}

describe('statistics', () => {
  const expected = reference();

  it('computes Student-t quantiles like an independent numerical integration', () => {
    cases.forEach(([p, df], i) => expect(studentTQuantile(p, df)).toBeCloseTo(expected.quantiles[i], 7));
    expect(studentTQuantile(0.025, 4)).toBeCloseTo(-expected.quantiles[2], 7);
  });

  it('computes the t CDF and the regularized incomplete beta', () => {
    [
      [0.7, 3],
      [2.5, 7],
      [1.0, 1],
    ].forEach(([t, df], i) => expect(studentTCdf(t, df)).toBeCloseTo(expected.cdf[i], 9));
    // I_x(1, 1) = x and I_x(a, 1) = x^a in closed form.
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(regularizedBeta(0.6, 2.5, 1)).toBeCloseTo(0.6 ** 2.5, 14);
  });

  it('gives mean ± the 95 % Student-t half-width', () => {
    const interval = meanConfidenceInterval(values);
    // Six values: 5 degrees of freedom, the last reference quantile.
    const halfWidth = (expected.quantiles[7] * expected.std) / Math.sqrt(values.length);
    expect(interval.mean).toBeCloseTo(expected.mean, 14);
    expect(interval.std).toBeCloseTo(expected.std, 14);
    expect(interval.halfWidth).toBeCloseTo(halfWidth, 12);
    expect(interval.low).toBeCloseTo(expected.mean - halfWidth, 12);
    expect(meanConfidenceInterval([1]).halfWidth).toBeNaN();
    expect(() => studentTQuantile(1, 3)).toThrow(/0 < p < 1/);
  });
});
