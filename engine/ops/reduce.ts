// Reductions over any set of axes, with or without keepdims: sum, mean, prod, max, min, argmax,
// logsumexp (stable), var (population variance, NumPy's default ddof=0).
import { isFloat, type DType } from '../core/dtype.ts';
import type { GradKit } from '../core/gradKit.ts';
import { Op, type Apply, type GradEntry, type NativeKernel, type Variable } from '../core/graph.ts';
import { NDArray, contiguousStrides, type Shape } from '../core/ndarray.ts';
import { TensorType, type Dim } from '../core/type.ts';
import { asVariable, constant, type TensorLike } from '../tensor.ts';
import { checkedAxis, dimshuffle, type ShuffleEntry } from './dimshuffle.ts';
import { buildError, describe } from './opError.ts';

export type ReduceKind = 'sum' | 'mean' | 'prod' | 'max' | 'min' | 'argmax' | 'logsumexp' | 'var';
const reduceKinds: readonly ReduceKind[] = [
  'sum',
  'mean',
  'prod',
  'max',
  'min',
  'argmax',
  'logsumexp',
  'var',
];

function outDtype(kind: ReduceKind, x: DType): DType {
  if (kind === 'argmax') return 'int32';
  if (kind === 'max' || kind === 'min') return x;
  if (kind === 'sum' || kind === 'prod') return x === 'bool' ? 'int32' : x;
  return isFloat(x) ? x : 'float32';
}

/** For each input axis: its stride in the (keepdims) output, and in the reduced sub-block. */
function layout(
  shape: Shape,
  axes: readonly number[],
): { outShape: number[]; outStrides: number[]; redStrides: number[] } {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outC = contiguousStrides(outShape);
  const redShape = shape.map((d, i) => (axes.includes(i) ? d : 1));
  const redC = contiguousStrides(redShape);
  return {
    outShape,
    outStrides: shape.map((_, i) => (axes.includes(i) ? 0 : outC[i])),
    redStrides: shape.map((_, i) => (axes.includes(i) ? redC[i] : 0)),
  };
}

/** Calls visit(value, outIndex, reducedIndex) for every element of x (any strides). */
function scan(
  x: NDArray,
  axes: readonly number[],
  visit: (v: number, out: number, red: number) => void,
): number[] {
  const { outShape, outStrides, redStrides } = layout(x.shape, axes);
  const nd = x.ndim;
  const counter = new Array<number>(nd).fill(0);
  let out = 0;
  let red = 0;
  x.forEachIndex((at) => {
    visit(x.data[at], out, red);
    for (let d = nd - 1; d >= 0; d--) {
      counter[d]++;
      out += outStrides[d];
      red += redStrides[d];
      if (counter[d] < x.shape[d]) break;
      out -= outStrides[d] * x.shape[d];
      red -= redStrides[d] * x.shape[d];
      counter[d] = 0;
    }
  });
  return outShape;
}

export class Reduce extends Op {
  constructor(op: ReduceKind, axes: readonly number[], keepdims: boolean) {
    super({ op, axes: [...axes].sort((a, b) => a - b), keepdims });
    if (!reduceKinds.includes(op)) {
      throw buildError('Reduce', `unknown reduction '${String(op)}' (known: ${reduceKinds.join(', ')})`);
    }
  }

  get kind(): ReduceKind {
    return this.props.op as ReduceKind;
  }

  get axes(): readonly number[] {
    return this.props.axes as number[];
  }

  get keepdims(): boolean {
    return this.props.keepdims as boolean;
  }

  override get name(): string {
    return 'Reduce';
  }

  override toString(): string {
    return `Reduce{${this.kind}, axes=[${this.axes.join(',')}]${this.keepdims ? ', keepdims' : ''}}`;
  }

  private resultShape<D extends Dim>(shape: readonly D[]): D[] {
    return this.keepdims
      ? shape.map((d, i) => (this.axes.includes(i) ? (1 as D) : d))
      : shape.filter((_, i) => !this.axes.includes(i));
  }

