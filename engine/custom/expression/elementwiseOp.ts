// T.elementwise('c = a * x + b', {a: 4, b: 5}): a user's elementwise op from one line of
// arithmetic. The expression becomes the scalar-expression form the fused Composite op uses, so
// the cpu backend runs it as ONE native elementwise kernel (no C to write, no compiler needed)
// and the js backend evaluates it with Composite's reference evaluator.
//
// - props: the canonical expression text, the input order and the named constants, so two ops
//   from equal expressions and constants are one op (the merge rewrite unifies their nodes);
//   whitespace and redundant parentheses do not count;
// - inputs: the names that are not constants, in order of first appearance (or `inputs`);
// - dtypes: constants are weak scalars as in T.mul(x, 4): they take the inputs' float dtype;
// - shapes: inputs broadcast like NumPy;
// - grad: derived from the expression with the engine's own elementwise gradient rules.
import { broadcastStaticShapes, formatStaticShape } from '../../core/broadcast.ts';
import { promote, type DType } from '../../core/dtype.ts';
import type { GradKit } from '../../core/gradKit.ts';
import {
  Op,
  type Apply,
  type GradEntry,
  type NativeKernel,
  type PropValue,
  type Variable,
} from '../../core/graph.ts';
import type { NDArray, Shape } from '../../core/ndarray.ts';
import { TensorType } from '../../core/type.ts';
import { Composite, type CompositeExpr } from '../../ops/composite.ts';
import { buildError, describe } from '../../ops/opError.ts';
import { asVariable, weakDtype } from '../../tensor.ts';
import { expressionGrad } from './expressionGrad.ts';
import { ExpressionError, formatAst, functionOp, parseAssignment, type ExprAst } from './parse.ts';

export type Constants = Readonly<Record<string, number>>;

export interface ElementwiseOptions {
  /** The input names in call order; default: the free names in order of first appearance. */
  inputs?: readonly string[];
}

/** Free names of the expression in order of first appearance (constants excluded). */
function freeNames(ast: ExprAst, constants: Constants, into: string[] = []): string[] {
  if (ast.kind === 'name' && !(ast.name in constants) && !into.includes(ast.name)) into.push(ast.name);
  if (ast.kind === 'apply') for (const a of ast.args) freeNames(a, constants, into);
  return into;
}

function usedNames(ast: ExprAst, into = new Set<string>()): Set<string> {
  if (ast.kind === 'name') into.add(ast.name);
  if (ast.kind === 'apply') for (const a of ast.args) usedNames(a, into);
  return into;
}

export class ElementwiseExpr extends Op {
  private readonly body: ExprAst;
  /** Composite ops (evaluator + native descriptor) per input dtype signature. */
  private readonly composites = new Map<string, Composite>();

  constructor(source: string, constants: Constants = {}, options: ElementwiseOptions = {}) {
    const { output, body } = parseAssignment(source);
    const used = usedNames(body);
    for (const [name, value] of Object.entries(constants)) {
      if (typeof value !== 'number') {
        throw new ExpressionError(
          `T.elementwise('${source}'): constant '${name}' must be a number, got ${typeof value}`,
        );
      }
      if (!used.has(name)) {
        throw new ExpressionError(
          `T.elementwise('${source}'): constant '${name}' does not appear in the expression (names used: ${[...used].join(', ')})`,
        );
      }
      if (functionOp(name)) {
        throw new ExpressionError(
          `T.elementwise('${source}'): constant '${name}' has the name of a function; rename it`,
        );
      }
    }
    const free = freeNames(body, constants);
    const inputs = options.inputs ? [...options.inputs] : free;
    const missing = free.filter((n) => !inputs.includes(n));
    if (options.inputs && (missing.length > 0 || new Set(inputs).size !== inputs.length)) {
      throw new ExpressionError(
        `T.elementwise('${source}'): inputs [${inputs.join(', ')}] must list each free name once (free names: ${free.join(', ')})`,
      );
    }
    if (inputs.length === 0) {
      throw new ExpressionError(
        `T.elementwise('${source}'): the expression has no inputs (every name is a constant)`,
      );
    }
    super({ expr: `${output} = ${formatAst(body)}`, inputs, constants: { ...constants } });
    this.body = body;
  }

