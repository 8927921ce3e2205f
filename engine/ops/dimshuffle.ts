// DimShuffle (Theano's): permute axes, insert new size-1 axes ('x'), drop size-1 axes — a view,
// no copy (compilation lays the output out as a view of the input, so it has no kernel). transpose, expandDims and squeeze are DimShuffles.
import { normalizeAxis } from '../core/broadcast.ts';
import { Op, type AliasMap, type Apply, type GradEntry, type Variable } from '../core/graph.ts';
import { formatShape, NDArray, type Shape } from '../core/ndarray.ts';
import { TensorType, type Dim } from '../core/type.ts';
import { asVariable, type TensorLike } from '../tensor.ts';
import { buildError, describe, runError } from './opError.ts';

export type ShuffleEntry = number | 'x';

export class DimShuffle extends Op {
  constructor(inputNdim: number, order: readonly ShuffleEntry[]) {
    super({ inputNdim, order: [...order] });
    const used = order.filter((o): o is number => o !== 'x');
    const bad = used.find((o) => !Number.isInteger(o) || o < 0 || o >= inputNdim);
    if (bad !== undefined || new Set(used).size !== used.length) {
      throw buildError(
        this,
        `order [${order.join(', ')}] must list input axes 0..${inputNdim - 1} at most once each, or 'x'`,
      );
    }
  }

  get order(): readonly ShuffleEntry[] {
    return this.props.order as ShuffleEntry[];
  }

  get inputNdim(): number {
    return this.props.inputNdim as number;
  }

  /** Input axes not in `order`: dropped, so they must have size 1. */
  private dropped(): number[] {
    return [...Array(this.inputNdim).keys()].filter((i) => !this.order.includes(i));
  }

  override toString(): string {
    return `DimShuffle{${this.order.join(',')}}`;
  }

  makeNode(x: Variable): Apply {
    if (x.ndim !== this.inputNdim) {
      throw buildError(this, `expects a ${this.inputNdim}-d input, got ${describe(x)}`);
    }
    const stuck = this.dropped().filter((i) => x.staticShape[i] !== 1 && x.staticShape[i] !== null);
    if (stuck.length > 0) {
      throw buildError(
        this,
        `drops axes [${stuck.join(', ')}] of ${describe(x)}, but only size-1 axes can be dropped`,
      );
    }
    const shape = this.order.map((o): Dim => (o === 'x' ? 1 : x.staticShape[o]));
    return this.node([x], [new TensorType(x.dtype, shape)]);
  }

  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    if (this.dropped().some((i) => x.shape[i] !== 1)) {
      throw runError(
        node,
        `cannot drop axes [${this.dropped().join(', ')}] of a value of shape ${formatShape(x.shape)}`,
      );
    }
    const shape = this.order.map((o) => (o === 'x' ? 1 : x.shape[o]));
    const strides = this.order.map((o) => (o === 'x' ? 0 : x.strides[o]));
    return [new NDArray(x.data, shape, strides, x.offset)];
  }

  override inferShape(_node: Apply, [x]: readonly Shape[]): Shape[] {
    return [this.order.map((o) => (o === 'x' ? 1 : x[o]))];
  }

  override grad(node: Apply, [gz]: readonly (Variable | null)[]): GradEntry[] {
    if (!gz) return [null];
    const inverse = [...Array(this.inputNdim).keys()].map((i): ShuffleEntry => {
      const at = this.order.indexOf(i);
      return at < 0 ? 'x' : at;
    });
    return [new DimShuffle(this.order.length, inverse).apply(gz)];
  }

  override aliasMap(): AliasMap {
    return { views: { 0: 0 } };
  }
}

/** Theano's x.dimshuffle(1, 'x', 0). */
export function dimshuffle(x: TensorLike, ...order: ShuffleEntry[]): Variable {
  const v = asVariable(x);
  if (order.length === v.ndim && order.every((o, i) => o === i)) return v;
  return new DimShuffle(v.ndim, order).apply(v);
}

/** Permute axes (reverse them by default), like numpy.transpose. */
export function transpose(x: TensorLike, axes?: readonly number[]): Variable {
  const v = asVariable(x);
  const order = axes ?? [...Array(v.ndim).keys()].reverse();
  if (order.length !== v.ndim) {
    throw buildError('transpose', `axes [${order.join(', ')}] do not fit ${describe(v)}`);
  }
  return dimshuffle(v, ...order.map((a) => checkedAxis('transpose', a, v.ndim, v)));
}

/** Insert a size-1 axis at `axis` (negative counts from the end of the result). */
export function expandDims(x: TensorLike, axis: number): Variable {
  const v = asVariable(x);
  const at = checkedAxis('expandDims', axis, v.ndim + 1, v);
  const order: ShuffleEntry[] = [...Array(v.ndim).keys()];
  order.splice(at, 0, 'x');
  return dimshuffle(v, ...order);
}

/** Remove size-1 axes: the given ones, or every axis statically known to be 1. */
export function squeeze(x: TensorLike, axis?: number | readonly number[]): Variable {
  const v = asVariable(x);
  const drop =
    axis === undefined
      ? v.staticShape.flatMap((d, i) => (d === 1 ? [i] : []))
      : (typeof axis === 'number' ? [axis] : axis).map((a) => checkedAxis('squeeze', a, v.ndim, v));
  return dimshuffle(v, ...[...Array(v.ndim).keys()].filter((i) => !drop.includes(i)));
}

export function checkedAxis(where: string, axis: number, ndim: number, x: Variable): number {
  const a = normalizeAxis(axis, ndim);
  if (a === null) throw buildError(where, `axis ${axis} is out of range for ${describe(x)}`);
  return a;
}
