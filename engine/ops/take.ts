// Integer-array indexing along one axis (numpy.take: x[..., idx, ...]) and its inverse for
// gradients, AdvancedIncSubtensor: add (or set) values at those positions. Repeated indices
// accumulate when adding — which is exactly what the gradient of take needs.
import { broadcastIndices, broadcastStaticShapes, formatStaticShape } from '../core/broadcast.ts';
import { isFloat } from '../core/dtype.ts';
import type { GradKit } from '../core/gradKit.ts';
import { Op, type Apply, type GradEntry, type NativeKernel, type Variable } from '../core/graph.ts';
import { NDArray, formatShape, type Shape } from '../core/ndarray.ts';
import { TensorType, type Dim } from '../core/type.ts';
import { asVariable, type TensorLike } from '../tensor.ts';
import { checkedAxis } from './dimshuffle.ts';
import { buildError, describe, runError } from './opError.ts';

function takeShape<D extends Dim>(x: readonly D[], idx: readonly D[], axis: number): D[] {
  return [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)];
}

function checkIndices(op: Op, x: Variable, idx: Variable, axis: number): void {
  if (idx.dtype !== 'int32') throw buildError(op, `indices must be int32, got ${describe(idx)}`);
  if (axis >= x.ndim) throw buildError(op, `axis ${axis} is out of range for ${describe(x)}`);
}

/** Element counts before, along and after `axis`, and the indices resolved (negative wrap). */
function split(x: Shape, idx: NDArray, axis: number, node: Apply) {
  const outer = x.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = x.slice(axis + 1).reduce((p, d) => p * d, 1);
  const len = x[axis];
  const flat = idx.toFlat().map((i) => {
    const r = i < 0 ? i + len : i;
    if (r < 0 || r >= len)
      throw runError(node, `index ${i} is out of bounds for axis ${axis} with size ${len}`);
    return r;
  });
  return { outer, inner, len, flat };
}

export class Take extends Op {
  constructor(axis: number) {
    super({ axis });
  }

  get axis(): number {
    return this.props.axis as number;
  }

  makeNode(x: Variable, indices: Variable): Apply {
    checkIndices(this, x, indices, this.axis);
    return this.node(
      [x, indices],
      [new TensorType(x.dtype, takeShape(x.staticShape, indices.staticShape, this.axis))],
    );
  }

  perform([x, indices]: readonly NDArray[], node: Apply): NDArray[] {
    const { outer, inner, len, flat } = split(x.shape, indices, this.axis, node);
    const xs = x.contiguous();
    const out = NDArray.zeros(takeShape(x.shape, indices.shape, this.axis), x.dtype);
    const m = flat.length;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        const from = (o * len + flat[j]) * inner;
        const to = (o * m + j) * inner;
        for (let i = 0; i < inner; i++) out.data[to + i] = xs.data[from + i];
      }
    }
    return [out];
  }

  override inferShape(_node: Apply, [x, indices]: readonly Shape[]): Shape[] {
    return [takeShape(x, indices, this.axis)];
  }

  override grad(
    node: Apply,
    [gz]: readonly (Variable | null)[],
    { zerosLike }: GradKit<Variable>,
  ): GradEntry[] {
    const [x, indices] = node.inputs;
    if (!gz || !isFloat(x.dtype)) return [null, null];
    return [new AdvancedIncSubtensor(this.axis, false).apply(zerosLike(x), gz, indices), null];
  }

  override native(): NativeKernel {
    return { kernel: 'take', attrs: { axis: this.axis } };
  }
}

/** x with y added at (or written to) positions `indices` along `axis`; y broadcasts to take's shape. */
export class AdvancedIncSubtensor extends Op {
  constructor(axis: number, set: boolean) {
    super({ axis, set });
  }

  get axis(): number {
    return this.props.axis as number;
  }

  get set(): boolean {
    return this.props.set as boolean;
  }

  override toString(): string {
    return `Advanced${this.set ? 'Set' : 'Inc'}Subtensor{axis=${this.axis}}`;
  }

  makeNode(x: Variable, y: Variable, indices: Variable): Apply {
    checkIndices(this, x, indices, this.axis);
    const target = takeShape(x.staticShape, indices.staticShape, this.axis);
    const fits = broadcastStaticShapes([target, y.staticShape]);
    if (typeof fits === 'string' || y.ndim > target.length) {
      throw buildError(
        this,
        `values ${describe(y)} do not broadcast to the indexed shape ${formatStaticShape(target)} of ${describe(x)}`,
      );
    }
    return this.node([x, y, indices], [new TensorType(x.dtype, x.staticShape)]);
  }

