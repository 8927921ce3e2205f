// What an experiment concludes, in a form every front end can show: tables whose cells keep
// their numbers (intervals stay intervals, so the app can sort and the CLI can format), charts as
// data (series with confidence bands, axis scales), and notes. Kinds present their reports in
// this form; the CLI renders it as text (main/cli/renderReport.ts) and the app as views.
// This file imports nothing: the renderer's type check reads it through main/api/labApi.ts.

/** A mean with its two-sided confidence interval (halfWidth null: too few values for one). */
export interface IntervalCell {
  type: 'interval';
  mean: number;
  halfWidth: number | null;
  /** Confidence level, e.g. 0.95. */
  level: number;
  /** How many values the mean is over. */
  n: number;
}

export interface NumberCell {
  type: 'number';
  value: number | null;
}

/** Text as the kind wrote it; `value` is what it sorts by where the text has a number behind it. */
export interface TextCell {
  type: 'text';
  text: string;
  value?: number | null;
}

export type ReportCell = IntervalCell | NumberCell | TextCell;

export interface ReportTable {
  id: string;
  title: string;
  columns: string[];
  rows: ReportCell[][];
  /**
   * The numbers form a matrix worth seeing as one (a confusion matrix, an accuracy matrix R[i][j]):
   * the app shades each number cell by its value within the table's range.
   */
  heatmap?: boolean;
}

export interface ReportAxis {
  label: string;
  scale: 'linear' | 'log';
}

export interface ReportSeries {
  label: string;
  x: number[];
  y: (number | null)[];
  /** A confidence band around y, point by point. */
  band?: { lower: (number | null)[]; upper: (number | null)[]; level: number };
}

export interface ReportChart {
  id: string;
  title: string;
  x: ReportAxis;
  y: ReportAxis;
  series: ReportSeries[];
}

export interface LabReport {
  title: string;
  /** Sentences a researcher reads first: what was compared, how, and what to keep in mind. */
  notes: string[];
  tables: ReportTable[];
  charts: ReportChart[];
}

export const textCell = (text: string, value?: number | null): TextCell =>
  value === undefined ? { type: 'text', text } : { type: 'text', text, value };

export const numberCell = (value: number | null): NumberCell => ({ type: 'number', value });

/** A mean ± half-width cell; a non-finite half-width (one value) is stored as null. */
export function intervalCell(
  interval: { mean: number; halfWidth: number | null; n: number },
  level = 0.95,
): IntervalCell {
  const halfWidth =
    typeof interval.halfWidth === 'number' && Number.isFinite(interval.halfWidth) ? interval.halfWidth : null;
  return { type: 'interval', mean: interval.mean, halfWidth, level, n: interval.n };
}
