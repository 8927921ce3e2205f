// Basic slicing (NumPy's x[1:3, ::-1, 0]) as a view, and IncSubtensor, which adds to (or sets)
// such a slice of a copy of x — the gradient of slicing. incSubtensor/setSubtensor take the
// sliced or indexed variable itself, Theano-style: T.incSubtensor(x.slice('1:3'), y).
import { broadcastIndices } from '../core/broadcast.ts';
import { isFloat } from '../core/dtype.ts';
import type { GradKit } from '../core/gradKit.ts';
import {
  Op,
  type AliasMap,
  type Apply,
  type GradEntry,
  type NativeKernel,
  type PropValue,
  type Variable,
} from '../core/graph.ts';
import { NDArray, formatShape, type Shape } from '../core/ndarray.ts';
import { TensorType, type Dim } from '../core/type.ts';
import { asVariable, type TensorLike } from '../tensor.ts';
import { buildError, describe, runError } from './opError.ts';
import { AdvancedIncSubtensor, Take } from './take.ts';

/** Per axis: an integer index (drops the axis) or a [start, stop, step] slice (nulls = defaults). */
export type AxisIndex = number | readonly [number | null, number | null, number | null];
/** What users write per axis: 2, null (everything), '1:3', '::-1', [1, 3], {start, stop, step}. */
export type SliceSpec =
  | number
  | null
  | string
  | readonly (number | null | undefined)[]
  | { start?: number | null; stop?: number | null; step?: number | null };

function parseSpec(spec: SliceSpec, where: string): AxisIndex {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec)) throw buildError(where, `index ${spec} is not an integer`);
    return spec;
  }
  if (spec === null) return [null, null, null];
  let parts: (number | null | undefined)[];
  if (typeof spec === 'string') {
    const fields = spec.split(':');
    if (fields.length === 1) return parseSpec(Number(spec), where);
    if (fields.length > 3) throw buildError(where, `slice '${spec}' has too many ':'`);
    parts = fields.map((f) => (f.trim() === '' ? null : Number(f)));
  } else if (Array.isArray(spec)) parts = [...spec];
  else {
    const s = spec as { start?: number | null; stop?: number | null; step?: number | null };
    parts = [s.start, s.stop, s.step];
  }
  const [start = null, stop = null, step = null] = parts.map((p) => (p === undefined ? null : p));
  for (const p of [start, stop, step]) {
    if (p !== null && !Number.isInteger(p))
      throw buildError(where, `slice ${JSON.stringify(spec)} has a non-integer bound`);
  }
  if (step === 0) throw buildError(where, 'slice step cannot be zero');
  return [start, stop, step];
}

/** Python's slice.indices: resolved start, step and element count for an axis of length len. */
export function sliceRange(entry: readonly [number | null, number | null, number | null], len: number) {
  const step = entry[2] ?? 1;
  const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
  const norm = (v: number | null, dflt: number, lo: number, hi: number): number =>
    v === null ? dflt : clamp(v < 0 ? v + len : v, lo, hi);
  const start = step > 0 ? norm(entry[0], 0, 0, len) : norm(entry[0], len - 1, -1, len - 1);
  const stop = step > 0 ? norm(entry[1], len, 0, len) : norm(entry[1], -1, -1, len - 1);
  const count = Math.max(0, Math.ceil((stop - start) / step));
  return { start, step, count };
}

export class Subtensor extends Op {
  constructor(indices: readonly AxisIndex[]) {
    super({ indices: indices.map((e) => (typeof e === 'number' ? e : [...e])) as PropValue[] });
  }

  get indices(): readonly AxisIndex[] {
    return this.props.indices as AxisIndex[];
  }

  override toString(): string {
    const fmt = (e: AxisIndex): string =>
      typeof e === 'number' ? String(e) : `${e[0] ?? ''}:${e[1] ?? ''}${e[2] === null ? '' : `:${e[2]}`}`;
    return `Subtensor{${this.indices.map(fmt).join(', ')}}`;
  }

