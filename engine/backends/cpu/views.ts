// View arithmetic the adapter needs to hand the native kernels the exact view shapes they check
// (native/PROGRAM.md): the same memory seen with inserted size-1 axes, broadcast axes (stride 0)
// or another shape when the memory is contiguous.
import { contiguousStrides } from '../../core/ndarray.ts';
import type { View as ProgramView } from '../../compile/program.ts';
import type { View } from '../../../native/program.ts';

export function nativeView(v: ProgramView): View {
  return { buffer: v.buffer, offset: v.offset, shape: [...v.shape], strides: [...v.strides] };
}

export function sameView(a: View, b: View): boolean {
  return (
    a.buffer === b.buffer &&
    a.offset === b.offset &&
    a.shape.length === b.shape.length &&
    a.shape.every((d, i) => d === b.shape[i]) &&
    a.strides.every((s, i) => s === b.strides[i])
  );
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Row-major contiguous, ignoring the strides of size-1 axes (they are never stepped). */
export function isContiguousView(v: View): boolean {
  const want = contiguousStrides(v.shape);
  return v.shape.every((d, i) => d <= 1 || v.strides[i] === want[i]);
}

/** The contiguous memory of `v` seen with another shape of the same size. */
export function reshapedView(v: View, shape: readonly number[]): View {
  return { ...v, shape: [...shape], strides: contiguousStrides(shape) };
}

/** `v` with size-1 axes (stride 0) inserted at `axes` (positions in the widened view). */
export function withUnitAxes(v: View, axes: readonly number[]): View {
  const shape = [...v.shape];
  const strides = [...v.strides];
  for (const axis of [...axes].sort((a, b) => a - b)) {
    shape.splice(axis, 0, 1);
    strides.splice(axis, 0, 0);
  }
  return { ...v, shape, strides };
}

/** `v` broadcast NumPy-style to `shape`: new leading axes and stretched size-1 axes get stride 0. */
export function broadcastTo(v: View, shape: readonly number[]): View {
  const lead = shape.length - v.shape.length;
  const strides = shape.map((d, i) => {
    if (i < lead) return 0;
    return v.shape[i - lead] === 1 && d !== 1 ? 0 : v.strides[i - lead];
  });
  return { ...v, shape: [...shape], strides };
}
