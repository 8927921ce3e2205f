import { describe, expect, it } from 'vitest';
import type { ReportChart } from '../../../main/api/labApi.ts';
import { metricToChartSeries, reportChartSeries, secondsSince } from '../../../renderer/src/lib/series.ts';

const metric = {
  runId: 4,
  name: 'val_loss',
  steps: [0, 10, 20],
  wallTimes: [1_700_000_000_000, 1_700_000_000_500, 1_700_000_002_000],
  values: [2.5, null, 1.25],
};

describe('lab data as chart series (series.ts)', () => {
  it('puts steps on x', () => {
    expect(metricToChartSeries(metric, 'step')).toEqual({
      id: 'run-4-val_loss',
      label: 'val_loss',
      x: [0, 10, 20],
      y: [2.5, null, 1.25],
    });
  });

  it("puts seconds since the run's first point on x for wall time", () => {
    expect(metricToChartSeries(metric, 'wall').x).toEqual([0, 0.5, 2]);
    // A run-wide origin (the run's first point over all its metrics) shifts every metric alike.
    const s = metricToChartSeries(metric, 'wall', {
      originMs: 1_699_999_999_000,
      id: 'a',
      label: 'A',
      color: '#000',
    });
    expect(s).toEqual({ id: 'a', label: 'A', color: '#000', x: [1, 1.5, 3], y: metric.values });
  });

  it('handles an empty metric', () => {
    const empty = { ...metric, steps: [], wallTimes: [], values: [] };
    expect(metricToChartSeries(empty, 'wall').x).toEqual([]);
    expect(secondsSince([])).toEqual([]);
  });

  it("keeps a report chart's bands and gives same-label series distinct ids", () => {
    const chart: ReportChart = {
      id: 'val-loss',
      title: 'Validation loss',
      x: { label: 'step', scale: 'linear' },
      y: { label: 'loss', scale: 'log' },
      series: [
        {
          label: 'adam',
          x: [0, 1],
          y: [1, 0.5],
          band: { lower: [0.9, 0.4], upper: [1.1, 0.6], level: 0.95 },
        },
        { label: 'sgd', x: [0, 1], y: [1, 0.8] },
        { label: 'sgd', x: [0, 1], y: [1, 0.7] },
      ],
    };
    const series = reportChartSeries(chart);
    expect(series[0]).toEqual({
      id: 'adam',
      label: 'adam',
      x: [0, 1],
      y: [1, 0.5],
      band: { lower: [0.9, 0.4], upper: [1.1, 0.6] },
    });
    expect(series.map((s) => s.id)).toEqual(['adam', 'sgd', 'sgd#2']);
    expect(series[1].band).toBeUndefined();
  });
});
