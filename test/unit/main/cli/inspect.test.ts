// `lab inspect`'s text curve and the lab's number format.
import { describe, expect, it } from 'vitest';
import { sparkline } from '../../../../main/cli/sparkline.ts';
import { formatValue } from '../../../../main/lab/formatValue.ts';

describe('sparkline', () => {
  it('draws a loss falling over decades on a log scale, lowest block at the minimum', () => {
    const line = sparkline([1000, 100, 10, 1, 0.1], 5);
    expect(line).toBe('█▆▅▃▁  (log scale)');
  });

  it('uses a linear scale when a value is not positive, and leaves missing values blank', () => {
    expect(sparkline([-1, null, 1], 3)).toBe('▁ █');
  });

  it('averages buckets when the curve is longer than the line', () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    const line = sparkline(values, 10);
    expect(line).toHaveLength(10);
    expect(line[0]).toBe('▁');
    expect(line[9]).toBe('█');
  });

  it('draws nothing for a curve without a finite value', () => {
    expect(sparkline([null, Number.NaN])).toBe('');
  });
});

describe('formatValue', () => {
  it('writes counts whole, losses with four digits, extremes in scientific notation', () => {
    expect(formatValue(100)).toBe('100');
    expect(formatValue(1.68437)).toBe('1.684');
    expect(formatValue(70213.4)).toBe('7.021e+4');
    expect(formatValue(8.45e-5)).toBe('8.450e-5');
    expect(formatValue(null)).toBe('—');
  });
});
