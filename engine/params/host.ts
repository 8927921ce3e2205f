// Host-side flat views: a model's parameter values as one NDArray vector and back, in the order
// and offsets of a ParamLayout (initial θ for a learned optimizer, checkpoints, comparisons).
import type { DType } from '../core/dtype.ts';
import { NDArray, formatShape } from '../core/ndarray.ts';
import { ParamLayout } from './layout.ts';

/** The values concatenated, row-major, into one vector of `dtype` (default: the first value's). */
export function flattenValues(layout: ParamLayout, values: readonly NDArray[], dtype?: DType): NDArray {
  if (values.length !== layout.slots.length) {
    throw new Error(
      `flattenValues: ${values.length} values for a layout of ${layout.slots.length} parameters (${layout.toString()})`,
    );
  }
  const out = NDArray.zeros([layout.size], dtype ?? values[0]?.dtype ?? 'float32');
  layout.slots.forEach((slot, k) => {
    const value = values[k];
    if (value.shape.length !== slot.shape.length || value.shape.some((d, i) => d !== slot.shape[i])) {
      throw new Error(
        `flattenValues: parameter ${slot.name} has shape ${formatShape(value.shape)}, layout says ${formatShape(slot.shape)}`,
      );
    }
    const src = value.data;
    value.forEachIndex((at, i) => (out.data[slot.offset + i] = src[at]));
  });
  return out;
}

/** The flat vector cut back into one array per parameter (copies, so later writes don't alias). */
export function unflattenValue(layout: ParamLayout, flat: NDArray): NDArray[] {
  if (flat.ndim !== 1 || flat.size !== layout.size) {
    throw new Error(
      `unflattenValue: expected a vector of ${layout.size} coordinates, got shape ${formatShape(flat.shape)}`,
    );
  }
  const values = flat.contiguous().data;
  return layout.slots.map((slot) => {
    const out = NDArray.zeros(slot.shape, flat.dtype);
    out.data.set(values.subarray(slot.offset, slot.offset + slot.size));
    return out;
  });
}
