// Turning what the lab returns into chart series: a run's metric (steps, wall times, values) and
// a report's chart (series with confidence bands). Wall time on x is seconds since the run's
// first point, so runs started hours apart still line up at 0.
import type { MetricSeries, ReportChart } from '../../../main/api/labApi.ts';
import type { ChartSeries, XAxis } from '../components/charts/types.ts';

/** Seconds since `originMs` (by default the first wall time) for each wall time in ms. */
export function secondsSince(wallTimes: readonly number[], originMs = wallTimes[0]): number[] {
  const out = new Array<number>(wallTimes.length);
  for (let i = 0; i < wallTimes.length; i++) out[i] = (wallTimes[i] - originMs) / 1000;
  return out;
}

export interface MetricSeriesOptions {
  /** Defaults to `run-<runId>-<name>`. */
  id?: string;
  /** Defaults to the metric's name. */
  label?: string;
  color?: string;
  /** Wall time origin in ms (e.g. the run's first point over all its metrics); default: this series' first point. */
  originMs?: number;
}

/** A run's metric as a chart series, over steps or over seconds since the run's first point. */
export function metricToChartSeries(
  metric: Pick<MetricSeries, 'runId' | 'name' | 'steps' | 'wallTimes' | 'values'>,
  xAxis: XAxis,
  options: MetricSeriesOptions = {},
): ChartSeries {
  const series: ChartSeries = {
    id: options.id ?? `run-${metric.runId}-${metric.name}`,
    label: options.label ?? metric.name,
    x: xAxis === 'step' ? metric.steps : secondsSince(metric.wallTimes, options.originMs),
    y: metric.values,
  };
  if (options.color !== undefined) series.color = options.color;
  return series;
}

/**
 * A report chart's series as chart series. The id is the label, so one optimizer (say) has one
 * colour in every chart of a report.
 */
export function reportChartSeries(chart: ReportChart): ChartSeries[] {
  return chart.series.map((s, i) => {
    const series: ChartSeries = { id: s.label, label: s.label, x: s.x, y: s.y };
    if (s.band) series.band = { lower: s.band.lower, upper: s.band.upper };
    // Two series with one label would share an id (and a colour): keep them apart.
    if (chart.series.findIndex((other) => other.label === s.label) !== i) series.id += `#${i}`;
    return series;
  });
}
