// TypedOp: a user op that declares its input and output types instead of writing makeNode
// (Theano's itypes/otypes). The engine checks the inputs against `itypes` with errors that name
// the op, the input and the user's line, and types the outputs from `otypes`:
//
//   class Scale extends TypedOp {
//     readonly itypes = [{ dtype: ['float32', 'float64'] }];   // any rank, either float
//     readonly otypes = [{ like: 0 }];                          // dtype and shape of input 0
//     perform([x]) { … }
//   }
//
// An output `{ like: k }` also gets inferShape for free (input k's shape); fixed output types
// with fully known static shapes too. Anything else: override inferShape.
import type { DType } from '../core/dtype.ts';
import { Op, type Apply, type Variable } from '../core/graph.ts';
import type { Shape } from '../core/ndarray.ts';
import { TensorType, type StaticShape } from '../core/type.ts';
import { buildError, describe } from '../ops/opError.ts';
import { asVariable } from '../tensor.ts';

/** What an input may be: one dtype or a list, and optionally a rank or a static shape. */
export interface InputType {
  readonly dtype: DType | readonly DType[];
  /** Required number of dimensions (any when absent). */
  readonly ndim?: number;
  /** Required static shape; null entries match any length. Implies ndim. */
  readonly shape?: StaticShape;
}

/** An output's type: fixed, or the dtype and static shape of input `like`. */
export type OutputType =
  TensorType | { readonly like: number } | { readonly dtype: DType; readonly shape: StaticShape };

function allowed(spec: InputType): readonly DType[] {
  return typeof spec.dtype === 'string' ? [spec.dtype] : spec.dtype;
}

function describeSpec(spec: InputType): string {
  const dtype = allowed(spec).join(' or ');
  if (spec.shape) return `${dtype}(${spec.shape.map((d) => (d === null ? '?' : d)).join(', ')})`;
  return spec.ndim === undefined ? `a ${dtype} tensor` : `a ${spec.ndim}-d ${dtype} tensor`;
}

export abstract class TypedOp extends Op {
  abstract readonly itypes: readonly (InputType | TensorType)[];
  abstract readonly otypes: readonly OutputType[];

  /** A user's op (its perform, C or CUDA source) may change between processes under the same
   * name and props: programs computing it are never cached on disk. */
  override get programCacheable(): boolean {
    return false;
  }

  makeNode(...args: Variable[]): Apply {
    const inputs = args.map((a) => asVariable(a));
    if (inputs.length !== this.itypes.length) {
      throw buildError(this, `takes ${this.itypes.length} input(s), got ${inputs.length}`);
    }
    inputs.forEach((v, i) => {
      const spec = this.itypes[i];
      const ndim = spec.shape ? spec.shape.length : (spec as InputType).ndim;
      const fits =
        allowed(spec).includes(v.dtype) &&
        (ndim === undefined || v.ndim === ndim) &&
        (!spec.shape ||
          spec.shape.every((d, k) => d === null || v.staticShape[k] === null || v.staticShape[k] === d));
      if (!fits) throw buildError(this, `input ${i} must be ${describeSpec(spec)}, got ${describe(v)}`);
    });
    const outputs = this.otypes.map((o) => {
      if (o instanceof TensorType) return o;
      if ('like' in o) return inputs[o.like].type;
      return new TensorType(o.dtype, o.shape);
    });
    return this.node(inputs, outputs);
  }

  /** Output shapes from `like` outputs and fully static output types; override for the rest. */
  override inferShape(node: Apply, inputShapes: readonly Shape[]): Shape[] {
    return this.otypes.map((o, k) => {
      if (!(o instanceof TensorType) && 'like' in o) return inputShapes[o.like];
      const shape = o.shape;
      if (shape.some((d) => d === null)) {
        throw buildError(
          this,
          `output ${k} has type ${node.outputs[k].type.toString()} with unknown dimensions: define inferShape`,
        );
      }
      return shape as number[];
    });
  }
}
