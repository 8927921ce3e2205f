// How a report's table cells read and sort. An interval reads "mean ± half-width" in the lab's
// number format and sorts by its mean; a number sorts by itself; text sorts by the number behind
// it where the kind gave one (a rank, a learning rate), else alphabetically. Missing values sort
// last whichever way the column is sorted — they are not small numbers.
import type { ReportCell } from '../../../main/api/labApi.ts';
import { formatValue } from '../../../main/lab/formatValue.ts';

export type SortDirection = 'ascending' | 'descending';

/** What a cell shows. */
export function cellText(cell: ReportCell): string {
  switch (cell.type) {
    case 'interval':
      return cell.halfWidth === null
        ? formatValue(cell.mean)
        : `${formatValue(cell.mean)} ± ${formatValue(cell.halfWidth)}`;
    case 'number':
      return formatValue(cell.value);
    case 'text':
      return cell.text;
  }
}

/** A screen reader's and a tooltip's longer reading of an interval cell. */
export function cellTitle(cell: ReportCell): string | undefined {
  if (cell.type !== 'interval') return undefined;
  const level = `${Math.round(cell.level * 100)} %`;
  return cell.halfWidth === null
    ? `mean of ${cell.n} value${cell.n === 1 ? '' : 's'} (too few for an interval)`
    : `mean ± half-width of the ${level} interval, over ${cell.n} values`;
}

/** Whether a cell reads as a number: a number, an interval, or text with a number behind it that starts with one ("0.2000 ✓", "1500 (5/5)"). */
export function readsAsNumber(cell: ReportCell | undefined): boolean {
  if (!cell) return false;
  if (cell.type !== 'text') return true;
  return cell.value !== undefined && cell.value !== null && /^[-+−]?[\d.]/.test(cell.text);
}

/**
 * Whether a column is numeric — right-aligned, in tabular figures, header included — because
 * most of its cells that hold something read as numbers. A column aligns as a whole; a "diverged"
 * among numbers aligns with them.
 */
export function isNumericColumn(rows: readonly ReportCell[][], column: number): boolean {
  const present = rows.map((row) => row[column]).filter((cell) => sortKey(cell) !== null);
  return present.length > 0 && present.filter(readsAsNumber).length > present.length / 2;
}

/** What a cell sorts by: a number, a string, or null (missing: always last). */
export function sortKey(cell: ReportCell | undefined): number | string | null {
  if (!cell) return null;
  switch (cell.type) {
    case 'interval':
      return Number.isFinite(cell.mean) ? cell.mean : null;
    case 'number':
      return cell.value !== null && Number.isFinite(cell.value) ? cell.value : null;
    case 'text':
      // value null: the kind says there is no number behind this text ("diverged"): last.
      if (cell.value !== undefined)
        return cell.value !== null && Number.isFinite(cell.value) ? cell.value : null;
      return cell.text === '' || cell.text === '—' ? null : cell.text;
  }
}

function compareKeys(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  // Numbers before text in one column; text in natural order ("run 2" before "run 10").
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a.localeCompare(b, undefined, { numeric: true });
}

/**
 * The row indices of `rows` sorted by `column` (stable: equal keys keep the kind's order), with
 * missing values last in either direction.
 */
export function sortRowIndices(
  rows: readonly ReportCell[][],
  column: number,
  direction: SortDirection,
): number[] {
  const keys = rows.map((row) => sortKey(row[column]));
  const sign = direction === 'ascending' ? 1 : -1;
  return rows
    .map((_, i) => i)
    .sort((i, j) => {
      const [a, b] = [keys[i], keys[j]];
      if (a === null || b === null) return a === b ? i - j : a === null ? 1 : -1;
      return sign * compareKeys(a, b) || i - j;
    });
}

/** A heat-map cell's colours: white → deep blue by where `value` lies in the range, white text on the dark end. */
export function heatShade(
  value: number,
  range: { min: number; max: number },
): { background: string; color: string } {
  const t =
    range.max > range.min ? Math.min(1, Math.max(0, (value - range.min) / (range.max - range.min))) : 0;
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return {
    background: `rgb(${mix(255, 31)}, ${mix(255, 78)}, ${mix(255, 155)})`,
    color: t > 0.55 ? '#fff' : 'inherit',
  };
}
