// The options every metric chart shares. Choices made for speed: no animation (live charts redraw
// on every frame; an animation would never finish), parsing off with {x, y} points and
// `normalized` (Chart.js skips parsing and sorting, and its decimation requires both), min-max
// decimation (every spike survives, unlike LTTB's averaging), no point markers. Choices made for
// legibility: thin light gridlines, muted ticks with short labels, axis titles always shown.
import type { ChartOptions, Scale, TooltipItem } from 'chart.js';
import { formatValue } from '../../../../main/lab/formatValue.ts';
import { formatLogTick, formatTick, formatX } from '../../lib/axisFormat.ts';
import type { SmoothedPoint } from '../../lib/seriesData.ts';
import type { YScale } from './types.ts';

/** Colours and font, read from the app's CSS custom properties (with the same defaults). */
export interface ChartTheme {
  text: string;
  muted: string;
  grid: string;
  /** Gridlines between labelled ticks (a log axis' 3 × 10^k, say). */
  minorGrid: string;
  font: string;
}

export const defaultTheme: ChartTheme = {
  text: '#1d2228',
  muted: '#5b6670',
  grid: '#e6e9ed',
  minorGrid: '#f3f4f6',
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
};

export interface ChartOptionsInput {
  xLabel: string;
  yLabel: string;
  yScale: YScale;
  theme: ChartTheme;
  /** Called after the user zoomed or panned (to show the reset button). */
  onViewChange: () => void;
}

export function chartOptions(input: ChartOptionsInput): ChartOptions<'line'> {
  const { theme } = input;
  const ticks = { color: theme.muted, font: { family: theme.font, size: 11 } };
  const title = (text: string) => ({
    display: true,
    text,
    color: theme.muted,
    font: { family: theme.font, size: 12 },
  });
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    normalized: true,
    spanGaps: true,
    interaction: { mode: 'seriesAtX', intersect: false },
    layout: { padding: { top: 4, right: 12 } },
    scales: {
      x: {
        type: 'linear',
        title: title(input.xLabel),
        grid: { color: theme.grid, lineWidth: 1 },
        border: { color: theme.grid },
        // includeBounds off: a zoomed axis keeps round ticks instead of labelling its edges (42.9).
        ticks: {
          ...ticks,
          maxRotation: 0,
          autoSkipPadding: 16,
          includeBounds: false,
          callback: (v) => formatTick(Number(v)),
        },
      },
      y: yScaleOptions(input.yScale, input.yLabel, theme),
    },
    plugins: {
      decimation: { enabled: true, algorithm: 'min-max' },
      // Bands first, all of them, then every line on top: a band never covers a curve.
      filler: { drawTime: 'beforeDatasetsDraw', propagate: false },
      tooltip: {
        backgroundColor: 'rgba(255, 255, 255, 0.96)',
        titleColor: theme.text,
        bodyColor: theme.text,
        borderColor: theme.grid,
        borderWidth: 1,
        titleFont: { family: theme.font, size: 12, weight: 'bold' },
        bodyFont: { family: theme.font, size: 12 },
        padding: 8,
        boxPadding: 4,
        usePointStyle: false,
        // Highest value first: the list reads in the order the curves stand under the pointer.
        itemSort: (a, b) => (b.parsed.y ?? 0) - (a.parsed.y ?? 0),
        callbacks: {
          title: (items) => (items.length > 0 ? `${input.xLabel} ${formatX(items[0].parsed.x ?? NaN)}` : ''),
          label: tooltipLabel,
          labelColor: (item) => ({
            borderColor: String(item.dataset.borderColor),
            backgroundColor: String(item.dataset.borderColor),
          }),
        },
      },
      zoom: {
        zoom: {
          mode: 'x',
          // Ctrl + wheel: a plain wheel scrolls the page, which on a page of charts is what people mean.
          wheel: { enabled: true, speed: 0.1, modifierKey: 'ctrl' },
          pinch: { enabled: true },
          onZoomComplete: input.onViewChange,
        },
        pan: { enabled: true, mode: 'x', threshold: 4, onPanComplete: input.onViewChange },
        limits: { x: {} },
      },
      emptyState: { message: null, color: theme.muted, font: `14px ${theme.font}` },
    },
  };
}

/** The y scale's options; swapped in place when the user toggles log/linear. */
export function yScaleOptions(
  scale: YScale,
  label: string,
  theme: ChartTheme,
): NonNullable<ChartOptions<'line'>['scales']>['y'] {
  const title = { display: true, text: label, color: theme.muted, font: { family: theme.font, size: 12 } };
  const ticks = { color: theme.muted, font: { family: theme.font, size: 11 } };
  if (scale === 'linear') {
    return {
      type: 'linear',
      title,
      grid: { color: theme.grid, lineWidth: 1 },
      border: { color: theme.grid },
      ticks: { ...ticks, callback: (v) => formatTick(Number(v)) },
    };
  }
  return {
    type: 'logarithmic',
    title,
    // Gridlines at every 1…9 × 10^k; the unlabelled ones fainter, so decades read at a glance.
    grid: { color: (ctx) => (ctx.tick?.label ? theme.grid : theme.minorGrid), lineWidth: 1 },
    border: { color: theme.grid },
    ticks: {
      ...ticks,
      // formatLogTick decides which ticks are labelled; Chart.js's skipping would drop 1 × 10^k.
      autoSkip: false,
      callback(this: Scale, v) {
        const decades = Math.log10(this.max / this.min);
        return formatLogTick(Number(v), decades > 0 ? this.height / decades : Infinity);
      },
    },
  };
}

function tooltipLabel(item: TooltipItem<'line'>): string {
  const point = item.raw as Partial<SmoothedPoint>;
  const value = formatValue(item.parsed.y);
  return point.raw !== undefined
    ? `${item.dataset.label}: ${value} (raw ${formatValue(point.raw)})`
    : `${item.dataset.label}: ${value}`;
}