  makeNode(x: Variable): Apply {
    return this.node([x], [new TensorType(x.dtype, viewStaticShape(this, this.indices, x))]);
  }

  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    return [sliceView(x, this.indices, node)];
  }

  override inferShape(node: Apply, [x]: readonly Shape[]): Shape[] {
    return [sliceView(NDArray.zeros([]), this.indices, node, x).shape];
  }

  override grad(
    node: Apply,
    [gz]: readonly (Variable | null)[],
    { zerosLike }: GradKit<Variable>,
  ): GradEntry[] {
    const x = node.inputs[0];
    if (!gz || !isFloat(x.dtype)) return [null];
    return [new IncSubtensor(this.indices, false).apply(zerosLike(x), gz)];
  }

  override aliasMap(): AliasMap {
    return { views: { 0: 0 } };
  }
}

function viewStaticShape(op: Op, indices: readonly AxisIndex[], x: Variable): Dim[] {
  if (indices.length > x.ndim) {
    throw buildError(op, `${indices.length} indices for ${describe(x)}, which has only ${x.ndim} axes`);
  }
  const shape: Dim[] = [];
  x.staticShape.forEach((len, axis) => {
    const e: AxisIndex = indices[axis] ?? [null, null, null];
    if (typeof e === 'number') {
      if (len !== null && (e >= len || e < -len)) {
        throw buildError(op, `index ${e} is out of bounds for axis ${axis} of ${describe(x)}`);
      }
      return;
    }
    shape.push(len === null ? null : sliceRange(e, len).count);
  });
  return shape;
}

/**
 * The view of x selected by `indices` (x may be a stand-in when only `shape` matters: then the
 * shape comes from `shapeOnly` and the result's data is meaningless).
 */
function sliceView(x: NDArray, indices: readonly AxisIndex[], node: Apply, shapeOnly?: Shape): NDArray {
  const full = shapeOnly ?? x.shape;
  const shape: number[] = [];
  const strides: number[] = [];
  let offset = x.offset;
  full.forEach((len, axis) => {
    const stride = shapeOnly ? 0 : x.strides[axis];
    const e: AxisIndex = indices[axis] ?? [null, null, null];
    if (typeof e === 'number') {
      const i = e < 0 ? e + len : e;
      if (i < 0 || i >= len)
        throw runError(node, `index ${e} is out of bounds for axis ${axis} with size ${len}`);
      offset += i * stride;
      return;
    }
    const { start, step, count } = sliceRange(e, len);
    shape.push(count);
    strides.push(stride * step);
    if (count > 0) offset += start * stride;
  });
  return new NDArray(x.data, shape, strides, offset);
}

/**
 * A copy of x with y added to (or written into) the slice `indices`; y broadcasts to the slice.
 * In place (`inplace`, chosen by the in-place phase when nothing reads x afterwards) the result is
 * x's buffer itself, so only the slice is touched: a gradient assembled slice by slice into one
 * zero vector (rewrite/incSubtensorChains.ts) then costs one fill and the slices.
 */
export class IncSubtensor extends Op {
  constructor(indices: readonly AxisIndex[], set: boolean, inplace = false) {
    super({
      indices: indices.map((e) => (typeof e === 'number' ? e : [...e])) as PropValue[],
      set,
      ...(inplace ? { inplace } : {}),
    });
  }

  get indices(): readonly AxisIndex[] {
    return this.props.indices as AxisIndex[];
  }

  get set(): boolean {
    return this.props.set as boolean;
  }

  get inplace(): boolean {
    return this.props.inplace === true;
  }

  withInplace(): IncSubtensor {
    return new IncSubtensor(this.indices, this.set, true);
  }

  override toString(): string {
    const sliced = `${this.set ? 'Set' : 'Inc'}${new Subtensor(this.indices).toString()}`;
    return this.inplace ? `${sliced.slice(0, -1)}, inplace}` : sliced;
  }

  override aliasMap(): AliasMap {
    return this.inplace ? { destroys: { 0: 0 } } : {};
  }

  makeNode(x: Variable, y: Variable): Apply {
    const target = viewStaticShape(this, this.indices, x);
    const lead = target.length - y.ndim;
    const fits =
      lead >= 0 &&
      y.staticShape.every(
        (d, i) => d === 1 || d === null || target[lead + i] === null || d === target[lead + i],
      );
    if (!fits)
      throw buildError(this, `values ${describe(y)} do not broadcast to the slice of ${describe(x)}`);
    return this.node([x, y], [new TensorType(x.dtype, x.staticShape)]);
  }

