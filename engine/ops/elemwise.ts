// Elemwise: one op class for every elementwise operation, parameterised by a scalar op (the
// Theano way). Inputs broadcast like NumPy; the scalar op decides the result dtype and the
// value of each element. The fusion rewrite reads `scalarOp`/`arity` and `scalarExpr` to build
// composite kernels out of chains of these nodes.
import {
  broadcastIndices,
  broadcastShapes,
  broadcastStaticShapes,
  formatStaticShape,
} from '../core/broadcast.ts';
import { allocate, isDType, type DType } from '../core/dtype.ts';
import type { GradKit } from '../core/gradKit.ts';
import {
  Op,
  type AliasMap,
  type Apply,
  type GradEntry,
  type NativeKernel,
  type Variable,
} from '../core/graph.ts';
import { NDArray, type Shape } from '../core/ndarray.ts';
import { TensorType } from '../core/type.ts';
import { elemwiseGrad } from './elemwiseGrad.ts';
import { buildError, describe, runError } from './opError.ts';
import {
  isScalarOpName,
  scalarOps,
  type ScalarExpr,
  type ScalarOpName,
  type ScalarOpSpec,
} from './scalar.ts';

export interface ElemwiseOptions {
  /** Target dtype; only for `cast`. */
  dtype?: DType;
  /** The output overwrites this input (set by the in-place rewrite when the input is dead). */
  inplace?: number;
}

export class Elemwise extends Op {
  constructor(scalarOp: ScalarOpName, options: ElemwiseOptions = {}) {
    if (!isScalarOpName(scalarOp)) throw buildError('Elemwise', `unknown scalar op '${String(scalarOp)}'`);
    if (
      (scalarOp === 'cast') !== (options.dtype !== undefined) ||
      (options.dtype && !isDType(options.dtype))
    ) {
      throw buildError(
        'Elemwise',
        `a dtype option is required for 'cast' and only for it (got ${options.dtype})`,
      );
    }
    super({
      scalarOp,
      ...(options.dtype ? { dtype: options.dtype } : {}),
      ...(options.inplace !== undefined ? { inplace: options.inplace } : {}),
    });
  }

  get scalarOp(): ScalarOpName {
    return this.props.scalarOp as ScalarOpName;
  }

  get arity(): number {
    return this.spec.arity;
  }

  get castTo(): DType | undefined {
    return this.props.dtype as DType | undefined;
  }

  get inplace(): number | undefined {
    return this.props.inplace as number | undefined;
  }

  private get spec(): ScalarOpSpec {
    return scalarOps[this.scalarOp];
  }

  /** `Elemwise{add}`, `Elemwise{cast,int32}`, `Elemwise{mul,inplace0}`. */
  override toString(): string {
    const extra = [this.castTo, this.inplace !== undefined ? `inplace${this.inplace}` : undefined];
    return `Elemwise{${[this.scalarOp, ...extra.filter((e) => e !== undefined)].join(',')}}`;
  }

  outDtype(inputs: readonly DType[]): DType {
    return this.castTo ?? this.spec.outDtype(inputs);
  }

  /** This op as a scalar expression over the given argument expressions. */
  scalarExpr(args: readonly ScalarExpr[]): ScalarExpr {
    if (this.scalarOp === 'second') return args[1];
    return this.castTo ? { op: 'cast', args, dtype: this.castTo } : { op: this.scalarOp, args };
  }

  makeNode(...inputs: Variable[]): Apply {
    if (inputs.length !== this.arity) {
      throw buildError(this, `takes ${this.arity} input(s), got ${inputs.length}`);
    }
    const shape = broadcastStaticShapes(inputs.map((v) => v.staticShape));
    if (typeof shape === 'string') {
      throw buildError(
        this,
        `input shapes ${inputs.map((v) => formatStaticShape(v.staticShape)).join(' and ')} do not broadcast ` +
          `(${shape}); inputs: ${inputs.map(describe).join(', ')}`,
      );
    }
    return this.node(inputs, [new TensorType(this.outDtype(inputs.map((v) => v.dtype)), shape)]);
  }

  perform(inputs: readonly NDArray[], node: Apply): NDArray[] {
    const shape = this.outShape(
      inputs.map((a) => a.shape),
      node,
    );
    const dtype = node.outputs[0].dtype;
    const f = this.spec.impl(dtype);
    const n = shape.reduce((p, d) => p * d, 1);
    const target = this.inplace !== undefined ? inputs[this.inplace] : undefined;
    const reuse =
      target && target.dtype === dtype && target.isContiguous() && target.shape.join() === shape.join();
    const out = reuse ? target.data : allocate(dtype, n);
    // Each input as a flat array in the output's element order: a contiguous input of the
    // output's shape as it is, anything else (broadcast, strided) gathered once.
    const [d0, d1, d2] = inputs.map((a) => {
      if (a.isContiguous() && a.size === n && a.ndim === shape.length) return a.data;
      if (a.size === 1) return new Float64Array(n).fill(a.data[a.offset]);
      const idx = broadcastIndices(a, shape);
      const dense = new Float64Array(n);
      for (let i = 0; i < n; i++) dense[i] = a.data[idx[i]];
      return dense;
    });
    if (this.arity === 1) for (let i = 0; i < n; i++) out[i] = f(d0[i]);
    else if (this.arity === 2) for (let i = 0; i < n; i++) out[i] = f(d0[i], d1[i]);
    else for (let i = 0; i < n; i++) out[i] = f(d0[i], d1[i], d2[i]);
    return [new NDArray(out, shape)];
  }

  private outShape(shapes: readonly Shape[], node: Apply): number[] {
    try {
      return broadcastShapes(shapes, this.toString());
    } catch (e) {
      throw runError(node, (e as Error).message);
    }
  }

  override inferShape(node: Apply, inputShapes: readonly Shape[]): Shape[] {
    return [this.outShape(inputShapes, node)];
  }

  override grad(node: Apply, outputGrads: readonly (Variable | null)[], g: GradKit<Variable>): GradEntry[] {
    if (!this.spec.differentiable) return node.inputs.map(() => null);
    return elemwiseGrad(this.scalarOp, node, outputGrads[0], g);
  }

  override native(node: Apply): NativeKernel {
    const args = node.inputs.map((_, i): ScalarExpr => ({ input: i }));
    return { kernel: 'elementwise', attrs: { outputs: [this.scalarExpr(args)] } };
  }

  override aliasMap(): AliasMap {
    return this.inplace !== undefined ? { destroys: { 0: this.inplace } } : {};
  }
}
