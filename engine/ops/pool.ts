// 2-d max and average pooling over NCHW images, as PyTorch's max_pool2d / avg_pool2d: kernel,
// stride (default: the kernel), zero padding (max pooling pads with −∞, so padding never wins),
// ceil mode (PyTorch's rule: a last window must start inside the input or its left padding), and
// for averages whether padded positions count in the divisor (countIncludePad, PyTorch's
// default true).
//
// Gradients where values tie. The engine's rule (engine/README.md) is PyTorch's amax: a max
// that k elements of a window reach sends g/k to each of them. PyTorch's max_pool2d instead
// sends all of g to one of them (the first it found). We keep the engine's rule, so a pooled
// max and T.max over the same window have the same gradient on every backend; without ties
// (real data: almost surely) the two agree exactly. A NaN maximum equals no element and sends
// no gradient. test/unit/engine/ops/pool.test.ts checks both: PyTorch's max_pool2d on tie-free
// inputs, and amax over unfolded windows (float64) where windows tie.
//
// Ops, closed under differentiation: Pool2d (max or avg); MaxPool2dGrad (x, y, dy) → dx and its
// adjoint MaxPool2dGradGrad (x, y, g) → dy-shaped, both linear in their last input with the
// tie mask held fixed (its derivative is zero almost everywhere); AvgPool2dGrad (dy, like) →
// dx, whose adjoint is average pooling itself. Native kernel: pool2d (native/kernels/pool.c,
// native/cuda/pool.cu), one element function per mode shared by both (native/kernels/pool_element.h).
import { isFloat } from '../core/dtype.ts';
import { Op, type Apply, type GradEntry, type NativeKernel, type Variable } from '../core/graph.ts';
import { formatShape, NDArray, type Shape } from '../core/ndarray.ts';
import { TensorType, type Dim } from '../core/type.ts';
import { asVariable, type TensorLike } from '../tensor.ts';
import type { Pair } from './conv.ts';
import { buildError, describe, runError } from './opError.ts';

export type PoolMode = 'max' | 'avg';

export interface Pool2dParams {
  readonly mode: PoolMode;
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceilMode: boolean;
  /** Average pooling only: padded positions count in the divisor (PyTorch's default). */
  readonly countIncludePad: boolean;
}

export interface Pool2dOptions {
  /** Default: the kernel size (non-overlapping windows). */
  stride?: number | Pair;
  padding?: number | Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

function pair(where: string, name: string, v: number | Pair, min: number): Pair {
  const p: Pair = typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < min)) {
    throw buildError(
      where,
      `${name} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(v)}`,
    );
  }
  return [p[0], p[1]];
}

export function pool2dParams(
  where: string,
  mode: PoolMode,
  kernel: number | Pair,
  options: Pool2dOptions = {},
): Pool2dParams {
  const k = pair(where, 'kernel', kernel, 1);
  const padding = pair(where, 'padding', options.padding ?? 0, 0);
  if (padding.some((p, a) => p > k[a] / 2)) {
    // PyTorch's rule too: a window of only padding would have no element to pool.
    throw buildError(where, `padding ${padding.join('×')} must be at most half the kernel ${k.join('×')}`);
  }
  return {
    mode,
    kernel: k,
    stride: pair(where, 'stride', options.stride ?? k, 1),
    padding,
    ceilMode: options.ceilMode ?? false,
    countIncludePad: options.countIncludePad ?? true,
  };
}

/** Output size along one axis (PyTorch's pooling_output_shape). */
export function poolOutputSize(
  input: number,
  kernel: number,
  stride: number,
  pad: number,
  ceil: boolean,
): number {
  let out = Math.floor((input + 2 * pad - kernel + (ceil ? stride - 1 : 0)) / stride) + 1;
  if (ceil && (out - 1) * stride >= input + pad) out--;
  return out;
}

interface Geometry {
  /** N·C: pooling treats every (image, channel) plane alike. */
  planes: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
}

/** A window along one axis: [start, end) inside the input, and its size counting padding. */
interface Span {
  start: number;
  end: number;
  padded: number;
}

