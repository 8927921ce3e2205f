// Reshape (a view of a contiguous input, a copy otherwise), with one -1 dimension inferred, and
// flatten. ReshapeAs reshapes to another variable's run-time shape: the gradient of a reshape
// whose input shape is not statically known.
import {
  Op,
  type AliasMap,
  type Apply,
  type GradEntry,
  type NativeKernel,
  type Variable,
} from '../core/graph.ts';
import { formatShape, shapeSize, type NDArray, type Shape } from '../core/ndarray.ts';
import { TensorType, type Dim } from '../core/type.ts';
import { asVariable, type TensorLike } from '../tensor.ts';
import { buildError, describe, runError } from './opError.ts';

/** Resolve a -1 in `target` for `size` elements; null when the shape cannot hold them. */
function resolve(target: readonly number[], size: number): number[] | null {
  const known = target.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = target.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  return out.every((d) => Number.isInteger(d) && d >= 0) && shapeSize(out) === size ? out : null;
}

export class Reshape extends Op {
  constructor(shape: readonly number[]) {
    super({ shape: [...shape] });
    if (shape.filter((d) => d === -1).length > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) {
      throw buildError(
        this,
        `target shape [${shape.join(', ')}] may hold non-negative sizes and at most one -1`,
      );
    }
  }

  get shape(): readonly number[] {
    return this.props.shape as number[];
  }

  makeNode(x: Variable): Apply {
    const dims = x.staticShape;
    let shape: Dim[] = this.shape.map((d) => (d === -1 ? null : d));
    if (dims.every((d): d is number => d !== null)) {
      const resolved = resolve(this.shape, shapeSize(dims));
      if (!resolved)
        throw buildError(
          this,
          `cannot reshape ${describe(x)} (${shapeSize(dims)} elements) to [${this.shape.join(', ')}]`,
        );
      shape = resolved;
    }
    return this.node([x], [new TensorType(x.dtype, shape)]);
  }

  private outShape(x: Shape, node: Apply): number[] {
    const resolved = resolve(this.shape, shapeSize(x));
    if (!resolved) {
      throw runError(
        node,
        `cannot reshape a value of shape ${formatShape(x)} (${shapeSize(x)} elements) to [${this.shape.join(', ')}]`,
      );
    }
    return resolved;
  }

  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    return [x.reshape(this.outShape(x.shape, node))];
  }

  override inferShape(node: Apply, [x]: readonly Shape[]): Shape[] {
    return [this.outShape(x, node)];
  }

  override grad(node: Apply, [gz]: readonly (Variable | null)[]): GradEntry[] {
    return [gz ? reshapeLike(gz, node.inputs[0]) : null];
  }

  /** Only runs when the input is not contiguous (otherwise the output is a view): a row-major copy. */
  override native(): NativeKernel {
    return { kernel: 'copy', attrs: {} };
  }

  override aliasMap(): AliasMap {
    return { views: { 0: 0 } };
  }
}

/** x reshaped to model's run-time shape (model lends only its shape). */
export class ReshapeAs extends Op {
  makeNode(x: Variable, model: Variable): Apply {
    return this.node([x, model], [new TensorType(x.dtype, model.staticShape)]);
  }

  perform([x, model]: readonly NDArray[], node: Apply): NDArray[] {
    if (x.size !== model.size) {
      throw runError(
        node,
        `cannot reshape a value of shape ${formatShape(x.shape)} to ${formatShape(model.shape)}`,
      );
    }
    return [x.reshape(model.shape)];
  }

  override inferShape(_node: Apply, [, model]: readonly Shape[]): Shape[] {
    return [model];
  }

  override grad(node: Apply, [gz]: readonly (Variable | null)[]): GradEntry[] {
    return [gz ? reshapeLike(gz, node.inputs[0]) : null, null];
  }

  override native(): NativeKernel {
    return { kernel: 'copy', attrs: {} };
  }

  override aliasMap(): AliasMap {
    return { views: { 0: 0 } };
  }
}

/** v reshaped to x's shape: a static Reshape when at most one of x's dims is unknown. */
function reshapeLike(v: Variable, x: Variable): Variable {
  const unknown = x.staticShape.filter((d) => d === null).length;
  if (unknown <= 1) return new Reshape(x.staticShape.map((d) => d ?? -1)).apply(v);
  return new ReshapeAs().apply(v, x);
}

/** numpy.reshape: one dimension may be -1 (inferred from the size). */
export function reshape(x: TensorLike, shape: readonly number[]): Variable {
  return new Reshape(shape).apply(asVariable(x));
}

/** Collapse the axes from `ndim - 1` on into one: flatten(x) is 1-d, flatten(x, 2) keeps the first axis. */
export function flatten(x: TensorLike, ndim = 1): Variable {
  const v = asVariable(x);
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > Math.max(v.ndim, 1)) {
    throw buildError(
      'flatten',
      `ndim must be between 1 and ${Math.max(v.ndim, 1)}, got ${ndim} for ${describe(v)}`,
    );
  }
  const lead = v.staticShape.slice(0, ndim - 1);
  if (lead.filter((d) => d === null).length > 0) {
    // Leading dims unknown: the trailing block's size must be known to use a single -1.
    const rest = v.staticShape.slice(ndim - 1);
    if (rest.every((d): d is number => d !== null) && lead.filter((d) => d === null).length === 1) {
      return reshape(v, [...lead.map((d) => d ?? -1), shapeSize(rest)]);
    }
    throw buildError('flatten', `needs the static sizes of ${describe(v)} to flatten from axis ${ndim - 1}`);
  }
  return reshape(v, [...(lead as number[]), -1]);
}
