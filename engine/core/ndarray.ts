// NDArray: the host-side tensor values flow in and out of compiled functions as. A strided
// view (shape, strides in elements, offset) over a typed array, like a NumPy ndarray.
import { allocate, dtypeOfArray, type DType, type HostArray } from './dtype.ts';

export type Shape = readonly number[];

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function formatShape(shape: Shape): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

function checkShape(shape: Shape, where: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${where}: shape ${formatShape(shape)} must hold non-negative integers`);
    }
  }
}

export type NestedNumbers = number | boolean | NestedNumbers[];

export class NDArray {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
  readonly data: HostArray;

  constructor(data: HostArray, shape: Shape, strides?: readonly number[], offset = 0) {
    checkShape(shape, 'NDArray');
    this.data = data;
    this.dtype = dtypeOfArray(data);
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
    if (!strides && offset === 0 && shapeSize(shape) !== data.length) {
      throw new Error(
        `NDArray: ${data.length} elements cannot have shape ${formatShape(shape)} (${shapeSize(shape)} elements)`,
      );
    }
  }

  static zeros(shape: Shape, dtype: DType = 'float32'): NDArray {
    checkShape(shape, 'NDArray.zeros');
    return new NDArray(allocate(dtype, shapeSize(shape)), shape);
  }

  static full(shape: Shape, value: number, dtype: DType = 'float32'): NDArray {
    const a = NDArray.zeros(shape, dtype);
    a.data.fill(value);
    return a;
  }

  /** From a flat list or typed array (row-major) and a shape. */
  static from(values: ArrayLike<number> | HostArray, shape: Shape, dtype: DType = 'float32'): NDArray {
    checkShape(shape, 'NDArray.from');
    if (values.length !== shapeSize(shape)) {
      throw new Error(
        `NDArray.from: ${values.length} values cannot fill shape ${formatShape(shape)} (${shapeSize(shape)} elements)`,
      );
    }
    const data = allocate(dtype, values.length);
    for (let i = 0; i < values.length; i++) data[i] = Number(values[i]);
    return new NDArray(data, shape);
  }

  /** From nested arrays, NumPy-style: NDArray.of([[1, 2], [3, 4]]). */
  static of(nested: NestedNumbers, dtype: DType = 'float32'): NDArray {
    const shape: number[] = [];
    for (let level: NestedNumbers = nested; Array.isArray(level); level = level[0]) shape.push(level.length);
    const flat: number[] = [];
    const walk = (node: NestedNumbers, depth: number): void => {
      if (depth === shape.length) {
        if (Array.isArray(node)) throw new Error('NDArray.of: ragged nested array');
        flat.push(Number(node));
        return;
      }
      if (!Array.isArray(node) || node.length !== shape[depth]) {
        throw new Error(
          `NDArray.of: ragged nested array at depth ${depth} (expected length ${shape[depth]})`,
        );
      }
      for (const child of node) walk(child, depth + 1);
    };
    walk(nested, 0);
    return NDArray.from(flat, shape, dtype);
  }

  static scalar(value: number, dtype: DType = 'float32'): NDArray {
    return NDArray.from([value], [], dtype);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return shapeSize(this.shape);
  }

  isContiguous(): boolean {
    if (this.offset !== 0 || this.data.length !== this.size) return false;
    const expected = contiguousStrides(this.shape);
    return this.shape.every((d, i) => d <= 1 || this.strides[i] === expected[i]);
  }

  /** Flat index into `data` of a multi-index. */
  index(indices: readonly number[]): number {
    let at = this.offset;
    for (let i = 0; i < indices.length; i++) at += indices[i] * this.strides[i];
    return at;
  }

  get(...indices: number[]): number {
    if (indices.length !== this.ndim) {
      throw new Error(`NDArray.get: ${indices.length} indices for a ${this.ndim}-d array`);
    }
    return this.data[this.index(indices)];
  }

  /** Calls fn(flatDataIndex, logicalIndex) for every element in row-major order. */
  forEachIndex(fn: (at: number, i: number) => void): void {
    const n = this.size;
    const nd = this.ndim;
    const counter = new Array<number>(nd).fill(0);
    let at = this.offset;
    for (let i = 0; i < n; i++) {
      fn(at, i);
      for (let d = nd - 1; d >= 0; d--) {
        counter[d]++;
        at += this.strides[d];
        if (counter[d] < this.shape[d]) break;
        at -= this.strides[d] * this.shape[d];
        counter[d] = 0;
      }
    }
  }

  /** A contiguous row-major copy (or this array when it already is one). */
  contiguous(): NDArray {
    if (this.isContiguous()) return this;
    return this.astype(this.dtype, true);
  }

  /** A contiguous copy converted to `dtype` (bool keeps 0/1, int32 truncates like C). */
  astype(dtype: DType, forceCopy = false): NDArray {
    if (dtype === this.dtype && !forceCopy && this.isContiguous()) return this;
    const out = allocate(dtype, this.size);
    const src = this.data;
    if (dtype === 'bool') this.forEachIndex((at, i) => (out[i] = src[at] !== 0 ? 1 : 0));
    else this.forEachIndex((at, i) => (out[i] = src[at]));
    return new NDArray(out, this.shape);
  }

  reshape(shape: Shape): NDArray {
    const resolved = [...shape];
    const unknown = resolved.indexOf(-1);
    if (unknown >= 0) {
      const known = resolved.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
      resolved[unknown] = known === 0 ? 0 : this.size / known;
    }
    if (shapeSize(resolved) !== this.size || !Number.isInteger(resolved[unknown] ?? 0)) {
      throw new Error(`NDArray.reshape: cannot reshape ${formatShape(this.shape)} to ${formatShape(shape)}`);
    }
    const base = this.contiguous();
    return new NDArray(base.data, resolved);
  }

  /** Row-major values as a plain number list. */
  toFlat(): number[] {
    const out = new Array<number>(this.size);
    const src = this.data;
    this.forEachIndex((at, i) => (out[i] = src[at]));
    return out;
  }

  /** Nested plain arrays (a number for a 0-d array). */
  toNested(): NestedNumbers {
    const flat = this.toFlat();
    if (this.ndim === 0) return flat[0];
    let pos = 0;
    const build = (depth: number): NestedNumbers[] => {
      const out: NestedNumbers[] = [];
      for (let i = 0; i < this.shape[depth]; i++) {
        out.push(depth === this.ndim - 1 ? flat[pos++] : build(depth + 1));
      }
      return out;
    };
    return build(0);
  }

  toString(): string {
    return `NDArray<${this.dtype}${formatShape(this.shape)}>`;
  }
}