abstract class PoolOp extends Op {
  constructor(params: Pool2dParams) {
    super({
      mode: params.mode,
      kernel: [...params.kernel],
      stride: [...params.stride],
      padding: [...params.padding],
      ceilMode: params.ceilMode,
      countIncludePad: params.countIncludePad,
    });
  }

  get params(): Pool2dParams {
    return this.props as unknown as Pool2dParams;
  }

  protected kernelAttrs(mode: string): NativeKernel['attrs'] {
    const { kernel, stride, padding, ceilMode, countIncludePad } = this.params;
    return {
      mode,
      kernel: [...kernel],
      stride: [...stride],
      padding: [...padding],
      ceilMode,
      countIncludePad,
    };
  }

  protected check(name: string, v: Variable): void {
    if (v.ndim !== 4 || !isFloat(v.dtype)) {
      throw buildError(this, `${name} must be a 4-d float tensor [N, C, H, W], got ${describe(v)}`);
    }
  }

  protected outDims(h: Dim, w: Dim): [Dim, Dim] {
    const { kernel, stride, padding, ceilMode } = this.params;
    const size = (i: Dim, a: 0 | 1): Dim =>
      i === null ? null : poolOutputSize(i, kernel[a], stride[a], padding[a], ceilMode);
    return [size(h, 0), size(w, 1)];
  }

  protected geometry(xs: Shape, fail: (m: string) => Error): Geometry {
    if (xs.length !== 4) throw fail(`expects a 4-d input [N, C, H, W], got ${formatShape(xs)}`);
    const [oh, ow] = this.outDims(xs[2], xs[3]) as [number, number];
    if (oh < 1 || ow < 1) {
      throw fail(`a ${this.params.kernel.join('×')} window does not fit the input ${formatShape(xs)}`);
    }
    return { planes: xs[0] * xs[1], h: xs[2], w: xs[3], oh, ow };
  }

  protected span(out: number, axis: 0 | 1, size: number): Span {
    const { kernel, stride, padding } = this.params;
    const start = out * stride[axis] - padding[axis];
    const paddedEnd = Math.min(start + kernel[axis], size + padding[axis]);
    return {
      start: Math.max(start, 0),
      end: Math.min(start + kernel[axis], size),
      padded: paddedEnd - start,
    };
  }

  /** Calls f(plane offset, output index, elements of the window (input indices), divisor). */
  protected eachWindow(g: Geometry, f: (yi: number, window: number[], divisor: number) => void): void {
    const { countIncludePad } = this.params;
    for (let p = 0; p < g.planes; p++)
      for (let i = 0; i < g.oh; i++) {
        const hs = this.span(i, 0, g.h);
        for (let j = 0; j < g.ow; j++) {
          const ws = this.span(j, 1, g.w);
          const window: number[] = [];
          for (let a = hs.start; a < hs.end; a++)
            for (let b = ws.start; b < ws.end; b++) window.push((p * g.h + a) * g.w + b);
          const divisor = countIncludePad ? hs.padded * ws.padded : window.length;
          f((p * g.oh + i) * g.ow + j, window, divisor);
        }
      }
  }

  /** For max pooling: the window's elements equal to its maximum y (the tie set; none for NaN). */
  protected static ties(x: ArrayLike<number>, window: number[], y: number): number[] {
    return window.filter((k) => x[k] === y);
  }
}

/** Max or average pooling: x [N, C, H, W] → [N, C, OH, OW]. */
export class Pool2d extends PoolOp {
  override get name(): string {
    return this.params.mode === 'max' ? 'MaxPool2d' : 'AvgPool2d';
  }

