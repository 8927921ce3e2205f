import { describe, expect, it } from 'vitest';
import type { ReportCell } from '../../../main/api/labApi.ts';
import {
  cellText,
  cellTitle,
  heatShade,
  isNumericColumn,
  readsAsNumber,
  sortKey,
  sortRowIndices,
} from '../../../renderer/src/lib/reportCells.ts';

const interval = (mean: number, halfWidth: number | null, n = 5): ReportCell => ({
  type: 'interval',
  mean,
  halfWidth,
  level: 0.95,
  n,
});
const num = (value: number | null): ReportCell => ({ type: 'number', value });
const text = (t: string, value?: number | null): ReportCell =>
  value === undefined ? { type: 'text', text: t } : { type: 'text', text: t, value };

describe("a report table's cells (reportCells.ts)", () => {
  it('reads intervals as mean ± half-width in the lab number format', () => {
    expect(cellText(interval(0.123456, 0.0123))).toBe('0.1235 ± 0.01230');
    expect(cellText(interval(2.5e-5, null, 1))).toBe('2.500e-5');
    expect(cellText(num(42))).toBe('42');
    expect(cellText(num(null))).toBe('—');
    expect(cellText(text('adam'))).toBe('adam');
    expect(cellTitle(interval(1, 0.1))).toBe('mean ± half-width of the 95 % interval, over 5 values');
    expect(cellTitle(interval(1, null, 1))).toBe('mean of 1 value (too few for an interval)');
    expect(cellTitle(num(1))).toBeUndefined();
  });

  it('aligns a column as numbers when most of its cells read as numbers', () => {
    const rows: ReportCell[][] = [
      [text('adam'), interval(1, 0.1), text('0.2000 ✓', 0.2), text('1st', 1)],
      [text('sgd'), num(null), text('diverged 2/3', null), text('2nd', 2)],
      [text('rmsprop'), num(3), text('0.1500', 0.15), text('3rd', 3)],
    ];
    expect([0, 1, 2, 3].map((c) => isNumericColumn(rows, c))).toEqual([false, true, true, true]);
    expect(readsAsNumber(text('learned', null))).toBe(false);
    expect(readsAsNumber(text('adam'))).toBe(false);
    expect(isNumericColumn([[num(null)]], 0)).toBe(false);
  });

  it('sorts by the number behind a cell', () => {
    expect(sortKey(interval(0.3, 0.1))).toBe(0.3);
    expect(sortKey(num(7))).toBe(7);
    expect(sortKey(text('lr 0.1', 0.1))).toBe(0.1);
    expect(sortKey(text('adam'))).toBe('adam');
    expect(sortKey(text('—'))).toBeNull();
    expect(sortKey(num(null))).toBeNull();
    expect(sortKey(text('x', null))).toBeNull();
    expect(sortKey(undefined)).toBeNull();
  });

  it('puts missing values last in both directions, and is stable', () => {
    const rows: ReportCell[][] = [
      [text('a'), interval(0.5, 0.1)],
      [text('b'), num(null)],
      [text('c'), interval(0.1, null)],
      [text('d'), interval(0.5, 0.2)],
      [text('e'), interval(2, 0.3)],
    ];
    expect(sortRowIndices(rows, 1, 'ascending')).toEqual([2, 0, 3, 4, 1]);
    expect(sortRowIndices(rows, 1, 'descending')).toEqual([4, 0, 3, 2, 1]);
  });

  it('sorts text naturally and numbers before text', () => {
    const rows: ReportCell[][] = [[text('run 10')], [text('run 2')], [text('rank', 1)], [text('—')]];
    expect(sortRowIndices(rows, 0, 'ascending')).toEqual([2, 1, 0, 3]);
  });
});

describe('heat-map cells', () => {
  it('run white to deep blue over the table’s range, with white text on the dark end', () => {
    expect(heatShade(0, { min: 0, max: 10 })).toEqual({ background: 'rgb(255, 255, 255)', color: 'inherit' });
    expect(heatShade(10, { min: 0, max: 10 })).toEqual({ background: 'rgb(31, 78, 155)', color: '#fff' });
    expect(heatShade(5, { min: 0, max: 10 }).background).toBe('rgb(143, 167, 205)');
    expect(heatShade(3, { min: 3, max: 3 }).background).toBe('rgb(255, 255, 255)');
    expect(heatShade(99, { min: 0, max: 10 })).toEqual(heatShade(10, { min: 0, max: 10 }));
  });
});
