// Shared test helpers for op tests: seeded random inputs and closeness checks.
import { expect } from 'vitest';
import type { DType } from '../../../../engine/core/dtype.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { Rng } from '../../../../engine/random/rng.ts';

let stream = 1;

/** Uniform values in [lo, hi) of the given shape (float64 unless told). */
export function randomArray(shape: readonly number[], lo = -2, hi = 2, dtype: DType = 'float64'): NDArray {
  const u = new Rng(1234, stream++).uniformRange(shape, lo, hi, 'float64');
  return u.astype(dtype);
}

export function randomBool(shape: readonly number[]): NDArray {
  const u = randomArray(shape, 0, 1).toFlat();
  return NDArray.from(
    u.map((v) => (v > 0.5 ? 1 : 0)),
    shape,
    'bool',
  );
}

export function randomInts(shape: readonly number[], lo: number, hi: number): NDArray {
  return new Rng(99, stream++).randint(shape, lo, hi);
}

/** A non-contiguous view with the same values: the transpose of a contiguous transpose. */
export function strided(a: NDArray): NDArray {
  if (a.ndim < 2) return a;
  const rev = [...a.shape].reverse();
  const t = NDArray.zeros(rev, a.dtype);
  const strides = [...t.strides].reverse();
  const view = new NDArray(t.data, a.shape, strides);
  const flat = a.toFlat();
  view.forEachIndex((at, i) => (t.data[at] = flat[i]));
  return view;
}

/** Element-wise closeness with NumPy's isclose semantics (NaN equals NaN, infinities exact). */
export function expectClose(
  actual: NDArray,
  expected: { shape: readonly number[]; data: readonly number[] },
  rtol = 1e-10,
  atol = 1e-12,
  label = '',
): void {
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  const got = actual.toFlat();
  got.forEach((g, i) => {
    const e = expected.data[i];
    const ok =
      (Number.isNaN(g) && Number.isNaN(e)) || g === e || Math.abs(g - e) <= atol + rtol * Math.abs(e);
    if (!ok) expect.fail(`${label}: element ${i} is ${g}, expected ${e}`);
  });
}
