// The point of a curve nearest a pixel column, found by bisection: the tooltip asks this of every
// curve on each mouse move, and a curve can hold tens of thousands of drawn points.

/** Index of the element of `points` (ascending in x) whose x is nearest `x`; -1 when empty. */
export function nearestIndexByX(points: ArrayLike<{ x: number }>, x: number): number {
  const n = points.length;
  if (n === 0) return -1;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid].x <= x) lo = mid;
    else hi = mid;
  }
  return Math.abs(points[hi].x - x) < Math.abs(points[lo].x - x) ? hi : lo;
}