  makeNode(x: Variable): Apply {
    this.check('x', x);
    const [oh, ow] = this.outDims(x.staticShape[2], x.staticShape[3]);
    if ((oh !== null && oh < 1) || (ow !== null && ow < 1)) {
      throw buildError(this, `a ${this.params.kernel.join('×')} window does not fit ${describe(x)}`);
    }
    return this.node([x], [new TensorType(x.dtype, [x.staticShape[0], x.staticShape[1], oh, ow])]);
  }

  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    const g = this.geometry(x.shape, (m) => runError(node, m));
    const xd = x.contiguous().data;
    const y = new Float64Array(g.planes * g.oh * g.ow);
    const max = this.params.mode === 'max';
    this.eachWindow(g, (yi, window, divisor) => {
      if (max) {
        let m = -Infinity;
        for (const k of window) if (xd[k] > m || Number.isNaN(xd[k])) m = Number.isNaN(m) ? m : xd[k];
        y[yi] = m;
      } else {
        let s = 0;
        for (const k of window) s += xd[k];
        y[yi] = s / divisor;
      }
    });
    return [NDArray.from(y, [x.shape[0], x.shape[1], g.oh, g.ow], node.outputs[0].dtype)];
  }

  override inferShape(node: Apply, [xs]: readonly Shape[]): Shape[] {
    const g = this.geometry(xs, (m) => runError(node, m));
    return [[xs[0], xs[1], g.oh, g.ow]];
  }

  override grad(node: Apply, [gy]: readonly (Variable | null)[]): GradEntry[] {
    if (!gy) return [null];
    const [x] = node.inputs;
    if (this.params.mode === 'max') return [new MaxPool2dGrad(this.params).apply(x, node.outputs[0], gy)];
    return [new AvgPool2dGrad(this.params).apply(gy, x)];
  }

  override native(): NativeKernel {
    return { kernel: 'pool2d', attrs: this.kernelAttrs(this.params.mode) };
  }
}

/** What MaxPool2dGrad and its adjoint share: inputs (x, y, v) of one dtype. */
abstract class MaxPoolLinear extends PoolOp {
  protected checkInputs(x: Variable, y: Variable, v: Variable): void {
    for (const [name, u] of [
      ['x', x],
      ['y', y],
      ['v', v],
    ] as const) {
      this.check(name, u);
      if (u.dtype !== x.dtype)
        throw buildError(this, `${name} ${describe(u)} must have x's dtype ${x.dtype}`);
    }
  }

  /** y and `v` must have the shapes the op expects (the pooled shape, or x's for `v` when vLikeX). */
  protected checkShapes(node: Apply, g: Geometry, x: Shape, y: Shape, v: Shape, vLikeX: boolean): void {
    const pooled = [x[0], x[1], g.oh, g.ow];
    const same = (s: Shape, want: Shape): boolean =>
      s.length === want.length && s.every((d, i) => d === want[i]);
    if (!same(y, pooled) || !same(v, vLikeX ? x : pooled)) {
      throw runError(
        node,
        `y ${formatShape(y)} must have the pooled shape ${formatShape(pooled)} and the gradient ${formatShape(v)} ` +
          `the shape ${formatShape(vLikeX ? x : pooled)}`,
      );
    }
  }
}

/** dx of max pooling: each window's dy split evenly among the elements that reach its max y. */
export class MaxPool2dGrad extends MaxPoolLinear {
  makeNode(x: Variable, y: Variable, gy: Variable): Apply {
    this.checkInputs(x, y, gy);
    return this.node([x, y, gy], [new TensorType(x.dtype, x.staticShape)]);
  }

  perform([x, y, gy]: readonly NDArray[], node: Apply): NDArray[] {
    const g = this.geometry(x.shape, (m) => runError(node, m));
    this.checkShapes(node, g, x.shape, y.shape, gy.shape, false);
    const [xd, yd, gd] = [x.contiguous().data, y.contiguous().data, gy.contiguous().data];
    const dx = new Float64Array(xd.length);
    this.eachWindow(g, (yi, window) => {
      const ties = PoolOp.ties(xd, window, yd[yi]);
      for (const k of ties) dx[k] += gd[yi] / ties.length;
    });
    return [NDArray.from(dx, x.shape, node.outputs[0].dtype)];
  }

  override inferShape(_node: Apply, [xs]: readonly Shape[]): Shape[] {
    return [xs];
  }

  override grad(node: Apply, [g]: readonly (Variable | null)[]): GradEntry[] {
    const [x, y] = node.inputs;
    return [null, null, g ? new MaxPool2dGradGrad(this.params).apply(x, y, g) : null];
  }

