// The elementwise functions users call: T.add(x, 1), T.sigmoid(z), T.where(c, a, b), T.cast(x, 'int32').
// Each builds one Elemwise node; JS numbers are weak scalars (they take the tensors' dtype).
import type { DType } from '../core/dtype.ts';
import type { Variable } from '../core/graph.ts';
import { asVariable, asVariables, type TensorLike } from '../tensor.ts';
import { Elemwise } from './elemwise.ts';
import type { ScalarOpName } from './scalar.ts';

export function elemwise(scalarOp: ScalarOpName, ...args: TensorLike[]): Variable {
  return new Elemwise(scalarOp).apply(...asVariables(args));
}

type Unary = (x: TensorLike) => Variable;
type Binary = (x: TensorLike, y: TensorLike) => Variable;
const unary =
  (op: ScalarOpName): Unary =>
  (x) =>
    elemwise(op, x);
const binary =
  (op: ScalarOpName): Binary =>
  (x, y) =>
    elemwise(op, x, y);

export const add = binary('add');
export const sub = binary('sub');
export const mul = binary('mul');
export const div = binary('div');
export const pow = binary('pow');
export const maximum = binary('maximum');
export const minimum = binary('minimum');
export const neg = unary('neg');
export const sqr = unary('sqr');
export const sqrt = unary('sqrt');
export const rsqrt = unary('rsqrt');
export const exp = unary('exp');
export const log = unary('log');
export const log1p = unary('log1p');
export const expm1 = unary('expm1');
export const abs = unary('abs');
export const sign = unary('sign');
export const tanh = unary('tanh');
export const sigmoid = unary('sigmoid');
export const softplus = unary('softplus');
export const relu = unary('relu');

export const lt = binary('lt');
export const le = binary('le');
export const gt = binary('gt');
export const ge = binary('ge');
export const eq = binary('eq');
export const ne = binary('ne');
export const and = binary('and');
export const or = binary('or');
export const xor = binary('xor');
export const not = unary('not');

/** x limited to [lo, hi] elementwise (lo and hi may be tensors that broadcast). */
export function clip(x: TensorLike, lo: TensorLike, hi: TensorLike): Variable {
  return elemwise('clip', x, lo, hi);
}

/** cond ? a : b elementwise (cond is read as truthy; all three broadcast). */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Variable {
  const [c] = asVariables([cond]);
  const [va, vb] = asVariables([a, b]);
  return new Elemwise('where').apply(c, va, vb);
}

/** Convert to another dtype (float → int32 truncates toward zero; anything → bool is x != 0). */
export function cast(x: TensorLike, dtype: DType): Variable {
  const [v] = asVariables([x]);
  if (v.dtype === dtype) return v;
  return new Elemwise('cast', { dtype }).apply(v);
}

/** The same values (a separate node; rewrites remove it). */
export function identity(x: TensorLike): Variable {
  return elemwise('identity', x);
}

/** b broadcast against the shape of a (Theano's `second`): the gradient machinery's broadcast. */
export function second(a: TensorLike, b: TensorLike): Variable {
  const [va] = asVariables([a]);
  return new Elemwise('second').apply(va, asVariable(b, va.dtype));
}
