import { describe, expect, it } from 'vitest';
import { nearestIndexByX } from '../../../renderer/src/lib/nearestPoint.ts';

describe('nearest point by x (nearestPoint.ts)', () => {
  it('finds the nearest point, at the ends and between', () => {
    const points = [0, 10, 20, 35].map((x) => ({ x }));
    expect(nearestIndexByX(points, -5)).toBe(0);
    expect(nearestIndexByX(points, 4)).toBe(0);
    expect(nearestIndexByX(points, 6)).toBe(1);
    expect(nearestIndexByX(points, 28)).toBe(3);
    expect(nearestIndexByX(points, 100)).toBe(3);
    expect(nearestIndexByX([], 1)).toBe(-1);
    expect(nearestIndexByX([{ x: 5 }], 1)).toBe(0);
  });

  it('agrees with a linear scan', () => {
    const points = Array.from({ length: 500 }, (_, i) => ({ x: i * i * 0.01 }));
    for (let x = -10; x < 2600; x += 7.3) {
      let best = 0;
      for (let i = 1; i < points.length; i++)
        if (Math.abs(points[i].x - x) < Math.abs(points[best].x - x)) best = i;
      expect(Math.abs(points[nearestIndexByX(points, x)].x - x)).toBe(Math.abs(points[best].x - x));
    }
  });
});
