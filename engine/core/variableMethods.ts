// Fluent methods on symbolic variables, NumPy/Theano style: x.mul(2).add(b).sum(1), W.T,
// x.dot(W), x.slice('1:3', 0). Installed on Variable.prototype when this module is imported
// (engine/index.ts does), declared through module augmentation so TypeScript knows them.
import type { DType } from './dtype.ts';
import { Variable } from './graph.ts';
import type { TensorLike } from '../tensor.ts';
import { dimshuffle, expandDims, squeeze, transpose, type ShuffleEntry } from '../ops/dimshuffle.ts';
import { dot } from '../ops/linalg.ts';
import * as M from '../ops/math.ts';
import * as R from '../ops/reduce.ts';
import { flatten, reshape } from '../ops/reshape.ts';
import { subtensor, type SliceSpec } from '../ops/subtensor.ts';
import { take } from '../ops/take.ts';

type Axes = R.Axes;

declare module './graph.ts' {
  interface Variable {
    add(y: TensorLike): Variable;
    sub(y: TensorLike): Variable;
    mul(y: TensorLike): Variable;
    div(y: TensorLike): Variable;
    pow(y: TensorLike): Variable;
    maximum(y: TensorLike): Variable;
    minimum(y: TensorLike): Variable;
    lt(y: TensorLike): Variable;
    le(y: TensorLike): Variable;
    gt(y: TensorLike): Variable;
    ge(y: TensorLike): Variable;
    eq(y: TensorLike): Variable;
    ne(y: TensorLike): Variable;
    neg(): Variable;
    sqr(): Variable;
    sqrt(): Variable;
    rsqrt(): Variable;
    exp(): Variable;
    log(): Variable;
    log1p(): Variable;
    expm1(): Variable;
    abs(): Variable;
    sign(): Variable;
    tanh(): Variable;
    sigmoid(): Variable;
    softplus(): Variable;
    relu(): Variable;
    clip(lo: TensorLike, hi: TensorLike): Variable;
    astype(dtype: DType): Variable;
    sum(axis?: Axes, keepdims?: boolean): Variable;
    mean(axis?: Axes, keepdims?: boolean): Variable;
    prod(axis?: Axes, keepdims?: boolean): Variable;
    max(axis?: Axes, keepdims?: boolean): Variable;
    min(axis?: Axes, keepdims?: boolean): Variable;
    argmax(axis?: Axes, keepdims?: boolean): Variable;
    logsumexp(axis?: Axes, keepdims?: boolean): Variable;
    var(axis?: Axes, keepdims?: boolean): Variable;
    reshape(shape: readonly number[]): Variable;
    flatten(ndim?: number): Variable;
    dimshuffle(...order: ShuffleEntry[]): Variable;
    transpose(axes?: readonly number[]): Variable;
    /** The transpose (axes reversed). */
    readonly T: Variable;
    expandDims(axis: number): Variable;
    squeeze(axis?: number | readonly number[]): Variable;
    dot(y: TensorLike): Variable;
    /** Basic slicing, one spec per leading axis: x.slice('1:3', 0), x.slice(null, '::-1'). */
    slice(...specs: SliceSpec[]): Variable;
    /** Integer-array indexing along an axis (numpy.take). */
    take(indices: TensorLike | readonly number[], axis?: number): Variable;
  }
}

type Method = (this: Variable, ...args: never[]) => Variable;

const binary = (f: (x: Variable, y: TensorLike) => Variable): Method =>
  function (this: Variable, y: TensorLike) {
    return f(this, y);
  } as Method;
const unary = (f: (x: Variable) => Variable): Method =>
  function (this: Variable) {
    return f(this);
  };
const reduction = (f: (x: Variable, axis?: Axes, keepdims?: boolean) => Variable): Method =>
  function (this: Variable, axis?: Axes, keepdims?: boolean) {
    return f(this, axis, keepdims);
  } as Method;

const methods: Record<string, Method> = {
  add: binary(M.add),
  sub: binary(M.sub),
  mul: binary(M.mul),
  div: binary(M.div),
  pow: binary(M.pow),
  maximum: binary(M.maximum),
  minimum: binary(M.minimum),
  lt: binary(M.lt),
  le: binary(M.le),
  gt: binary(M.gt),
  ge: binary(M.ge),
  eq: binary(M.eq),
  ne: binary(M.ne),
  dot: binary(dot),
  neg: unary(M.neg),
  sqr: unary(M.sqr),
  sqrt: unary(M.sqrt),
  rsqrt: unary(M.rsqrt),
  exp: unary(M.exp),
  log: unary(M.log),
  log1p: unary(M.log1p),
  expm1: unary(M.expm1),
  abs: unary(M.abs),
  sign: unary(M.sign),
  tanh: unary(M.tanh),
  sigmoid: unary(M.sigmoid),
  softplus: unary(M.softplus),
  relu: unary(M.relu),
  sum: reduction(R.sum),
  mean: reduction(R.mean),
  prod: reduction(R.prod),
  max: reduction(R.max),
  min: reduction(R.min),
  argmax: reduction(R.argmax),
  logsumexp: reduction(R.logsumexp),
  var: reduction(R.variance),
  clip: function (this: Variable, lo: TensorLike, hi: TensorLike) {
    return M.clip(this, lo, hi);
  } as Method,
  astype: function (this: Variable, dtype: DType) {
    return M.cast(this, dtype);
  } as Method,
  reshape: function (this: Variable, shape: readonly number[]) {
    return reshape(this, shape);
  } as Method,
  flatten: function (this: Variable, ndim?: number) {
    return flatten(this, ndim);
  } as Method,
  dimshuffle: function (this: Variable, ...order: ShuffleEntry[]) {
    return dimshuffle(this, ...order);
  } as Method,
  transpose: function (this: Variable, axes?: readonly number[]) {
    return transpose(this, axes);
  } as Method,
  expandDims: function (this: Variable, axis: number) {
    return expandDims(this, axis);
  } as Method,
  squeeze: function (this: Variable, axis?: number | readonly number[]) {
    return squeeze(this, axis);
  } as Method,
  slice: function (this: Variable, ...specs: SliceSpec[]) {
    return subtensor(this, ...specs);
  } as Method,
  take: function (this: Variable, indices: TensorLike | readonly number[], axis?: number) {
    return take(this, indices, axis);
  } as Method,
};

for (const [name, method] of Object.entries(methods)) {
  Object.defineProperty(Variable.prototype, name, { value: method, writable: true, configurable: true });
}
Object.defineProperty(Variable.prototype, 'T', {
  get(this: Variable) {
    return transpose(this);
  },
  configurable: true,
});
