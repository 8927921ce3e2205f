import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { quadraticLoss, randomQuadratics } from '../../../../engine/data/quadratics.ts';

function stats(values: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    sq += values[i] ** 2;
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(sq / values.length - mean ** 2), min, max };
}

/** Solves W x = y by Gaussian elimination with partial pivoting (float64). */
function solve(W: number[][], y: number[]): number[] {
  const n = y.length;
  const a = W.map((row, i) => [...row, y[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = c + 1; r < n; r++) {
      const f = a[r][c] / a[c][c];
      for (let k = c; k <= n; k++) a[r][k] -= f * a[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = a[r][n];
    for (let k = r + 1; k < n; k++) s -= a[r][k] * x[k];
    x[r] = s / a[r][r];
  }
  return x;
}

describe('randomQuadratics', () => {
  it('draws Gaussian W and y (the paper) and N(0, 0.01^2) starting points, shaped (B,d,d), (B,d), (B,d)', () => {
    const q = randomQuadratics({ batch: 128, dims: 10, seed: 1 });
    expect(q.W.shape).toEqual([128, 10, 10]);
    expect(q.y.shape).toEqual([128, 10]);
    expect(q.theta0.shape).toEqual([128, 10]);
    expect(q.W.dtype).toBe('float32');
    const w = stats(q.W.data);
    expect(Math.abs(w.mean)).toBeLessThan(0.04);
    expect(Math.abs(w.std - 1)).toBeLessThan(0.04);
    expect(w.min).toBeLessThan(-3);
    const t = stats(q.theta0.data);
    expect(Math.abs(t.std - 0.01)).toBeLessThan(0.001);
  });

  it('draws U[0, 1) W and y in the reference-code variant, with the same starting points', () => {
    const g = randomQuadratics({ batch: 64, seed: 5, dtype: 'float64' });
    const u = randomQuadratics({ batch: 64, seed: 5, dtype: 'float64', variant: 'uniform' });
    const w = stats(u.W.data);
    expect(w.min).toBeGreaterThanOrEqual(0);
    expect(w.max).toBeLessThan(1);
    expect(Math.abs(w.mean - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(w.std - Math.sqrt(1 / 12))).toBeLessThan(0.02);
    expect(u.theta0.toFlat()).toEqual(g.theta0.toFlat());
  });

  it('is reproducible per seed and different across seeds', () => {
    const a = randomQuadratics({ batch: 4, dims: 3, seed: 9 });
    expect(randomQuadratics({ batch: 4, dims: 3, seed: 9 }).W.toFlat()).toEqual(a.W.toFlat());
    expect(randomQuadratics({ batch: 4, dims: 3, seed: 10 }).W.toFlat()).not.toEqual(a.W.toFlat());
  });

  it('rejects bad sizes and variants', () => {
    expect(() => randomQuadratics({ batch: 0, seed: 1 })).toThrow(/batch must be a positive integer/);
    expect(() => randomQuadratics({ batch: 2, seed: 1, variant: 'cauchy' as 'uniform' })).toThrow(/variant/);
  });
});

describe('quadraticLoss', () => {
  const q = randomQuadratics({ batch: 6, dims: 5, seed: 3, dtype: 'float64' });
  const W = q.W.toNested() as number[][][];
  const y = q.y.toNested() as number[][];

  it('equals the expanded form θᵀWᵀWθ − 2yᵀWθ + yᵀy', () => {
    const theta = q.theta0.toNested() as number[][];
    const losses = quadraticLoss(q, q.theta0);
    for (let b = 0; b < 6; b++) {
      const Wt = W[b].map((row) => row.reduce((s, w, j) => s + w * theta[b][j], 0));
      const expanded =
        Wt.reduce((s, v) => s + v * v, 0) -
        2 * Wt.reduce((s, v, i) => s + v * y[b][i], 0) +
        y[b].reduce((s, v) => s + v * v, 0);
      expect(losses[b]).toBeCloseTo(expanded, 10);
    }
  });

  it('is zero at the solution of Wθ = y and positive elsewhere', () => {
    const solution = NDArray.of(
      W.map((Wb, b) => solve(Wb, y[b])),
      'float64',
    );
    for (const loss of quadraticLoss(q, solution)) expect(loss).toBeLessThan(1e-18);
    for (const loss of quadraticLoss(q, q.theta0)) expect(loss).toBeGreaterThan(0.1);
    expect(() => quadraticLoss(q, NDArray.zeros([6, 4]))).toThrow(/expected \[6, 5\]/);
  });
});
