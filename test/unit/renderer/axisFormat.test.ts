import { describe, expect, it } from 'vitest';
import { formatLogTick, formatTick, formatX } from '../../../renderer/src/lib/axisFormat.ts';

describe('axis tick labels (axisFormat.ts)', () => {
  it('writes short numbers', () => {
    expect(formatTick(0)).toBe('0');
    expect(formatTick(0.25)).toBe('0.25');
    expect(formatTick(1500)).toBe('1500');
    expect(formatTick(20000)).toBe('20k');
    expect(formatTick(100000)).toBe('100k');
    expect(formatTick(125000)).toBe('125k');
    expect(formatTick(0.30000000000000004)).toBe('0.3');
    expect(formatTick(2e-4)).toBe('2e-4');
    expect(formatTick(1.5e6)).toBe('1.5M');
    expect(formatTick(2.5e9)).toBe('2.5e+9');
    expect(formatTick(-0.125)).toBe('-0.125');
  });

  it("writes a tooltip's x in the lab's number format, whole from 1000 on", () => {
    expect(formatX(47845.5)).toBe('47846');
    expect(formatX(12.25)).toBe('12.25');
    expect(formatX(0.5)).toBe('0.5000');
    expect(formatX(300)).toBe('300');
    expect(formatX(2.5e7)).toBe('2.500e+7');
  });

  it('labels 1, 2 and 5 on a roomy log axis, fewer as decades get short', () => {
    const ticks = [1, 2, 3, 5, 7, 10].map((v) => v * 1e-3);
    expect(ticks.map((v) => formatLogTick(v, 120))).toEqual(['0.001', '0.002', '', '0.005', '', '0.01']);
    expect(ticks.map((v) => formatLogTick(v, 40))).toEqual(['0.001', '', '', '', '', '0.01']);
    expect(formatLogTick(2e-5)).toBe('2e-5');
    expect(formatLogTick(0)).toBe('');
    // 15 decades in 250 px: every fifth power of ten.
    const powers = Array.from({ length: 16 }, (_, k) => Math.pow(10, -k));
    expect(powers.map((v) => formatLogTick(v, 16)).filter(Boolean)).toEqual([
      '1',
      '0.01',
      '1e-4',
      '1e-6',
      '1e-8',
      '1e-10',
      '1e-12',
      '1e-14',
    ]);
    expect(powers.map((v) => formatLogTick(v, 6)).filter(Boolean)).toEqual(['1', '1e-5', '1e-10', '1e-15']);
  });
});
