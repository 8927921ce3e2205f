// Welch's t-test (main/lab/statistics.ts) against scipy.stats.ttest_ind(equal_var=False).
import { describe, expect, it } from 'vitest';
import { welchTTest } from '../../../../main/lab/statistics.ts';
import { findPython, runPythonJson } from '../../../support/python.ts';

const samples: [number[], number[]][] = [
  [
    [-2.1, -1.7, -2.5, -1.9, -2.2, -2.0],
    [-1.2, -1.5, -0.9, -1.4, -1.1, -1.6, -1.0, -1.3],
  ],
  [
    [0.31, 0.29, 0.35],
    [0.12, 0.45, 0.3, 0.2, 0.5, 0.05, 0.38, 0.27, 0.41, 0.33],
  ],
  [
    [1, 2, 3, 4, 5],
    [1.5, 2.5, 3.5, 4.5, 5.5],
  ],
];

const script = `
import json, sys
from scipy import stats
cases = json.load(sys.stdin)
out = []
for a, b in cases:
    r = stats.ttest_ind(a, b, equal_var=False)
    out.append({"t": float(r.statistic), "p": float(r.pvalue), "df": float(r.df)})
print(json.dumps(out))
`;

describe("Welch's t-test", () => {
  const found = findPython('numpy');
  it.skipIf(found.python === null)('matches scipy.stats.ttest_ind(equal_var=False)', () => {
    let reference: { t: number; p: number; df: number }[];
    try {
      reference = runPythonJson(found.python!, script, samples);
    } catch (error) {
      console.warn(`skipping: scipy is not importable (${(error as Error).message.split('\n').pop()})`);
      return;
    }
    samples.forEach(([a, b], i) => {
      const ours = welchTTest(a, b);
      expect(ours.t).toBeCloseTo(reference[i].t, 12);
      expect(ours.df).toBeCloseTo(reference[i].df, 10);
      expect(Math.abs(ours.p - reference[i].p) / reference[i].p).toBeLessThan(1e-9);
    });
  });

  it('needs two values a side and gives NaN without variance', () => {
    expect(() => welchTTest([1], [1, 2])).toThrow(
      'welchTTest needs at least 2 values on each side, got 1 and 2',
    );
    expect(welchTTest([1, 1], [1, 1]).p).toBeNaN();
  });
});
