// TensorType: what a symbolic variable is known to be before any value exists — its dtype
// and its static shape, where a dimension may be unknown (null) until call time.
import type { DType } from './dtype.ts';
import { formatShape, type NDArray, type Shape } from './ndarray.ts';

export type Dim = number | null;
export type StaticShape = readonly Dim[];

export class TensorType {
  readonly dtype: DType;
  readonly shape: StaticShape;

  constructor(dtype: DType, shape: StaticShape) {
    for (const d of shape) {
      if (d !== null && (!Number.isInteger(d) || d < 0)) {
        throw new Error(
          `TensorType: static shape [${shape.join(', ')}] must hold non-negative integers or null`,
        );
      }
    }
    this.dtype = dtype;
    this.shape = Object.freeze([...shape]);
  }

  get ndim(): number {
    return this.shape.length;
  }

  equals(other: TensorType): boolean {
    return (
      this.dtype === other.dtype &&
      this.shape.length === other.shape.length &&
      this.shape.every((d, i) => d === other.shape[i])
    );
  }

  /** Does a concrete value fit this type? Returns a reason when it does not. */
  mismatch(value: NDArray): string | null {
    if (value.dtype !== this.dtype) return `dtype ${value.dtype} where ${this.dtype} was declared`;
    return this.shapeMismatch(value.shape);
  }

  shapeMismatch(shape: Shape): string | null {
    if (shape.length !== this.shape.length) {
      return `${shape.length}-d value ${formatShape(shape)} where a ${this.shape.length}-d ${this.toString()} was declared`;
    }
    const bad = this.shape.findIndex((d, i) => d !== null && d !== shape[i]);
    return bad < 0
      ? null
      : `shape ${formatShape(shape)} where ${this.toString()} was declared (dimension ${bad})`;
  }

  toString(): string {
    return `${this.dtype}(${this.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}${this.shape.length === 1 ? ',' : ''})`;
  }
}
