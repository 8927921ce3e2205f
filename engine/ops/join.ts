// Joining and splitting along an axis: Concatenate (stack is concatenate of expanded inputs)
// and Split (views into the input; the gradient of concatenate).
import { promote } from '../core/dtype.ts';
import type { GradKit } from '../core/gradKit.ts';
import {
  Op,
  type AliasMap,
  type Apply,
  type GradEntry,
  type NativeKernel,
  type Variable,
} from '../core/graph.ts';
import { NDArray, formatShape, type Shape } from '../core/ndarray.ts';
import { TensorType, type Dim } from '../core/type.ts';
import { asVariables, type TensorLike } from '../tensor.ts';
import { checkedAxis, expandDims } from './dimshuffle.ts';
import { cast } from './math.ts';
import { buildError, describe, runError } from './opError.ts';

export class Concatenate extends Op {
  constructor(axis: number) {
    super({ axis });
  }

  get axis(): number {
    return this.props.axis as number;
  }

  makeNode(...xs: Variable[]): Apply {
    const first = xs[0];
    if (!first) throw buildError(this, 'needs at least one input');
    const axis = this.axis;
    const shape: Dim[] = [...first.staticShape];
    for (const x of xs) {
      if (x.ndim !== first.ndim || axis >= x.ndim || x.dtype !== first.dtype) {
        throw buildError(
          this,
          `inputs must share rank and dtype and have axis ${axis}; got ${xs.map(describe).join(', ')}`,
        );
      }
      x.staticShape.forEach((d, i) => {
        if (i === axis) return;
        if (d !== null && shape[i] !== null && d !== shape[i]) {
          throw buildError(
            this,
            `inputs differ in dimension ${i} (not the axis ${axis}): ${xs.map(describe).join(', ')}`,
          );
        }
        shape[i] = shape[i] ?? d;
      });
    }
    const sizes = xs.map((x) => x.staticShape[axis]);
    shape[axis] = sizes.every((d): d is number => d !== null) ? sizes.reduce((p, d) => p + d, 0) : null;
    return this.node(xs, [new TensorType(first.dtype, shape)]);
  }

  private outShape(shapes: readonly Shape[], node: Apply): number[] {
    const out = [...shapes[0]];
    out[this.axis] = 0;
    for (const s of shapes) {
      if (s.some((d, i) => i !== this.axis && d !== shapes[0][i])) {
        throw runError(
          node,
          `cannot concatenate values of shapes ${shapes.map(formatShape).join(', ')} along axis ${this.axis}`,
        );
      }
      out[this.axis] += s[this.axis];
    }
    return out;
  }

  perform(xs: readonly NDArray[], node: Apply): NDArray[] {
    const shape = this.outShape(
      xs.map((x) => x.shape),
      node,
    );
    const out = NDArray.zeros(shape, node.outputs[0].dtype);
    const outer = shape.slice(0, this.axis).reduce((p, d) => p * d, 1);
    const inner = shape.slice(this.axis + 1).reduce((p, d) => p * d, 1);
    const row = shape[this.axis] * inner;
    let at = 0;
    for (const x of xs) {
      const block = x.shape[this.axis] * inner;
      const data = x.contiguous().data;
      for (let o = 0; o < outer; o++) out.data.set(data.subarray(o * block, (o + 1) * block), o * row + at);
      at += block;
    }
    return [out];
  }

  override inferShape(node: Apply, shapes: readonly Shape[]): Shape[] {
    return [this.outShape(shapes, node)];
  }

  override grad(node: Apply, [gz]: readonly (Variable | null)[]): GradEntry[] {
    if (!gz) return node.inputs.map(() => null);
    const pieces = new Split(
      this.axis,
      node.inputs.map(() => -1),
    ).makeNode(gz, ...node.inputs).outputs;
    return [...pieces];
  }

  override native(): NativeKernel {
    return { kernel: 'concatenate', attrs: { axis: this.axis } };
  }
}

/**
 * Split x along `axis` into pieces of the given sizes. With extra inputs (sizes then hold one -1
 * per input), the pieces take their sizes from those variables' run-time shapes instead: how
 * concatenate's gradient splits when the sizes are not known statically.
 */
export class Split extends Op {
  constructor(axis: number, sizes: readonly number[]) {
    super({ axis, sizes: [...sizes] });
  }

