// Elementwise nodes to ONNX: a fused Composite (one scalar expression per output) or a single
// Elemwise becomes one ONNX node per scalar operation, identical subexpressions emitted once.
// ONNX's elementwise operators broadcast like NumPy, as the engine does, but want their operands
// of one type: where the engine promotes (int32 + float32 → float32) a Cast is inserted, so the
// exported graph computes in the dtypes the engine computes in.
import { promote, type DType } from '../../core/dtype.ts';
import type { Apply } from '../../core/graph.ts';
import { NDArray } from '../../core/ndarray.ts';
import { compileExpr, Composite, type CompositeExpr } from '../../ops/composite.ts';
import { Elemwise } from '../../ops/elemwise.ts';
import type { ExportContext } from './exportContext.ts';

/** Scalar ops that are one ONNX operator with the same operands. */
const direct: Readonly<Record<string, string>> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Mul',
  div: 'Div',
  neg: 'Neg',
  pow: 'Pow',
  sqrt: 'Sqrt',
  exp: 'Exp',
  log: 'Log',
  abs: 'Abs',
  sign: 'Sign',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  softplus: 'Softplus',
  relu: 'Relu',
  maximum: 'Max',
  minimum: 'Min',
  identity: 'Identity',
};
const comparisons: Readonly<Record<string, string>> = {
  lt: 'Less',
  le: 'LessOrEqual',
  gt: 'Greater',
  ge: 'GreaterOrEqual',
  eq: 'Equal',
};
const logical: Readonly<Record<string, string>> = { and: 'And', or: 'Or', xor: 'Xor', not: 'Not' };

/** The scalar ops this file converts (for the exporter's list of what it handles). */
export const exportableScalarOps = [
  ...Object.keys(direct),
  ...Object.keys(comparisons),
  ...Object.keys(logical),
  'ne',
  'sqr',
  'rsqrt',
  'log1p',
  'expm1',
  'clip',
  'where',
  'cast',
];

class ExpressionEmitter {
  private readonly memo = new Map<string, { name: string; dtype: DType }>();

  private readonly ctx: ExportContext;
  private readonly inputs: readonly string[];
  private readonly inputDtypes: readonly DType[];
  private readonly where: string;

  constructor(ctx: ExportContext, inputs: readonly string[], inputDtypes: readonly DType[], where: string) {
    this.ctx = ctx;
    this.inputs = inputs;
    this.inputDtypes = inputDtypes;
    this.where = where;
  }

  private castTo(value: { name: string; dtype: DType }, dtype: DType): string {
    if (value.dtype === dtype) return value.name;
    return this.ctx.op('Cast', [value.name], { to: this.ctx.onnxTypeCode(dtype) });
  }

  private constant(value: number, dtype: DType): string {
    return this.ctx.constant(NDArray.from([value], [], dtype), 'c');
  }

  /** The value of `expr` (written to `output` when given); each distinct subexpression once. */
  emit(expr: CompositeExpr, output?: string): { name: string; dtype: DType } {
    const key = JSON.stringify(expr);
    const known = this.memo.get(key);
    if (known)
      return output === undefined
        ? known
        : { name: this.ctx.op('Identity', [known.name], {}, output), dtype: known.dtype };
    const result = this.build(expr, output);
    this.memo.set(key, result);
    return result;
  }

  private build(expr: CompositeExpr, output?: string): { name: string; dtype: DType } {
    const ctx = this.ctx;
    const dtype = compileExpr(expr, this.inputDtypes).dtype;
    const done = (name: string): { name: string; dtype: DType } =>
      output === undefined || name === output
        ? { name, dtype }
        : { name: ctx.op('Identity', [name], {}, output), dtype };
    if ('input' in expr) return done(this.inputs[expr.input]);
    if ('const' in expr) return done(this.constant(expr.const, expr.dtype));
    const args = expr.args.map((a) => this.emit(a));
    const as = (d: DType): string[] => args.map((a) => this.castTo(a, d));
    const op = expr.op;
    if (direct[op]) return { name: ctx.op(direct[op], as(dtype), {}, output), dtype };
    if (comparisons[op] || op === 'ne') {
      const common = args.map((a) => a.dtype).reduce(promote);
      const eq = ctx.op(comparisons[op] ?? 'Equal', as(common), {}, op === 'ne' ? undefined : output);
      return { name: op === 'ne' ? ctx.op('Not', [eq], {}, output) : eq, dtype };
    }
    if (logical[op]) return { name: ctx.op(logical[op], as('bool'), {}, output), dtype };
    switch (op) {
      case 'sqr': {
        const [x] = as(dtype);
        return { name: ctx.op('Mul', [x, x], {}, output), dtype };
      }
      case 'rsqrt':
        return { name: ctx.op('Reciprocal', [ctx.op('Sqrt', as(dtype))], {}, output), dtype };
      case 'log1p':
        return {
          name: ctx.op('Log', [ctx.op('Add', [...as(dtype), this.constant(1, dtype)])], {}, output),
          dtype,
        };
      case 'expm1':
        return {
          name: ctx.op('Sub', [ctx.op('Exp', as(dtype)), this.constant(1, dtype)], {}, output),
          dtype,
        };
      case 'clip': {
        const [x, lo, hi] = as(dtype);
        return { name: ctx.op('Min', [ctx.op('Max', [x, lo]), hi], {}, output), dtype };
      }
      case 'where': {
        const [c, a, b] = args;
        return {
          name: ctx.op(
            'Where',
            [this.castTo(c, 'bool'), this.castTo(a, dtype), this.castTo(b, dtype)],
            {},
            output,
          ),
          dtype,
        };
      }
      case 'cast':
        return { name: ctx.op('Cast', [args[0].name], { to: ctx.onnxTypeCode(dtype) }, output), dtype };
      default:
        throw ctx.unsupported(`its scalar operation '${op}' (in ${this.where})`);
    }
  }
}

/** A Composite or an Elemwise node as ONNX nodes writing `outputs`. */
export function convertElementwise(node: Apply, ctx: ExportContext, outputs: string[]): void {
  const inputs = node.inputs.map((v) => ctx.nameOf(v));
  const inputDtypes = node.inputs.map((v) => v.dtype);
  let exprs: readonly CompositeExpr[];
  if (node.op instanceof Composite) {
    exprs = node.op.exprs;
  } else if (node.op instanceof Elemwise) {
    const op = node.op;
    const args = node.inputs.map((_, i) => ({ input: i }));
    exprs = [
      op.scalarOp === 'cast'
        ? { op: 'cast', args, dtype: op.props.dtype as DType }
        : { op: op.scalarOp, args },
    ];
  } else {
    throw ctx.unsupported('it is not elementwise');
  }
  const emitter = new ExpressionEmitter(ctx, inputs, inputDtypes, node.op.toString());
  exprs.forEach((e, k) => {
    // The engine's output dtype wins (a composite output stored into another dtype).
    const want = node.outputs[k].dtype;
    if (compileExpr(e, inputDtypes).dtype === want) emitter.emit(e, outputs[k]);
    else ctx.op('Cast', [emitter.emit(e).name], { to: ctx.onnxTypeCode(want) }, outputs[k]);
  });
}
