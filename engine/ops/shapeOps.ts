// Ops about shapes rather than values: shape(x) as an int32 vector, Fill (a constant of x's
// shape: zerosLike/onesLike), and broadcastTo.
import { broadcastStaticShapes, formatStaticShape } from '../core/broadcast.ts';
import { isDType, type DType } from '../core/dtype.ts';
import type { GradKit } from '../core/gradKit.ts';
import { Op, type AliasMap, type Apply, type GradEntry, type Variable } from '../core/graph.ts';
import { NDArray, formatShape, type Shape } from '../core/ndarray.ts';
import { TensorType } from '../core/type.ts';
import { asVariable, type TensorLike } from '../tensor.ts';
import { second } from './math.ts';
import { buildError, describe, runError } from './opError.ts';

/** shape(x): the int32 vector of x's dimensions. Compilation can read it from inferShape alone. */
export class ShapeOf extends Op {
  override get name(): string {
    return 'Shape';
  }

  makeNode(x: Variable): Apply {
    return this.node([x], [new TensorType('int32', [x.ndim])]);
  }

  perform([x]: readonly NDArray[]): NDArray[] {
    return [NDArray.from(x.shape, [x.ndim], 'int32')];
  }

  override inferShape(_node: Apply, [x]: readonly Shape[]): Shape[] {
    return [[x.length]];
  }

  override grad(): GradEntry[] {
    return [null];
  }
}

export function shapeOf(x: TensorLike): Variable {
  return new ShapeOf().apply(asVariable(x));
}

/**
 * An array of x's shape (x only lends its shape) filled with `value`. No native descriptor yet:
 * the native `fill` kernel takes no inputs, and this node has the model input.
 */
export class Fill extends Op {
  constructor(value: number, dtype: DType) {
    if (!isDType(dtype)) throw buildError('Fill', `unknown dtype '${String(dtype)}'`);
    super({ value, dtype });
  }

  get value(): number {
    return this.props.value as number;
  }

  get dtype(): DType {
    return this.props.dtype as DType;
  }

  makeNode(model: Variable): Apply {
    return this.node([model], [new TensorType(this.dtype, model.staticShape)]);
  }

  perform([model]: readonly NDArray[]): NDArray[] {
    return [NDArray.full(model.shape, this.value, this.dtype)];
  }

  override inferShape(_node: Apply, [model]: readonly Shape[]): Shape[] {
    return [model];
  }

  override grad(): GradEntry[] {
    return [null];
  }
}

/** A tensor shaped like `model` holding `value`: a number fills, a tensor broadcasts (Theano's fill). */
export function fill(model: TensorLike, value: TensorLike): Variable {
  const m = asVariable(model);
  if (typeof value === 'number' || typeof value === 'boolean') {
    return new Fill(Number(value), asVariable(value, m.dtype).dtype).apply(m);
  }
  return second(m, value);
}

export function zerosLike(x: TensorLike, dtype?: DType): Variable {
  const v = asVariable(x);
  return new Fill(0, dtype ?? v.dtype).apply(v);
}

export function onesLike(x: TensorLike, dtype?: DType): Variable {
  const v = asVariable(x);
  return new Fill(1, dtype ?? v.dtype).apply(v);
}

/** x broadcast to a fixed shape, NumPy's broadcast_to (a view with zero strides). */
export class BroadcastTo extends Op {
  constructor(shape: readonly number[]) {
    super({ shape: [...shape] });
  }

  get shape(): readonly number[] {
    return this.props.shape as number[];
  }

  makeNode(x: Variable): Apply {
    const result = broadcastStaticShapes([x.staticShape, this.shape]);
    const fits =
      x.ndim <= this.shape.length &&
      typeof result !== 'string' &&
      result.every((d, i) => d === null || d === this.shape[i]);
    if (!fits) {
      throw buildError(this, `cannot broadcast ${describe(x)} to shape ${formatStaticShape(this.shape)}`);
    }
    return this.node([x], [new TensorType(x.dtype, this.shape)]);
  }

  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    const lead = this.shape.length - x.ndim;
    const strides = this.shape.map((d, i) => {
      if (i < lead) return 0;
      const xd = x.shape[i - lead];
      if (xd !== d && xd !== 1) {
        throw runError(
          node,
          `cannot broadcast a value of shape ${formatShape(x.shape)} to ${formatShape(this.shape)}`,
        );
      }
      return xd === 1 ? 0 : x.strides[i - lead];
    });
    return [new NDArray(x.data, this.shape, strides, x.offset)];
  }

  override inferShape(): Shape[] {
    return [this.shape];
  }

  override grad(
    node: Apply,
    [gz]: readonly (Variable | null)[],
    { sumToShape }: GradKit<Variable>,
  ): GradEntry[] {
    return [gz ? sumToShape(gz, node.inputs[0]) : null];
  }

  override aliasMap(): AliasMap {
    return { views: { 0: 0 } };
  }
}

export function broadcastTo(x: TensorLike, shape: readonly number[]): Variable {
  return new BroadcastTo(shape).apply(asVariable(x));
}