  perform([x, y]: readonly NDArray[], node: Apply): NDArray[] {
    const out = this.inplace ? x : x.astype(x.dtype, true);
    const view = sliceView(out, this.indices, node);
    const lead = view.ndim - y.ndim;
    if (lead < 0 || y.shape.some((d, i) => d !== 1 && d !== view.shape[lead + i])) {
      throw runError(
        node,
        `values of shape ${formatShape(y.shape)} do not broadcast to the slice of shape ${formatShape(view.shape)}`,
      );
    }
    const ys = broadcastIndices(y, view.shape);
    const [od, yd] = [out.data, y.data];
    if (this.set) view.forEachIndex((at, i) => (od[at] = yd[ys[i]]));
    else view.forEachIndex((at, i) => (od[at] += yd[ys[i]]));
    return [out];
  }

  override inferShape(_node: Apply, [x]: readonly Shape[]): Shape[] {
    return [x];
  }

  override grad(
    node: Apply,
    [gz]: readonly (Variable | null)[],
    { sumToShape, zerosLike }: GradKit<Variable>,
  ): GradEntry[] {
    const [x, y] = node.inputs;
    if (!gz) return [null, null];
    const gx = this.set ? new IncSubtensor(this.indices, true).apply(gz, zerosLike(y)) : gz;
    const gy = sumToShape(new Subtensor(this.indices).apply(gz), y);
    return [isFloat(x.dtype) ? gx : null, isFloat(y.dtype) ? gy : null];
  }

  /**
   * The native kernel writes y into z[begin::step] with begin/step per axis, y giving the counts.
   * When x's shape is static, no axis is indexed away and y has exactly the slice's shape, the
   * descriptor is that form; otherwise (an integer index — the gradient of x[t] in an unrolled
   * sequence —, a batch size known only at run time, a broadcast y) it carries the indices and
   * the backends' step bridge (engine/backends/cpu/steps.ts) resolves them with the run-time
   * shapes. Without this, those steps ran as JavaScript: 40 % of an addition LSTM's step.
   */
  override native(node: Apply): NativeKernel {
    const [x, y] = node.inputs;
    const kernel = this.set ? 'set_subtensor' : 'inc_subtensor';
    const dims = x.staticShape;
    const staticSlices = !this.indices.some((e) => typeof e === 'number') && dims.every((d) => d !== null);
    const full: AxisIndex = [null, null, null];
    const ranges = staticSlices
      ? dims.map((len, axis) => sliceRange((this.indices[axis] ?? full) as Exclude<AxisIndex, number>, len!))
      : [];
    const exact = staticSlices && y.ndim === x.ndim && ranges.every((r, i) => r.count === y.staticShape[i]);
    if (!exact) return { kernel, attrs: { indices: this.props.indices } };
    return { kernel, attrs: { begin: ranges.map((r) => r.start), step: ranges.map((r) => r.step) } };
  }
}

/** Basic slicing: one spec per leading axis (2, null, '1:3', '::-1', [1, 3], {start, stop, step}). */
export function subtensor(x: TensorLike, ...specs: SliceSpec[]): Variable {
  return new Subtensor(specs.map((s) => parseSpec(s, 'subtensor'))).apply(asVariable(x));
}

function incOrSet(view: Variable, y: TensorLike, set: boolean): Variable {
  const node = view.owner;
  const what = set ? 'setSubtensor' : 'incSubtensor';
  if (node?.op instanceof Subtensor) {
    const x = node.inputs[0];
    return new IncSubtensor(node.op.indices, set).apply(x, asVariable(y, x.dtype));
  }
  if (node?.op instanceof Take) {
    const [x, indices] = node.inputs;
    return new AdvancedIncSubtensor(node.op.axis, set).apply(x, asVariable(y, x.dtype), indices);
  }
  throw buildError(
    what,
    `expects a slice or an indexed variable (x.slice(...) or T.take(x, ...)), got ${describe(view)}`,
  );
}

/** The tensor that `view` (a slice or take of x) came from, with y added at those positions. */
export function incSubtensor(view: Variable, y: TensorLike): Variable {
  return incOrSet(view, y, false);
}

/** The tensor that `view` (a slice or take of x) came from, with y written at those positions. */
export function setSubtensor(view: Variable, y: TensorLike): Variable {
  return incOrSet(view, y, true);
}
