// NumPy broadcasting, statically (shapes with unknown dims) and on concrete arrays.
// Shapes are aligned at their trailing dimensions; a dimension of size 1 stretches to match.
import { formatShape, type NDArray, type Shape } from './ndarray.ts';
import type { Dim, StaticShape } from './type.ts';

export function formatStaticShape(shape: StaticShape): string {
  return `(${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/**
 * The broadcast static shape, or a reason string when two known dims conflict. An unknown dim
 * combined with a known n > 1 gives n (the only size that can work); with 1 it stays unknown.
 */
export function broadcastStaticShapes(shapes: readonly StaticShape[]): StaticShape | string {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = new Array<Dim>(ndim).fill(1);
  for (const shape of shapes) {
    const lead = ndim - shape.length;
    for (let i = 0; i < shape.length; i++) {
      const d = shape[i];
      const o = out[lead + i];
      if (d === 1) continue;
      if (o === 1) out[lead + i] = d;
      else if (d === null) continue;
      else if (o === null) out[lead + i] = d;
      else if (o !== d) {
        return `dimension ${lead + i} of the result: sizes ${o} and ${d} do not broadcast`;
      }
    }
  }
  return out;
}

/** Concrete broadcast shape of the given shapes; throws with `where` naming the caller. */
export function broadcastShapes(shapes: readonly Shape[], where: string): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const shape of shapes) {
    const lead = ndim - shape.length;
    for (let i = 0; i < shape.length; i++) {
      const d = shape[i];
      const o = out[lead + i];
      if (d === o || d === 1) continue;
      if (o === 1) out[lead + i] = d;
      else {
        throw new Error(
          `${where}: shapes ${shapes.map(formatShape).join(' and ')} do not broadcast ` +
            `(dimension ${lead + i} of the result: ${o} vs ${d})`,
        );
      }
    }
  }
  return out;
}

/**
 * For every element of `shape` in row-major order, the index into `a.data` of the element of
 * `a` that broadcasts to it (any strides and offset of `a`). `a` must broadcast to `shape`.
 */
export function broadcastIndices(a: NDArray, shape: Shape): Int32Array {
  const nd = shape.length;
  const lead = nd - a.ndim;
  const strides = new Array<number>(nd).fill(0);
  for (let i = 0; i < a.ndim; i++) strides[lead + i] = a.shape[i] === 1 ? 0 : a.strides[i];
  let n = 1;
  for (const d of shape) n *= d;
  const out = new Int32Array(n);
  if (n === 0) return out;
  const counter = new Array<number>(nd).fill(0);
  let at = a.offset;
  const inner = nd === 0 ? 1 : shape[nd - 1];
  const innerStride = nd === 0 ? 0 : strides[nd - 1];
  for (let i = 0; i < n; i += inner) {
    for (let j = 0; j < inner; j++) out[i + j] = at + j * innerStride;
    for (let d = nd - 2; d >= 0; d--) {
      counter[d]++;
      at += strides[d];
      if (counter[d] < shape[d]) break;
      at -= strides[d] * shape[d];
      counter[d] = 0;
    }
  }
  return out;
}

/** Normalise a possibly negative axis for an ndim-d tensor; null when out of range. */
export function normalizeAxis(axis: number, ndim: number): number | null {
  if (!Number.isInteger(axis)) return null;
  const a = axis < 0 ? axis + ndim : axis;
  return a >= 0 && a < ndim ? a : null;
}
