// GradKit: the graph builders a gradient may call, handed to `Op.grad` as its third argument by
// the differentiation driver (grad/grad.ts passes grad/builders.ts, which are the functions the
// user calls: T.add, T.sum, T.zerosLike…).
//
// Why they are handed in rather than imported: an op's gradient is built from other ops (the
// gradient of Elemwise from where/mul and sumToShape, of Reduce from Elemwise and Take, of
// SumToShape from Elemwise), and the builders of those ops import their op classes. Imported
// by the op files, they closed rings (elemwise → elemwiseGrad → math → elemwise, and six more
// files around reduce, sumToShape, shapeOps and take) in which module load order decided whether
// a class was defined yet. Passed as a value at differentiation time, they cost no import: an op
// file imports only engine/core, tensor.ts and lower op families, and the builders sit above
// every op class.
//
// Generic in the variable type so that this file imports nothing from the graph: core/graph.ts
// names it as GradKit<Variable> in Op.grad's signature. An operand is a variable or a JS number
// (a weak scalar that takes the other operand's dtype, as in T.mul(x, 2)).
import type { DType } from './dtype.ts';

export interface GradKit<V> {
  // Elementwise arithmetic (ops/math.ts).
  add(x: V | number, y: V | number): V;
  sub(x: V | number, y: V | number): V;
  mul(x: V | number, y: V | number): V;
  div(x: V | number, y: V | number): V;
  pow(x: V | number, y: V | number): V;
  maximum(x: V | number, y: V | number): V;
  neg(x: V): V;
  sqr(x: V): V;
  exp(x: V): V;
  log(x: V): V;
  sigmoid(x: V): V;
  sign(x: V): V;
  // Comparisons and logic: bool results, for masks (ops/math.ts).
  lt(x: V | number, y: V | number): V;
  le(x: V | number, y: V | number): V;
  gt(x: V | number, y: V | number): V;
  ge(x: V | number, y: V | number): V;
  eq(x: V | number, y: V | number): V;
  and(x: V, y: V): V;
  where(cond: V, a: V | number, b: V | number): V;
  cast(x: V, dtype: DType): V;
  /** `value` broadcast against the shape of `model` (Theano's second). */
  second(model: V, value: V | number): V;
  // Shapes (ops/shapeOps.ts, ops/sumToShape.ts).
  zerosLike(x: V): V;
  onesLike(x: V): V;
  /** shape(x) as an int32 vector. */
  shapeOf(x: V): V;
  /** g summed over the axes along which x was broadcast to g's shape, in x's dtype. */
  sumToShape(g: V, x: V): V;
  // Reductions and indexing (ops/reduce.ts, ops/take.ts).
  sum(x: V, axis?: number | readonly number[] | null, keepdims?: boolean): V;
  take(x: V, indices: readonly number[], axis?: number): V;
  // Neural-network ops (ops/nnet.ts).
  softmax(x: V, axis?: number): V;
}