  makeNode(x: Variable): Apply {
    const bad = this.axes.find((a) => a >= x.ndim);
    if (bad !== undefined) throw buildError(this, `axis ${bad} is out of range for ${describe(x)}`);
    if (this.kind === 'argmax' && x.dtype === 'bool') {
      throw buildError(this, `argmax of a bool tensor ${describe(x)}: cast it to int32 first`);
    }
    return this.node([x], [new TensorType(outDtype(this.kind, x.dtype), this.resultShape(x.staticShape))]);
  }

  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    const count = this.axes.reduce((p, a) => p * x.shape[a], 1);
    const n = x.shape.reduce((p, d, i) => (this.axes.includes(i) ? p : p * d), 1);
    const acc = new Float64Array(n);
    const kind = this.kind;
    let outShape: number[];
    if (kind === 'sum' || kind === 'mean') {
      outShape = scan(x, this.axes, (v, o) => (acc[o] += v));
      if (kind === 'mean') for (let i = 0; i < n; i++) acc[i] /= count;
    } else if (kind === 'prod') {
      acc.fill(1);
      outShape = scan(x, this.axes, (v, o) => (acc[o] *= v));
    } else if (kind === 'max' || kind === 'min') {
      const sign = kind === 'max' ? 1 : -1;
      acc.fill(-Infinity);
      // NaN propagates, as in NumPy: once acc is NaN no comparison replaces it.
      outShape = scan(x, this.axes, (v, o) => {
        if (sign * v > acc[o] || Number.isNaN(v)) acc[o] = sign * v;
      });
      if (sign < 0) for (let i = 0; i < n; i++) acc[i] = -acc[i];
    } else if (kind === 'argmax') {
      const best = new Float64Array(n).fill(-Infinity);
      const seen = new Uint8Array(n);
      outShape = scan(x, this.axes, (v, o, r) => {
        if (!seen[o] || v > best[o]) [best[o], acc[o], seen[o]] = [v, r, 1];
      });
    } else if (kind === 'logsumexp') {
      const max = new Float64Array(n).fill(-Infinity);
      scan(x, this.axes, (v, o) => (max[o] = Math.max(max[o], v)));
      outShape = scan(
        x,
        this.axes,
        (v, o) => (acc[o] += Math.exp(v - (Number.isFinite(max[o]) ? max[o] : 0))),
      );
      for (let i = 0; i < n; i++) acc[i] = Math.log(acc[i]) + (Number.isFinite(max[i]) ? max[i] : 0);
    } else {
      const mean = new Float64Array(n);
      scan(x, this.axes, (v, o) => (mean[o] += v / count));
      outShape = scan(x, this.axes, (v, o) => (acc[o] += (v - mean[o]) ** 2));
      for (let i = 0; i < n; i++) acc[i] /= count;
    }
    const out = NDArray.from(acc, outShape, node.outputs[0].dtype);
    return [this.keepdims ? out : out.reshape(this.resultShape(x.shape))];
  }

  override inferShape(_node: Apply, [x]: readonly Shape[]): Shape[] {
    return [this.resultShape(x)];
  }

  override grad(node: Apply, [gz]: readonly (Variable | null)[], kit: GradKit<Variable>): GradEntry[] {
    const { cast, div, eq, exp, maximum, mul, second, sub } = kit;
    const x = node.inputs[0];
    const z = node.outputs[0];
    if (!gz || !isFloat(x.dtype) || this.kind === 'argmax') return [null];
    // Put the reduced axes back as size 1 so gz and z broadcast against x.
    const keep = (v: Variable): Variable => (this.keepdims ? v : restoreAxes(v, this.axes, x.ndim));
    const g = keep(gz);
    const zk = keep(z);
    switch (this.kind) {
      case 'sum':
        return [second(x, g)];
      case 'mean':
        return [second(x, div(g, reducedCount(x, this.axes, kit)))];
      case 'prod':
        // d prod / d x_i = prod / x_i: exact away from zeros (a zero entry gives NaN, as in Theano's default).
        return [mul(g, div(zk, x))];
      case 'max':
      case 'min': {
        // The k elements equal to the extreme share the gradient evenly, g / k each (PyTorch's
        // amax/amin), so what reaches a source repeated among them sums to g: d/dx of
        // max(stack([x, x, x]), 0) is 1, not 3. A NaN extreme equals no element (k = 0) and
        // sends no gradient; dividing by max(k, 1) keeps 0/0 out of it.
        const tied = cast(eq(x, zk), x.dtype);
        const k = reduce('sum', tied, this.axes, true);
        return [mul(div(g, maximum(k, 1)), tied)];
      }
      case 'logsumexp':
        return [mul(g, exp(sub(x, zk)))];
      case 'var': {
        const centered = sub(x, reduce('mean', x, this.axes, true));
        return [mul(g, div(mul(centered, 2), reducedCount(x, this.axes, kit)))];
      }
    }
  }

  override native(): NativeKernel {
    return { kernel: 'reduce', attrs: { op: this.kind, axes: [...this.axes] } };
  }
}

/** Insert size-1 axes at the (sorted) reduced positions of an ndim-d original. */
function restoreAxes(v: Variable, axes: readonly number[], ndim: number): Variable {
  let next = 0;
  const order = [...Array(ndim).keys()].map((i): ShuffleEntry => (axes.includes(i) ? 'x' : next++));
  return dimshuffle(v, ...order);
}

/** How many elements each output of a reduction over `axes` combines: static when known. */
function reducedCount(
  x: Variable,
  axes: readonly number[],
  { cast, shapeOf, take }: GradKit<Variable>,
): Variable {
  const dims = axes.map((a) => x.staticShape[a]);
  if (dims.every((d): d is number => d !== null)) {
    return constant(
      dims.reduce((p, d) => p * d, 1),
      x.dtype,
    );
  }
  return cast(reduce('prod', take(shapeOf(x), [...axes], 0), null), x.dtype);
}

export type Axes = number | readonly number[] | null | undefined;

export function reduce(kind: ReduceKind, x: TensorLike, axis?: Axes, keepdims = false): Variable {
  const v = asVariable(x);
  const axes =
    axis === null || axis === undefined
      ? [...Array(v.ndim).keys()]
      : (typeof axis === 'number' ? [axis] : axis).map((a) => checkedAxis(kind, a, v.ndim, v));
  if (new Set(axes).size !== axes.length) throw buildError(kind, `repeated axis in [${axes.join(', ')}]`);
  return new Reduce(kind, axes, keepdims).apply(v);
}

type ReduceFn = (x: TensorLike, axis?: Axes, keepdims?: boolean) => Variable;
const reducer =
  (kind: ReduceKind): ReduceFn =>
  (x, axis, keepdims = false) =>
    reduce(kind, x, axis, keepdims);

export const sum = reducer('sum');
export const mean = reducer('mean');
export const prod = reducer('prod');
export const max = reducer('max');
export const min = reducer('min');
export const argmax = reducer('argmax');
export const logsumexp = reducer('logsumexp');
export const variance = reducer('var');
