// Composite: one elementwise kernel for a whole fused subgraph of elementwise ops (Theano's
// Composite). It holds a scalar expression DAG per output over its inputs; every input
// broadcasts to the output shape and each output element is the expression evaluated on the
// inputs' elements. The fusion rewrite builds these; the native executor runs the same
// expressions in one pass over memory (`elementwise` kernel).
import { broadcastIndices, broadcastShapes, broadcastStaticShapes } from '../core/broadcast.ts';
import { allocate, type DType } from '../core/dtype.ts';
import {
  Op,
  type AliasMap,
  type Apply,
  type NativeKernel,
  type PropValue,
  type Variable,
} from '../core/graph.ts';
import { NDArray, type Shape } from '../core/ndarray.ts';
import { TensorType } from '../core/type.ts';
import { scalarOps, type ScalarOpName } from './scalar.ts';

/** A scalar expression whose constants carry their dtype (it takes part in type promotion). */
export type CompositeExpr =
  | { readonly input: number }
  | { readonly const: number; readonly dtype: DType }
  | { readonly op: ScalarOpName; readonly args: readonly CompositeExpr[]; readonly dtype?: DType };

type Evaluate = (inputs: readonly number[]) => number;

/** Storing into a typed array rounds; doing it after every scalar op keeps a fused result bit-identical to the unfused chain. */
function rounding(dtype: DType): (x: number) => number {
  if (dtype === 'float32') return Math.fround;
  if (dtype === 'int32') return (x) => x | 0;
  return (x) => x;
}

/** The dtype of an op node's value, given its arguments' dtypes. */
function applyDtype(expr: Extract<CompositeExpr, { op: string }>, args: readonly DType[]): DType {
  return expr.op === 'cast' ? expr.dtype! : scalarOps[expr.op].outDtype(args);
}

/** The dtype of `expr`'s value. */
function exprDtype(expr: CompositeExpr, inputDtypes: readonly DType[]): DType {
  if ('input' in expr) return inputDtypes[expr.input];
  if ('const' in expr) return expr.dtype;
  return applyDtype(
    expr,
    expr.args.map((a) => exprDtype(a, inputDtypes)),
  );
}

/** An evaluator for `expr` and the dtype of its value. */
export function compileExpr(
  expr: CompositeExpr,
  inputDtypes: readonly DType[],
): { evaluate: Evaluate; dtype: DType } {
  if ('input' in expr) {
    const i = expr.input;
    return { evaluate: (v) => v[i], dtype: inputDtypes[i] };
  }
  if ('const' in expr) {
    const c = expr.const;
    return { evaluate: () => c, dtype: expr.dtype };
  }
  const args = expr.args.map((a) => compileExpr(a, inputDtypes));
  const dtype = applyDtype(
    expr,
    args.map((a) => a.dtype),
  );
  const f = scalarOps[expr.op].impl(dtype);
  const round = rounding(dtype);
  const [a, b, c] = args.map((x) => x.evaluate);
  const evaluate: Evaluate =
    args.length === 1
      ? (v) => round(f(a(v)))
      : args.length === 2
        ? (v) => round(f(a(v), b(v)))
        : (v) => round(f(a(v), b(v), c(v)));
  return { evaluate, dtype };
}

/** `sigmoid((i0 + i1))`: the expression as people read it (printers, op names). */
export function formatExpr(expr: CompositeExpr): string {
  if ('input' in expr) return `i${expr.input}`;
  if ('const' in expr) return String(expr.const);
  const infix: Record<string, string> = { add: '+', sub: '-', mul: '*', div: '/' };
  const args = expr.args.map(formatExpr);
  if (infix[expr.op] && args.length === 2) return `(${args[0]} ${infix[expr.op]} ${args[1]})`;
  return `${expr.op}(${args.join(', ')}${expr.op === 'cast' ? `, ${expr.dtype}` : ''})`;
}

export class Composite extends Op {
  /** Built on the first `perform`: compiled programs never call it, and rewrites build many composites. */
  private evaluators: Evaluate[] | null = null;
  private readonly outDtypes: DType[];

