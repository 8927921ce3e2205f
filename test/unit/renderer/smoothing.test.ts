import { describe, expect, it } from 'vitest';
import { clampSmoothing, emaAppend, smoothEma, startEma } from '../../../renderer/src/lib/smoothing.ts';

/**
 * TensorBoard's smoothing as its line chart computes it (tensorboard/components/vz_line_chart2/
 * line-chart.ts, resmoothDataset), transcribed: the independent reference.
 */
function tensorBoardSmooth(values: number[], weight: number): number[] {
  let last = values.length > 0 ? 0 : NaN;
  let numAccum = 0;
  const isConstant = values.every((v) => v === values[0]);
  return values.map((nextVal) => {
    if (isConstant || !Number.isFinite(nextVal)) return nextVal;
    last = last * weight + (1 - weight) * nextVal;
    numAccum++;
    const debiasWeight = weight === 1 ? 1 : 1 - Math.pow(weight, numAccum);
    return last / debiasWeight;
  });
}

/** A deterministic pseudo-random curve: a decaying loss with noise. */
function noisyLoss(n: number, seed = 1): number[] {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, (_, i) => Math.exp(-i / 200) + 0.3 * (rand() - 0.5));
}

describe('debiased EMA (smoothing.ts)', () => {
  it('matches a hand-computed reference', () => {
    // Weights 0.5^k, normalised: [1], [(0.5·1 + 2)/1.5], [(0.25·1 + 0.5·2 + 3)/1.75].
    const smoothed = smoothEma([1, 2, 3], 0.5);
    expect(smoothed[0]).toBeCloseTo(1, 15);
    expect(smoothed[1]).toBeCloseTo(5 / 3, 15);
    expect(smoothed[2]).toBeCloseTo(17 / 7, 15);
  });

  it("matches TensorBoard's formula", () => {
    const values = noisyLoss(2000);
    for (const weight of [0, 0.3, 0.6, 0.9, 0.99]) {
      const ours = smoothEma(values, weight);
      const theirs = tensorBoardSmooth(values, weight);
      for (let i = 0; i < values.length; i++) expect(ours[i]).toBeCloseTo(theirs[i], 12);
    }
  });

  it('starts at the first value (debiased), not pulled towards zero', () => {
    expect(smoothEma([10, 10, 10], 0.9)).toEqual([10, 10, 10].map(() => expect.closeTo(10, 12)));
    expect(smoothEma([100], 0.99)[0]).toBeCloseTo(100, 10);
  });

  it('skips nulls and non-finite values instead of treating them as zero', () => {
    const smoothed = smoothEma([1, null, 3, NaN, Infinity], 0.5);
    expect(smoothed[0]).toBeCloseTo(1, 15);
    expect(smoothed[1]).toBeNull();
    // Only 1 and 3 went in: (0.5·1 + 3)/1.5.
    expect(smoothed[2]).toBeCloseTo(7 / 3, 15);
    expect(smoothed[3]).toBeNull();
    expect(smoothed[4]).toBeNull();
    // Same as TensorBoard on the finite values alone.
    const finite = tensorBoardSmooth([1, 3], 0.5);
    expect([smoothed[0], smoothed[2]]).toEqual(finite.map((v) => expect.closeTo(v, 14)));
  });

  it('is the identity at weight 0, and all-null stays all-null', () => {
    expect(smoothEma([3, null, -1, 7], 0)).toEqual([3, null, -1, 7]);
    expect(smoothEma([null, null], 0.8)).toEqual([null, null]);
    expect(smoothEma([], 0.8)).toEqual([]);
  });

  it('incremental appends give exactly the batch result', () => {
    const values: (number | null)[] = noisyLoss(1000, 7);
    values[10] = null;
    values[500] = null;
    const weight = 0.87;
    const batch = smoothEma(values, weight);
    const state = startEma();
    const out: (number | null)[] = [];
    for (let i = 0; i < values.length;) {
      const size = 1 + ((i * 7) % 23);
      emaAppend(state, weight, values.slice(i, i + size), out);
      i += size;
    }
    expect(out).toEqual(batch);
    expect(state.count).toBe(998);
  });

  it('clamps weights to [0, 0.99]', () => {
    expect(clampSmoothing(-1)).toBe(0);
    expect(clampSmoothing(1)).toBe(0.99);
    expect(clampSmoothing(NaN)).toBe(0);
    expect(clampSmoothing(0.6)).toBe(0.6);
    expect(smoothEma([1, 2], 5)).toEqual(smoothEma([1, 2], 0.99));
  });
});
