// CSV of the points a chart was given (not what it draws after decimation): one row per point,
// long format (series, x, y[, lower, upper]) so curves of different lengths and x share one file
// and any spreadsheet or pandas reads it. Numbers are written in full (String(n)), never rounded
// for display; a missing value is an empty field.
import type { ChartSeries } from '../components/charts/types.ts';

/** One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(fields: (string | number | null | undefined)[]): string {
  return fields.map(csvField).join(',');
}

/** The series' points as CSV, with `xLabel` as the x column's header. */
export function seriesToCsv(
  series: readonly Pick<ChartSeries, 'label' | 'x' | 'y' | 'band'>[],
  xLabel = 'x',
): string {
  const withBand = series.some((s) => s.band);
  const lines = [csvRow(['series', xLabel, 'y', ...(withBand ? ['lower', 'upper'] : [])])];
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      const band = withBand ? [s.band?.lower[i] ?? null, s.band?.upper[i] ?? null] : [];
      lines.push(csvRow([s.label, s.x[i], s.y[i] ?? null, ...band]));
    }
  }
  return lines.join('\n') + '\n';
}