  get expression(): string {
    return this.props.expr as string;
  }

  get inputNames(): readonly string[] {
    return this.props.inputs as string[];
  }

  get constants(): Constants {
    return this.props.constants as Constants;
  }

  /** `Elementwise{c = a * x + b, a=4, b=5}` */
  override toString(): string {
    const consts = Object.keys(this.constants)
      .sort()
      .map((k) => `${k}=${this.constants[k]}`);
    return `Elementwise{${[this.expression, ...consts].join(', ')}}`;
  }

  /** The expression over inputs `{input: i}` with constants typed like the inputs (weak scalars). */
  scalarExpr(inputDtypes: readonly DType[]): CompositeExpr {
    const like = inputDtypes.reduce(promote);
    const build = (ast: ExprAst): CompositeExpr => {
      if (ast.kind === 'number') return { const: ast.value, dtype: weakDtype(ast.value, like) };
      if (ast.kind === 'name') {
        const value = this.constants[ast.name];
        if (value !== undefined) return { const: value, dtype: weakDtype(value, like) };
        return { input: this.inputNames.indexOf(ast.name) };
      }
      return { op: ast.op, args: ast.args.map(build) };
    };
    return build(this.body);
  }

  /** The Composite computing this expression for inputs of these dtypes. */
  composite(inputDtypes: readonly DType[]): Composite {
    const key = inputDtypes.join(',');
    let c = this.composites.get(key);
    if (!c) {
      c = new Composite([this.scalarExpr(inputDtypes)], inputDtypes);
      this.composites.set(key, c);
    }
    return c;
  }

  makeNode(...args: Variable[]): Apply {
    const inputs = args.map((a) => asVariable(a));
    if (inputs.length !== this.inputNames.length) {
      throw buildError(
        this,
        `takes ${this.inputNames.length} input(s) (${this.inputNames.join(', ')}), got ${inputs.length}`,
      );
    }
    const shape = broadcastStaticShapes(inputs.map((v) => v.staticShape));
    if (typeof shape === 'string') {
      throw buildError(
        this,
        `input shapes ${inputs.map((v) => formatStaticShape(v.staticShape)).join(' and ')} do not broadcast (${shape}); ` +
          `inputs: ${inputs.map((v, i) => `${this.inputNames[i]} = ${describe(v)}`).join(', ')}`,
      );
    }
    const composite = this.composite(inputs.map((v) => v.dtype));
    const dtype = composite.makeNode(...inputs).outputs[0].dtype;
    return this.node(inputs, [new TensorType(dtype, shape)]);
  }

  perform(inputs: readonly NDArray[], node: Apply): NDArray[] {
    return this.composite(node.inputs.map((v) => v.dtype)).perform(inputs);
  }

  override inferShape(node: Apply, inputShapes: readonly Shape[]): Shape[] {
    return this.composite(node.inputs.map((v) => v.dtype)).inferShape(node, inputShapes);
  }

  override native(node: Apply): NativeKernel {
    const expr = this.scalarExpr(node.inputs.map((v) => v.dtype));
    return { kernel: 'elementwise', attrs: { outputs: [expr as unknown as PropValue] } };
  }

  override grad(node: Apply, [gz]: readonly (Variable | null)[], kit: GradKit<Variable>): GradEntry[] {
    return expressionGrad(this.scalarExpr(node.inputs.map((v) => v.dtype)), node, gz, kit);
  }
}

/**
 * An elementwise op from an expression: `T.elementwise('c = a * x + b', {a: 4, b: 5}).apply(x)`.
 * Functions: the engine's scalar ops (exp, log, log1p, expm1, sqrt, rsqrt, sqr, abs, sign, tanh,
 * sigmoid, softplus, relu, maximum/max, minimum/min, clip, where, pow, and, or, not, xor, …).
 */
export function elementwise(
  source: string,
  constants: Constants = {},
  options: ElementwiseOptions = {},
): ElementwiseExpr {
  return new ElementwiseExpr(source, constants, options);
}