  perform([x, y, indices]: readonly NDArray[], node: Apply): NDArray[] {
    const { outer, inner, len, flat } = split(x.shape, indices, this.axis, node);
    const out = x.astype(x.dtype, true);
    const m = flat.length;
    const target = takeShape(x.shape, indices.shape, this.axis);
    const lead = target.length - y.ndim;
    if (lead < 0 || y.shape.some((d, i) => d !== 1 && d !== target[lead + i])) {
      throw runError(
        node,
        `values of shape ${formatShape(y.shape)} do not broadcast to the indexed shape ${formatShape(target)}`,
      );
    }
    const ys = broadcastIndices(y, target);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        const to = (o * len + flat[j]) * inner;
        const from = (o * m + j) * inner;
        for (let i = 0; i < inner; i++) {
          const v = y.data[ys[from + i]];
          out.data[to + i] = this.set ? v : out.data[to + i] + v;
        }
      }
    }
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
    const [x, y, indices] = node.inputs;
    if (!gz) return [null, null, null];
    // Setting overwrites: the old values at the indices no longer reach the output.
    const gx = this.set ? new AdvancedIncSubtensor(this.axis, true).apply(gz, zerosLike(y), indices) : gz;
    const gy = sumToShape(new Take(this.axis).apply(gz, indices), y);
    return [isFloat(x.dtype) ? gx : null, isFloat(y.dtype) ? gy : null, null];
  }

  /**
   * The native scatter wants y exactly of the indexed shape. When that is not known statically
   * (a batch size fixed only at run time — an embedding's gradient —, or a broadcast y) the
   * descriptor is the engine form `inc/set_subtensor {axis, index: 'take'}`, which the backends'
   * step bridge (engine/backends/cpu/steps.ts) turns into the scatter with y broadcast to the
   * run-time shape; it used to run as JavaScript.
   */
  override native(node: Apply): NativeKernel {
    const [x, y, indices] = node.inputs;
    const target = takeShape(x.staticShape, indices.staticShape, this.axis);
    const exact = y.ndim === target.length && target.every((d, i) => d !== null && d === y.staticShape[i]);
    if (!exact)
      return {
        kernel: this.set ? 'set_subtensor' : 'inc_subtensor',
        attrs: { axis: this.axis, index: 'take' },
      };
    return {
      kernel: this.set ? 'advanced_set_subtensor' : 'advanced_inc_subtensor',
      attrs: { axis: this.axis },
    };
  }
}

function indexVariable(indices: TensorLike | readonly number[]): Variable {
  if (Array.isArray(indices)) return asVariable(NDArray.from(indices as number[], [indices.length], 'int32'));
  return asVariable(indices as TensorLike, 'int32');
}

/** x.take(indices, axis): integer-array indexing along one axis (negative indices count from the end). */
export function take(x: TensorLike, indices: TensorLike | readonly number[], axis = 0): Variable {
  const v = asVariable(x);
  return new Take(checkedAxis('take', axis, v.ndim, v)).apply(v, indexVariable(indices));
}

/** x with y added (set false) or written (set true) at x.take(indices, axis); `caller` names the API in errors. */
function advancedUpdate(
  caller: string,
  set: boolean,
  x: TensorLike,
  y: TensorLike,
  indices: TensorLike | readonly number[],
  axis: number,
): Variable {
  const v = asVariable(x);
  return new AdvancedIncSubtensor(checkedAxis(caller, axis, v.ndim, v), set).apply(
    v,
    asVariable(y, v.dtype),
    indexVariable(indices),
  );
}

/** x with y added at x.take(indices, axis) (repeated indices accumulate). */
export function advancedIncSubtensor(
  x: TensorLike,
  y: TensorLike,
  indices: TensorLike | readonly number[],
  axis = 0,
): Variable {
  return advancedUpdate('incSubtensor', false, x, y, indices, axis);
}

/** x with y written at x.take(indices, axis). */
export function advancedSetSubtensor(
  x: TensorLike,
  y: TensorLike,
  indices: TensorLike | readonly number[],
  axis = 0,
): Variable {
  return advancedUpdate('setSubtensor', true, x, y, indices, axis);
}
