import { describe, expect, it } from 'vitest';
import { pushAll, SeriesData } from '../../../renderer/src/lib/seriesData.ts';
import { smoothEma } from '../../../renderer/src/lib/smoothing.ts';

const ys = (points: { y: number }[]) => points.map((p) => p.y);
const xs = (points: { x: number }[]) => points.map((p) => p.x);

describe('a series as the chart holds it (seriesData.ts)', () => {
  it('leaves out missing values (the line spans them) and copies its input', () => {
    const x = [0, 1, 2, 3];
    const y = [1, null, NaN, 4];
    const data = new SeriesData({ x, y });
    data.rebuild('linear', 0);
    expect(data.raw).toEqual([
      { x: 0, y: 1 },
      { x: 3, y: 4 },
    ]);
    expect(data.smoothed).toEqual([]);
    data.append([4], [5]);
    expect(x).toHaveLength(4);
  });

  it('leaves out points whose x is not a number', () => {
    const data = new SeriesData({ x: [0, NaN, 2], y: [1, 2, 3] });
    data.rebuild('linear', 0.5);
    expect(xs(data.raw)).toEqual([0, 2]);
    expect(xs(data.smoothed)).toEqual([0, 2]);
    data.rebuild('linear', 0.7);
    // The value at the NaN x still counts in the average (it is a value, just not drawable).
    const expected = smoothEma([1, 2, 3], 0.7);
    expect(ys(data.smoothed)).toEqual([expected[0], expected[2]]);
  });

  it('drops y ≤ 0 on a log axis, and keeps them on a linear one', () => {
    const data = new SeriesData({ x: [0, 1, 2, 3], y: [1, 0, -2, 0.5] });
    data.rebuild('log', 0);
    expect(xs(data.raw)).toEqual([0, 3]);
    data.rebuild('linear', 0);
    expect(xs(data.raw)).toEqual([0, 1, 2, 3]);
  });

  it('smooths with the debiased EMA and remembers each raw value', () => {
    const y = [4, 2, null, 1, 3];
    const data = new SeriesData({ x: [0, 1, 2, 3, 4], y });
    data.rebuild('linear', 0.6);
    const expected = smoothEma(y, 0.6).filter((v) => v !== null);
    expect(ys(data.smoothed)).toEqual(expected);
    expect(data.smoothed.map((p) => p.raw)).toEqual([4, 2, 1, 3]);
    expect(xs(data.smoothed)).toEqual([0, 1, 3, 4]);
  });

  it('appending smooths only the new points and equals smoothing everything at once', () => {
    const n = 3000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => (i % 97 === 0 ? null : Math.exp(-i / 500) * (1 + 0.2 * Math.sin(i))));
    const whole = new SeriesData({ x, y });
    whole.rebuild('log', 0.9);

    const live = new SeriesData({ x: x.slice(0, 100), y: y.slice(0, 100) });
    live.rebuild('log', 0.9);
    const rawArray = live.raw;
    const smoothedArray = live.smoothed;
    for (let i = 100; i < n; i += 37) live.append(x.slice(i, i + 37), y.slice(i, i + 37));
    expect(live.raw).toBe(rawArray); // grown in place: the chart's datasets keep pointing at it
    expect(live.smoothed).toBe(smoothedArray);
    expect(live.raw).toEqual(whole.raw);
    expect(live.smoothed).toEqual(whole.smoothed);
  });

  it('a new smoothing weight gives what a fresh series would, in place on a linear axis', () => {
    const x = Array.from({ length: 500 }, (_, i) => i);
    const y = x.map((i) => (i % 50 === 7 ? null : i % 13 === 0 ? -1 : Math.cos(i / 9) + 0.01 * i));
    const fresh = (scale: 'linear' | 'log', w: number) => {
      const d = new SeriesData({ x, y });
      d.rebuild(scale, w);
      return d;
    };
    const data = fresh('linear', 0.3);
    const raw = data.raw;
    const smoothed = data.smoothed;
    data.rebuild('linear', 0.95);
    expect(data.raw).toBe(raw);
    expect(data.smoothed).toBe(smoothed);
    expect(data.smoothed).toEqual(fresh('linear', 0.95).smoothed);
    data.append([500, 501], [0.5, 0.25]);
    const longer = new SeriesData({ x: [...x, 500, 501], y: [...y, 0.5, 0.25] });
    longer.rebuild('linear', 0.95);
    expect(data.smoothed).toEqual(longer.smoothed);
    const positive = new SeriesData({ x, y: y.map((v) => (v === null ? null : Math.abs(v) + 0.1)) });
    positive.rebuild('log', 0.5);
    const before = positive.smoothed;
    positive.rebuild('log', 0.9);
    expect(positive.smoothed).toBe(before);
    const check = new SeriesData({ x, y: y.map((v) => (v === null ? null : Math.abs(v) + 0.1)) });
    check.rebuild('log', 0.9);
    expect(positive.smoothed).toEqual(check.smoothed);
    for (const [scale, w] of [
      ['linear', 0],
      ['log', 0],
      ['log', 0.5],
      ['log', 0.8],
      ['linear', 0.8],
    ] as const) {
      data.rebuild(scale, w);
      const expected = new SeriesData({ x: [...x, 500, 501], y: [...y, 0.5, 0.25] });
      expected.rebuild(scale, w);
      expect(data.raw).toEqual(expected.raw);
      expect(data.smoothed).toEqual(expected.smoothed);
    }
  });

  it('drops appended points at or before the last x it holds', () => {
    const data = new SeriesData({ x: [0, 10], y: [1, 2] });
    data.rebuild('linear', 0);
    expect(data.append([5, 10, 20, 15, 30], [9, 9, 3, 9, 4])).toBe(2);
    expect(data.raw).toEqual([
      { x: 0, y: 1 },
      { x: 10, y: 2 },
      { x: 20, y: 3 },
      { x: 30, y: 4 },
    ]);
    const empty = new SeriesData({ x: [], y: [] });
    empty.rebuild('linear', 0.5);
    expect(empty.append([3], [1])).toBe(1);
    expect(empty.smoothed).toEqual([{ x: 3, y: 1, raw: 1 }]);
  });

  it('clamps a band on a log axis at the floor and keeps both edges aligned', () => {
    const data = new SeriesData({
      x: [0, 1, 2, 3, 4],
      y: [1, 0.5, 0.2, 0.1, 0.1],
      band: { lower: [0.5, -0.1, null, 1e-12, 0.05], upper: [1.5, 1.1, 0.4, 0.2, -0.01] },
    });
    data.rebuild('log', 0);
    expect(data.minPositive()).toBe(0.1);
    expect(data.minPositive(true)).toBe(1e-12);
    const { lower, upper } = data.bandPoints(0.03);
    // ≤ 0 and "nearly zero" alike run to the floor; where the upper edge is ≤ 0 there is no band.
    expect(lower).toEqual([
      { x: 0, y: 0.5 },
      { x: 1, y: 0.03 },
      { x: 3, y: 0.03 },
    ]);
    expect(xs(upper)).toEqual([0, 1, 3]);

    data.rebuild('linear', 0);
    expect(ys(data.bandPoints(0.03).lower)).toEqual([0.5, -0.1, 1e-12, 0.05]);
  });

  it('smooths the band with the curve, so it stays centred on it', () => {
    const y = [1, 3, 2, 4];
    const data = new SeriesData({
      x: [0, 1, 2, 3],
      y,
      band: { lower: y.map((v) => v - 1), upper: y.map((v) => v + 1) },
    });
    data.rebuild('linear', 0.7);
    const { lower, upper } = data.bandPoints(1);
    data.smoothed.forEach((p, i) => {
      expect(p.y - lower[i].y).toBeCloseTo(1, 12);
      expect(upper[i].y - p.y).toBeCloseTo(1, 12);
    });
  });

  it('has nothing to draw when every value is null', () => {
    const data = new SeriesData({
      x: [0, 1],
      y: [null, null],
      band: { lower: [null, null], upper: [null, null] },
    });
    data.rebuild('log', 0.5);
    expect(data.raw).toEqual([]);
    expect(data.smoothed).toEqual([]);
    expect(data.minPositive(true)).toBe(Infinity);
    expect(data.bandPoints(1)).toEqual({ lower: [], upper: [] });
  });

  it('pushAll appends more items than one call could spread', () => {
    const target = [0];
    pushAll(
      target,
      Array.from({ length: 200_000 }, (_, i) => i + 1),
    );
    expect(target).toHaveLength(200_001);
    expect(target[200_000]).toBe(200_000);
  });
});
