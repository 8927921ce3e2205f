import { describe, expect, it } from 'vitest';
import { linearTicks } from '../../../renderer/src/lib/linearTicks.ts';

describe('linear axis ticks', () => {
  it('puts round numbers 1, 2 or 5 × 10^k apart inside the range', () => {
    expect(linearTicks(1, 196)).toEqual([50, 100, 150]);
    expect(linearTicks(0, 4000)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(linearTicks(0, 1, 2)).toEqual([0, 0.5, 1]);
    expect(linearTicks(0.1, 0.7)).toEqual([0.2, 0.4, 0.6]);
    expect(linearTicks(-3, 3, 3)).toEqual([-2, 0, 2]);
  });

  it('gives the one value of an empty range, and nothing for a range that is not finite', () => {
    expect(linearTicks(5, 5)).toEqual([5]);
    expect(linearTicks(Number.NaN, 1)).toEqual([]);
  });
});
