// TensorBoard's smoothing: an exponential moving average, debiased so the first points are not
// pulled towards zero (the EMA starts at 0; dividing by 1 − w^n undoes that start). Missing
// values (null, NaN, ±∞) stay missing and do not advance the average: a gap is not a zero.
// The state is explicit so a live curve can be extended point by point without re-smoothing
// its whole history, and so the batch form is the incremental form run from the start — the
// two agree to the last bit.

/** Where an EMA stands after the values it has seen. */
export interface EmaState {
  /** The biased average (starts at 0). */
  last: number;
  /** How many finite values went into it. */
  count: number;
  /** weight^count, kept as a running product: Math.pow per point is most of the cost. */
  power: number;
}

export const startEma = (): EmaState => ({ last: 0, count: 0, power: 1 });

/** The largest weight the slider offers; 1 would freeze the curve at its first value. */
export const maxSmoothing = 0.99;

/** A weight the EMA can use: finite, within [0, maxSmoothing]. */
export function clampSmoothing(weight: number): number {
  return Number.isFinite(weight) ? Math.min(maxSmoothing, Math.max(0, weight)) : 0;
}

/** One value through the EMA; returns its smoothed value (null where the value is missing). */
export function emaStep(state: EmaState, weight: number, value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  state.last = state.last * weight + (1 - weight) * value;
  state.count += 1;
  state.power *= weight;
  // weight 0 gives 0^n = 0 here, and the division below is then by 1: no smoothing.
  return state.last / (1 - state.power);
}

/** Smooths `values` onward from `state` (which it advances), appending to `out`. */
export function emaAppend(
  state: EmaState,
  weight: number,
  values: readonly (number | null)[],
  out: (number | null)[] = [],
): (number | null)[] {
  for (let i = 0; i < values.length; i++) out.push(emaStep(state, weight, values[i]));
  return out;
}

/** The whole curve smoothed with `weight` (0 = unchanged, up to 0.99). */
export function smoothEma(values: readonly (number | null)[], weight: number): (number | null)[] {
  return emaAppend(startEma(), clampSmoothing(weight), values);
}