  get axis(): number {
    return this.props.axis as number;
  }

  get sizes(): readonly number[] {
    return this.props.sizes as number[];
  }

  makeNode(x: Variable, ...models: Variable[]): Apply {
    const axis = this.axis;
    if (axis >= x.ndim) throw buildError(this, `axis ${axis} is out of range for ${describe(x)}`);
    const fromModels = this.sizes.includes(-1);
    if (
      fromModels ? models.length !== this.sizes.length : models.length > 0 || this.sizes.some((d) => d < 0)
    ) {
      throw buildError(
        this,
        `sizes [${this.sizes.join(', ')}] need non-negative sizes (or one model input per -1)`,
      );
    }
    const sizes: Dim[] = fromModels ? models.map((m) => m.staticShape[axis]) : [...this.sizes];
    const total = x.staticShape[axis];
    if (!fromModels && total !== null && this.sizes.reduce((p, d) => p + d, 0) !== total) {
      throw buildError(
        this,
        `sizes [${this.sizes.join(', ')}] do not add up to dimension ${axis} of ${describe(x)}`,
      );
    }
    return this.node(
      [x, ...models],
      sizes.map(
        (d) =>
          new TensorType(
            x.dtype,
            x.staticShape.map((s, i) => (i === axis ? d : s)),
          ),
      ),
    );
  }

  private pieceSizes(shapes: readonly Shape[], node: Apply): number[] {
    const sizes = shapes.length > 1 ? shapes.slice(1).map((s) => s[this.axis]) : [...this.sizes];
    if (sizes.reduce((p, d) => p + d, 0) !== shapes[0][this.axis]) {
      throw runError(
        node,
        `pieces of sizes [${sizes.join(', ')}] do not split axis ${this.axis} of shape ${formatShape(shapes[0])}`,
      );
    }
    return sizes;
  }

  perform(inputs: readonly NDArray[], node: Apply): NDArray[] {
    const x = inputs[0];
    const sizes = this.pieceSizes(
      inputs.map((a) => a.shape),
      node,
    );
    let start = 0;
    return sizes.map((d) => {
      const shape = x.shape.map((s, i) => (i === this.axis ? d : s));
      const piece = new NDArray(x.data, shape, x.strides, x.offset + start * x.strides[this.axis]);
      start += d;
      return piece;
    });
  }

  override inferShape(node: Apply, shapes: readonly Shape[]): Shape[] {
    return this.pieceSizes(shapes, node).map((d) => shapes[0].map((s, i) => (i === this.axis ? d : s)));
  }

  override grad(
    node: Apply,
    outputGrads: readonly (Variable | null)[],
    { zerosLike }: GradKit<Variable>,
  ): GradEntry[] {
    if (outputGrads.every((g) => g === null)) return node.inputs.map(() => null);
    const parts = outputGrads.map((g, i) => g ?? zerosLike(node.outputs[i]));
    return [new Concatenate(this.axis).apply(...parts), ...node.inputs.slice(1).map(() => null)];
  }

  override aliasMap(): AliasMap {
    return { views: Object.fromEntries(this.sizes.map((_, i) => [i, 0])) };
  }
}

/** Join tensors along an existing axis (dtypes promote to a common one). */
export function concatenate(xs: readonly TensorLike[], axis = 0): Variable {
  const vs = asVariables(xs);
  if (vs.length === 0) throw buildError('concatenate', 'needs at least one tensor');
  const dtype = vs.map((v) => v.dtype).reduce(promote);
  return new Concatenate(checkedAxis('concatenate', axis, vs[0].ndim, vs[0])).apply(
    ...vs.map((v) => cast(v, dtype)),
  );
}

/** Join tensors along a new axis. */
export function stack(xs: readonly TensorLike[], axis = 0): Variable {
  const vs = asVariables(xs);
  if (vs.length === 0) throw buildError('stack', 'needs at least one tensor');
  const at = checkedAxis('stack', axis, vs[0].ndim + 1, vs[0]);
  return concatenate(
    vs.map((v) => expandDims(v, at)),
    at,
  );
}

/** Split along `axis` into pieces of the given sizes (views of x). */
export function split(x: TensorLike, sizes: readonly number[], axis = 0): Variable[] {
  const [v] = asVariables([x]);
  return [...new Split(checkedAxis('split', axis, v.ndim, v), sizes).makeNode(v).outputs];
}
