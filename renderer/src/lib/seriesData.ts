// One chart series as the chart holds it: its own copy of x and y (so live points can be appended
// without touching the caller's arrays), the smoother's state (so an append smooths only the new
// points), and the point arrays the chart draws. Drawable points are {x, y} objects because
// Chart.js's decimation needs parsing off; points that cannot be drawn are left out rather than
// passed as null — a log axis cannot show y ≤ 0, and min-max decimation would read null as 0.
// The line spans the gaps (spanGaps), so leaving a point out draws the same as a null.
import type { ChartSeries, YScale } from '../components/charts/types.ts';
import { clampSmoothing, emaAppend, emaStep, startEma, type EmaState } from './smoothing.ts';

export interface ChartPoint {
  x: number;
  y: number;
}

/** A smoothed point remembers the value it smooths, for the tooltip. */
export interface SmoothedPoint extends ChartPoint {
  raw: number;
}

const drawable = (y: number | null, scale: YScale): y is number =>
  y !== null && Number.isFinite(y) && (scale === 'linear' || y > 0);

export class SeriesData {
  readonly x: number[];
  readonly y: (number | null)[];
  readonly band: ChartSeries['band'];
  /** What the chart draws: every drawable raw point, and the smoothed curve (empty without smoothing). */
  raw: ChartPoint[] = [];
  smoothed: SmoothedPoint[] = [];
  private built = false;
  private scale: YScale = 'linear';
  private weight = 0;
  private ema: EmaState = startEma();

  constructor(series: Pick<ChartSeries, 'x' | 'y' | 'band'>) {
    const n = Math.min(series.x.length, series.y.length);
    this.x = series.x.slice(0, n);
    this.y = series.y.slice(0, n);
    this.band = series.band;
  }

  get length(): number {
    return this.x.length;
  }

  /**
   * Makes the drawn points fit a y scale and smoothing weight, doing only what changed: a new
   * weight alone leaves the raw points be, and where the smoothed curve keeps the same points it
   * moves them in place instead of reallocating them — dragging the smoothing slider over a
   * million points stays interactive.
   */
  rebuild(scale: YScale, smoothing: number): void {
    const weight = clampSmoothing(smoothing);
    if (this.built && scale === this.scale) {
      if (weight === this.weight) return;
      // In place where the smoothed curve keeps its points: on a linear axis always, on a log
      // axis when every value is positive (an average of positive values is positive).
      const inPlace = weight > 0 && this.weight > 0 && (scale === 'linear' || this.allPositive());
      this.weight = weight;
      this.ema = startEma();
      if (inPlace) this.resmooth();
      else this.smoothed = this.smoothedFrom(0);
      return;
    }
    this.built = true;
    this.scale = scale;
    this.weight = weight;
    this.ema = startEma();
    this.raw = this.rawFrom(0);
    this.smoothed = this.smoothedFrom(0);
  }

  /**
   * Appends live points, in place (the arrays the chart holds grow). Points at or before the
   * last x already held are dropped: a live source that sends a point twice, or a page that
   * redrew from the store while appends were queued, must not draw a curve that runs backwards.
   * Returns how many points were taken.
   */
  append(x: readonly number[], y: readonly (number | null)[]): number {
    const from = this.x.length;
    let last = from > 0 ? this.x[from - 1] : -Infinity;
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      if (!(x[i] > last)) continue;
      last = x[i];
      this.x.push(x[i]);
      this.y.push(y[i]);
    }
    pushAll(this.raw, this.rawFrom(from));
    pushAll(this.smoothed, this.smoothedFrom(from));
    return this.x.length - from;
  }

  /** The smallest positive value of the curve (and of its band, with `withBand`). */
  minPositive(withBand = false): number {
    let min = Infinity;
    const scan = (values: readonly (number | null)[]) => {
      for (const v of values) if (v !== null && v > 0 && v < min) min = v;
    };
    scan(this.y);
    if (withBand && this.band) {
      scan(this.band.lower);
      scan(this.band.upper);
    }
    return min;
  }

  /**
   * The band's edges as drawn: smoothed like the curve (the EMA is linear, so the band stays
   * centred on the smoothed curve), and on a log axis clamped from below at `logFloor`: a lower
   * edge at or near zero (mean − half-width with a wide interval) would otherwise break the axis
   * or stretch it over decades nobody needs; clamped, the band runs to the bottom of the plot.
   * A point is left out of both edges where either is missing, so the filled area stays closed.
   */
  bandPoints(logFloor: number): { lower: ChartPoint[]; upper: ChartPoint[] } {
    const lower: ChartPoint[] = [];
    const upper: ChartPoint[] = [];
    if (!this.band) return { lower, upper };
    const n = Math.min(this.x.length, this.band.lower.length, this.band.upper.length);
    const smooth = (values: (number | null)[]) =>
      this.weight > 0 ? emaAppend(startEma(), this.weight, values.slice(0, n)) : values;
    const lo = smooth(this.band.lower);
    const hi = smooth(this.band.upper);
    for (let i = 0; i < n; i++) {
      let l = lo[i];
      const h = hi[i];
      if (l === null || h === null || !Number.isFinite(l) || !Number.isFinite(h)) continue;
      if (this.scale === 'log') {
        if (h <= 0) continue;
        if (!(l >= logFloor)) l = Math.min(logFloor, h);
      }
      lower.push({ x: this.x[i], y: l });
      upper.push({ x: this.x[i], y: h });
    }
    return { lower, upper };
  }

  /** The raw points this.x/this.y hold from index `from` on that the scale can draw. */
  private rawFrom(from: number): ChartPoint[] {
    const { x, y, scale } = this;
    const out: ChartPoint[] = [];
    for (let i = from; i < x.length; i++) {
      const value = y[i];
      if (drawable(value, scale) && Number.isFinite(x[i])) out.push({ x: x[i], y: value });
    }
    return out;
  }

  /** The smoothed points from index `from` on, advancing the EMA (none without smoothing). */
  private smoothedFrom(from: number): SmoothedPoint[] {
    const { x, y, scale, weight, ema } = this;
    const out: SmoothedPoint[] = [];
    if (weight === 0) return out;
    for (let i = from; i < x.length; i++) {
      const value = y[i];
      if (value === null) continue;
      const s = emaStep(ema, weight, value);
      if (s !== null && drawable(s, scale) && Number.isFinite(x[i])) out.push({ x: x[i], y: s, raw: value });
    }
    return out;
  }

  /** Whether every value held is positive or missing. */
  private allPositive(): boolean {
    for (const v of this.y) if (v !== null && !(v > 0) && !Number.isNaN(v)) return false;
    return true;
  }

  /** A new weight where the smoothed curve keeps its points: the same points, new heights. */
  private resmooth(): void {
    const { x, y, weight, ema, smoothed } = this;
    let j = 0;
    for (let i = 0; i < x.length; i++) {
      const value = y[i];
      if (value === null) continue;
      const s = emaStep(ema, weight, value);
      if (s !== null && Number.isFinite(x[i])) smoothed[j++].y = s;
    }
  }
}

/**
 * Appends in bulk through Array.prototype.push, in chunks (a spread of 100k arguments can
 * overflow the stack). Chart.js wraps `push` on the arrays it draws to queue one element update
 * per call; going around the wrapper lets it catch up once, by length, at the next update.
 */
export function pushAll<T>(target: T[], items: readonly T[]): void {
  const chunk = 8192;
  for (let i = 0; i < items.length; i += chunk) {
    Array.prototype.push.apply(target, items.slice(i, i + chunk) as T[]);
  }
}
