// Seeded input values for the differential cases (float64; the harness rounds them to float32).
import { NDArray, type Shape } from '../../engine/core/ndarray.ts';
import { Rng } from '../../engine/random/rng.ts';

let seed = 1000;

/** N(0, 1) values, a fresh stream per call (deterministic across runs). */
export function normal(shape: Shape): NDArray {
  return new Rng(seed++).normal(shape, 'float64');
}

/** U[lo, hi) values. */
export function uniform(shape: Shape, lo: number, hi: number): NDArray {
  return new Rng(seed++).uniformRange(shape, lo, hi, 'float64');
}

/** Small integers as floats (ties for comparisons and max/min). */
export function smallInts(shape: Shape, lo: number, hi: number): NDArray {
  const r = new Rng(seed++).randint(shape, lo, hi);
  return r.astype('float64');
}

export function ints(shape: Shape, lo: number, hi: number): NDArray {
  return new Rng(seed++).randint(shape, lo, hi);
}

export function bools(shape: Shape): NDArray {
  return new Rng(seed++).bernoulli(shape, 0.5, 'bool');
}

export function int32(values: number[], shape: Shape = [values.length]): NDArray {
  return NDArray.from(values, shape, 'int32');
}