  override native(): NativeKernel {
    return { kernel: 'pool2d', attrs: this.kernelAttrs('max_grad') };
  }
}

/** The adjoint of MaxPool2dGrad: per window, the mean of g over the elements that reach its max. */
export class MaxPool2dGradGrad extends MaxPoolLinear {
  makeNode(x: Variable, y: Variable, g: Variable): Apply {
    this.checkInputs(x, y, g);
    return this.node([x, y, g], [new TensorType(x.dtype, y.staticShape)]);
  }

  perform([x, y, gx]: readonly NDArray[], node: Apply): NDArray[] {
    const g = this.geometry(x.shape, (m) => runError(node, m));
    this.checkShapes(node, g, x.shape, y.shape, gx.shape, true);
    const [xd, yd, gd] = [x.contiguous().data, y.contiguous().data, gx.contiguous().data];
    const out = new Float64Array(yd.length);
    this.eachWindow(g, (yi, window) => {
      const ties = PoolOp.ties(xd, window, yd[yi]);
      for (const k of ties) out[yi] += gd[k] / ties.length;
    });
    return [NDArray.from(out, y.shape, node.outputs[0].dtype)];
  }

  override inferShape(_node: Apply, shapes: readonly Shape[]): Shape[] {
    return [shapes[1]];
  }

  override grad(node: Apply, [g]: readonly (Variable | null)[]): GradEntry[] {
    const [x, y] = node.inputs;
    return [null, null, g ? new MaxPool2dGrad(this.params).apply(x, y, g) : null];
  }

  override native(): NativeKernel {
    return { kernel: 'pool2d', attrs: this.kernelAttrs('max_gradgrad') };
  }
}

/** dx of average pooling: each window's dy / divisor added to every element of it. */
export class AvgPool2dGrad extends PoolOp {
  makeNode(gy: Variable, like: Variable): Apply {
    this.check('dy', gy);
    this.check('like', like);
    if (gy.dtype !== like.dtype)
      throw buildError(this, `dy ${describe(gy)} must have x's dtype ${like.dtype}`);
    return this.node([gy, like], [new TensorType(like.dtype, like.staticShape)]);
  }

  perform([gy, like]: readonly NDArray[], node: Apply): NDArray[] {
    const g = this.geometry(like.shape, (m) => runError(node, m));
    const want = [like.shape[0], like.shape[1], g.oh, g.ow];
    if (gy.shape.length !== 4 || gy.shape.some((d, i) => d !== want[i])) {
      throw runError(
        node,
        `dy ${formatShape(gy.shape)} does not match the pooled shape ${formatShape(want)}`,
      );
    }
    const gd = gy.contiguous().data;
    const dx = new Float64Array(g.planes * g.h * g.w);
    this.eachWindow(g, (yi, window, divisor) => {
      for (const k of window) dx[k] += gd[yi] / divisor;
    });
    return [NDArray.from(dx, like.shape, node.outputs[0].dtype)];
  }

  override inferShape(_node: Apply, shapes: readonly Shape[]): Shape[] {
    return [shapes[1]];
  }

  override grad(node: Apply, [g]: readonly (Variable | null)[]): GradEntry[] {
    return [g ? new Pool2d(this.params).apply(g) : null, null];
  }

  override native(): NativeKernel {
    return { kernel: 'pool2d', attrs: this.kernelAttrs('avg_grad') };
  }
}

/** PyTorch's F.max_pool2d(x, kernel, stride, padding, ceil_mode=…), with the tie rule above. */
export function maxPool2d(x: TensorLike, kernel: number | Pair, options: Pool2dOptions = {}): Variable {
  return new Pool2d(pool2dParams('maxPool2d', 'max', kernel, options)).apply(asVariable(x));
}

/** PyTorch's F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad). */
export function avgPool2d(x: TensorLike, kernel: number | Pair, options: Pool2dOptions = {}): Variable {
  return new Pool2d(pool2dParams('avgPool2d', 'avg', kernel, options)).apply(asVariable(x));
}