  /**
   * `outputs[k]` computes output k from inputs of `inputDtypes`. With `inplace`, output k
   * overwrites input `inplace[k]` (-1: none). The in-place rewrite decides when that is safe:
   * Adam's one composite writes θ, m and v over the old ones, so their updates need no copies.
   */
  constructor(outputs: readonly CompositeExpr[], inputDtypes: readonly DType[], inplace?: readonly number[]) {
    if (inplace && inplace.length !== outputs.length) {
      throw new Error(`Composite: ${inplace.length} in-place entries for ${outputs.length} outputs`);
    }
    super({
      outputs: outputs as unknown as PropValue[],
      inputDtypes: [...inputDtypes],
      ...(inplace?.some((i) => i >= 0) ? { inplace: [...inplace] } : {}),
    });
    this.outDtypes = outputs.map((e) => exprDtype(e, inputDtypes));
  }

  get exprs(): readonly CompositeExpr[] {
    return this.props.outputs as unknown as CompositeExpr[];
  }

  get inputDtypes(): readonly DType[] {
    return this.props.inputDtypes as DType[];
  }

  /** Per output, the input it overwrites (-1: none); undefined when no output is in place. */
  get inplace(): readonly number[] | undefined {
    return this.props.inplace as number[] | undefined;
  }

  /** The same computation, output `k` also writing into input `i`. */
  withInplace(k: number, i: number): Composite {
    const inplace = this.inplace ? [...this.inplace] : this.exprs.map(() => -1);
    inplace[k] = i;
    return new Composite(this.exprs, this.inputDtypes, inplace);
  }

  override toString(): string {
    const body = this.exprs.map(formatExpr).join(', ');
    return `Composite{${body}${inplaceLabel(this.inplace)}}`;
  }

  makeNode(...inputs: Variable[]): Apply {
    const expected = this.inputDtypes;
    if (inputs.length !== expected.length || inputs.some((v, i) => v.dtype !== expected[i])) {
      throw new Error(
        `${this.toString()}: expects inputs of dtypes [${expected.join(', ')}], got [${inputs.map((v) => v.dtype).join(', ')}]`,
      );
    }
    const shape = broadcastStaticShapes(inputs.map((v) => v.staticShape));
    if (typeof shape === 'string') throw new Error(`${this.toString()}: inputs do not broadcast (${shape})`);
    return this.node(
      inputs,
      this.outDtypes.map((d) => new TensorType(d, shape)),
    );
  }

  perform(inputs: readonly NDArray[]): NDArray[] {
    const shape = broadcastShapes(
      inputs.map((a) => a.shape),
      this.toString(),
    );
    const n = shape.reduce((p, d) => p * d, 1);
    const outs = this.outDtypes.map((dtype, k) => {
      const target = (this.inplace?.[k] ?? -1) >= 0 ? inputs[this.inplace![k]] : undefined;
      const reuse =
        target && target.dtype === dtype && target.isContiguous() && target.shape.join() === shape.join();
      return reuse ? target.data : allocate(dtype, n);
    });
    const idx = inputs.map((a) => broadcastIndices(a, shape));
    const data = inputs.map((a) => a.data);
    const values = new Array<number>(inputs.length);
    const evaluators = (this.evaluators ??= this.exprs.map((e) => compileExpr(e, this.inputDtypes).evaluate));
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < values.length; k++) values[k] = data[k][idx[k][i]];
      for (let o = 0; o < outs.length; o++) outs[o][i] = evaluators[o](values);
    }
    return outs.map((d) => new NDArray(d, shape));
  }

  override inferShape(_node: Apply, inputShapes: readonly Shape[]): Shape[] {
    const shape = broadcastShapes(inputShapes, this.toString());
    return this.outDtypes.map(() => shape);
  }

  override native(): NativeKernel {
    return { kernel: 'elementwise', attrs: { outputs: this.props.outputs } };
  }

  override aliasMap(): AliasMap {
    const pairs = (this.inplace ?? []).flatMap((i, k) => (i >= 0 ? [[k, i] as const] : []));
    return pairs.length > 0 ? { destroys: Object.fromEntries(pairs) } : {};
  }
}

/** `, inplace2` when output 0 alone overwrites input 2 (as Elemwise prints it); `, inplace[0,1,3]`
 * for several outputs, `_` marking one that is not in place. */
function inplaceLabel(inplace: readonly number[] | undefined): string {
  if (!inplace) return '';
  if (inplace.every((i, k) => k === 0 || i < 0)) return `, inplace${inplace[0]}`;
  return `, inplace[${inplace.map((i) => (i >= 0 ? String(i) : '_')).join(',')}]`;
}
