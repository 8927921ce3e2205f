import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLabDatabase } from '../../../../main/store/labDatabase.ts';
import { metricNames, metricSeries } from '../../../../main/store/metricSeries.ts';
import { MetricWriter } from '../../../../main/store/metricWriter.ts';

function seriesDatabase(values: number[]) {
  const lab = openLabDatabase(join(mkdtempSync(join(tmpdir(), 'lab-series-')), 'lab.db'));
  const writer = new MetricWriter(lab.db);
  values.forEach((value, i) => writer.add(1, 'loss', i + 1, i, value));
  writer.add(1, 'val_loss', 1, 0, 3);
  writer.close();
  return lab;
}

// A noisy decaying curve with one spike and one dip, like a run that nearly diverged.
const curve = Array.from({ length: 10_007 }, (_, i) => Math.exp(-i / 3000) + 0.01 * Math.sin(i * 1.7));
curve[6_321] = 50;
curve[8_888] = -4;

describe('metricSeries', () => {
  it('returns a short series as stored', () => {
    const lab = seriesDatabase([3, 2, 1]);
    expect(metricSeries(lab.db, 1, 'loss', { maxPoints: 10 })).toEqual({
      runId: 1,
      name: 'loss',
      steps: [1, 2, 3],
      wallTimes: [0, 1, 2],
      values: [3, 2, 1],
      totalPoints: 3,
      downsampled: false,
    });
    expect(metricNames(lab.db, 1)).toEqual(['loss', 'val_loss']);
    expect(metricNames(lab.db, 2)).toEqual([]);
    expect(metricSeries(lab.db, 1, 'accuracy')).toMatchObject({ steps: [], totalPoints: 0 });
    lab.close();
  });

  it('never returns more than 2 × maxPoints and keeps every bucket’s extremes', () => {
    const lab = seriesDatabase(curve);
    for (const maxPoints of [1, 7, 100, 640, 4000]) {
      const series = metricSeries(lab.db, 1, 'loss', { maxPoints });
      expect(series.downsampled).toBe(true);
      expect(series.totalPoints).toBe(curve.length);
      expect(series.steps.length).toBeLessThanOrEqual(2 * maxPoints);
      expect(series.steps).toEqual([...series.steps].sort((a, b) => a - b));
      // Reference: the same buckets computed over the raw array in plain JS.
      const width = Math.ceil(curve.length / maxPoints);
      const expected = new Map<number, number>();
      for (let start = 0; start < curve.length; start += width) {
        const bucket = curve.slice(start, start + width);
        const lo = bucket.indexOf(Math.min(...bucket));
        const hi = bucket.indexOf(Math.max(...bucket));
        expected.set(start + lo + 1, bucket[lo]);
        expected.set(start + hi + 1, bucket[hi]);
      }
      expect(new Map(series.steps.map((s, i) => [s, series.values[i]]))).toEqual(expected);
      expect(series.values).toContain(50);
      expect(series.values).toContain(-4);
    }
    lab.close();
  });

  it('downsamples within a step range', () => {
    const lab = seriesDatabase(curve);
    const series = metricSeries(lab.db, 1, 'loss', { maxPoints: 50, fromStep: 6000, toStep: 7000 });
    expect(series.totalPoints).toBe(1001);
    expect(series.steps.length).toBeLessThanOrEqual(100);
    expect(Math.min(...series.steps)).toBeGreaterThanOrEqual(6000);
    expect(Math.max(...series.steps)).toBeLessThanOrEqual(7000);
    expect(series.values).toContain(50);
    lab.close();
  });
});
