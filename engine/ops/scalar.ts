// The scalar operations behind every elementwise op (Theano's scalar ops): their arity, the
// dtype of their result, and their value on one element. Elemwise applies them with
// broadcasting; the fusion rewrite composes them into ScalarExpr trees for one fused kernel.
import type { ScalarOpName as NativeScalarOpName } from '../../native/program.ts';
import { isFloat, promote, type DType } from '../core/dtype.ts';

/**
 * The native executor's scalar ops (native/program.ts is the contract), plus the engine-only
 * `second`, which never reaches the executor (see ScalarExpr).
 */
export type ScalarOpName = NativeScalarOpName | 'second';

/**
 * The native executor's scalar expression: an input of the kernel, a constant, or a scalar op
 * applied to sub-expressions (`cast` carries its target dtype). `second` never appears: a
 * second(a, b) node is written as the expression of b (the kernel broadcasts all inputs).
 */
export type ScalarExpr =
  | { readonly input: number }
  | { readonly const: number }
  | { readonly op: ScalarOpName; readonly args: readonly ScalarExpr[]; readonly dtype?: DType };

type Fn = (...args: number[]) => number;

export interface ScalarOpSpec {
  readonly arity: number;
  /** Result dtype from the input dtypes (`cast` reads its target instead). */
  outDtype(inputs: readonly DType[]): DType;
  /** The element function for a result of `out` dtype. */
  impl(out: DType): Fn;
  /** Differentiable in its float inputs (the grad rules live in elemwiseGrad.ts). */
  readonly differentiable: boolean;
}

/** Integer → float promotes to float32, the engine's default float (Theano's floatX). */
function floatOf(dtypes: readonly DType[]): DType {
  const p = dtypes.reduce(promote, 'bool');
  return isFloat(p) ? p : 'float32';
}
/** Arithmetic on bools counts in int32 (NumPy would give bool for add; that surprises people). */
function numericOf(dtypes: readonly DType[]): DType {
  const p = dtypes.reduce(promote, 'bool');
  return p === 'bool' ? 'int32' : p;
}
const sameAs = (dtypes: readonly DType[]): DType => dtypes.reduce(promote, 'bool');
const boolean = (): DType => 'bool';
const b = (v: boolean): number => (v ? 1 : 0);

function spec(
  arity: number,
  outDtype: (d: readonly DType[]) => DType,
  f: Fn,
  differentiable: boolean,
  intF?: Fn,
): ScalarOpSpec {
  return { arity, outDtype, impl: (out) => (out === 'int32' && intF ? intF : f), differentiable };
}

const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export const scalarOps: Readonly<Record<ScalarOpName, ScalarOpSpec>> = {
  add: spec(2, numericOf, (x, y) => x + y, true),
  sub: spec(2, numericOf, (x, y) => x - y, true),
  // Math.imul: int32 products wrap like C instead of losing bits in a double first.
  mul: spec(2, numericOf, (x, y) => x * y, true, Math.imul),
  div: spec(2, floatOf, (x, y) => x / y, true),
  neg: spec(1, numericOf, (x) => -x, true),
  pow: spec(2, floatOf, (x, y) => Math.pow(x, y), true),
  sqr: spec(
    1,
    numericOf,
    (x) => x * x,
    true,
    (x) => Math.imul(x, x),
  ),
  sqrt: spec(1, floatOf, Math.sqrt, true),
  rsqrt: spec(1, floatOf, (x) => 1 / Math.sqrt(x), true),
  exp: spec(1, floatOf, Math.exp, true),
  log: spec(1, floatOf, Math.log, true),
  log1p: spec(1, floatOf, Math.log1p, true),
  expm1: spec(1, floatOf, Math.expm1, true),
  abs: spec(1, sameAs, Math.abs, true),
  sign: spec(1, numericOf, Math.sign, true),
  tanh: spec(1, floatOf, Math.tanh, true),
  sigmoid: spec(1, floatOf, sigmoid, true),
  softplus: spec(1, floatOf, softplus, true),
  relu: spec(1, sameAs, (x) => (x > 0 ? x : 0), true),
  maximum: spec(2, sameAs, (x, y) => (x >= y || Number.isNaN(x) ? x : y), true),
  minimum: spec(2, sameAs, (x, y) => (x <= y || Number.isNaN(x) ? x : y), true),
  clip: spec(3, sameAs, (x, lo, hi) => Math.min(Math.max(x, lo), hi), true),
  where: spec(
    3,
    (d) => promote(d[1], d[2]),
    (c, x, y) => (c !== 0 ? x : y),
    true,
  ),
  lt: spec(2, boolean, (x, y) => b(x < y), false),
  le: spec(2, boolean, (x, y) => b(x <= y), false),
  gt: spec(2, boolean, (x, y) => b(x > y), false),
  ge: spec(2, boolean, (x, y) => b(x >= y), false),
  eq: spec(2, boolean, (x, y) => b(x === y), false),
  ne: spec(2, boolean, (x, y) => b(x !== y), false),
  and: spec(2, boolean, (x, y) => b(x !== 0 && y !== 0), false),
  or: spec(2, boolean, (x, y) => b(x !== 0 || y !== 0), false),
  not: spec(1, boolean, (x) => b(x === 0), false),
  xor: spec(2, boolean, (x, y) => b((x !== 0) !== (y !== 0)), false),
  identity: spec(1, sameAs, (x) => x, true),
  // cast's result dtype is the Elemwise's `dtype` prop; storing into the typed array converts
  // (float → int32 truncates like C), and bool needs an explicit 0/1.
  cast: {
    arity: 1,
    outDtype: (d) => d[0],
    impl: (out) => (out === 'bool' ? (x: number) => b(x !== 0) : (x: number) => x),
    differentiable: true,
  },
  // second(a, b) = b broadcast to the shape of a and b (Theano's `second`/`fill`).
  second: spec(
    2,
    (d) => d[1],
    (_a, y) => y,
    true,
  ),
};

export function isScalarOpName(name: string): name is ScalarOpName {
  return Object.prototype.hasOwnProperty.call(scalarOps, name);
}
