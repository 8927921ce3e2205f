// Curves and intervals as a distillation report stores them: the mean of several runs' curves at
// the steps all of them have (with the 95 % half-width per step), thinned to a few hundred points,
// and a mean ± 95 % Student-t interval with JSON's null where a value is undefined.
import { mean, meanConfidenceInterval } from '../../statistics.ts';

export interface Curve {
  steps: number[];
  values: (number | null)[];
}

export interface MeanCurve {
  steps: number[];
  mean: number[];
  /** Half-width of the 95 % interval of the mean at each step; null with one run. */
  halfWidth: (number | null)[];
}

/** A mean with its 95 % interval as stored (null where undefined: one value, or none). */
export interface StoredInterval {
  n: number;
  mean: number;
  std: number | null;
  halfWidth: number | null;
  low: number | null;
  high: number | null;
}

const maxCurvePoints = 200;
const orNull = (v: number) => (Number.isFinite(v) ? v : null);

export function storedInterval(values: readonly number[]): StoredInterval | null {
  if (values.length === 0) return null;
  const { n, mean: m, std, halfWidth, low, high } = meanConfidenceInterval(values);
  return { n, mean: m, std: orNull(std), halfWidth: orNull(halfWidth), low: orNull(low), high: orNull(high) };
}

/** Every `stride`-th point (and the last) so a curve keeps at most maxCurvePoints. */
export function thin<T>(points: readonly T[]): T[] {
  const stride = Math.max(1, Math.ceil(points.length / maxCurvePoints));
  return points.filter((_, i) => i % stride === 0 || i === points.length - 1);
}

/** Pointwise mean and 95 % half-width over the steps every curve has a value at. */
export function meanCurve(curves: readonly Curve[]): MeanCurve {
  if (curves.length === 0) return { steps: [], mean: [], halfWidth: [] };
  const maps = curves.map((c) => new Map(c.steps.map((s, i) => [s, c.values[i]])));
  const valuesAt = (step: number) => maps.map((m) => m.get(step)).filter((v) => typeof v === 'number');
  const steps = thin(curves[0].steps.filter((s) => valuesAt(s).length === maps.length));
  return {
    steps,
    mean: steps.map((s) => mean(valuesAt(s))),
    halfWidth: steps.map((s) => orNull(meanConfidenceInterval(valuesAt(s)).halfWidth)),
  };
}

/** The value of `other` at the step where `selected` is best (lowest for 'min'): early stopping. */
export function valueAtBest(selected: Curve, other: Curve, goal: 'min' | 'max'): number | null {
  let bestStep: number | null = null;
  let best = goal === 'min' ? Infinity : -Infinity;
  selected.steps.forEach((step, i) => {
    const v = selected.values[i];
    if (v === null) return;
    if (goal === 'min' ? v < best : v > best) {
      best = v;
      bestStep = step;
    }
  });
  if (bestStep === null) return null;
  const at = other.steps.indexOf(bestStep);
  return at < 0 ? null : other.values[at];
}
