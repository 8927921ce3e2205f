// 2-d convolution in PyTorch's (and ONNX's, cuDNN's) sense: a cross-correlation over NCHW
// images with OIHW weights, with stride, zero padding, dilation and groups:
//   y[n, o, i, j] = Σ_{c, a, b} x[n, g·Cg + c, i·sh − ph + a·dh, j·sw − pw + b·dw] · w[o, c, a, b]
// where g = ⌊o / Og⌋ is o's group, Cg = C / groups and Og = O / groups. Theano's conv2d (and the
// mathematical convolution) flips the kernel instead; engine/io/layouts.ts converts.
//
// Three ops, closed under differentiation (so second-order meta-gradients through a conv net
// work): Conv2d, and its two adjoints Conv2dGradInput (dx from dy and w: the transposed
// convolution) and Conv2dGradWeight (dw from x and dy). Each gradient is the other two:
//   ⟨g, GI(dy, w)⟩ = ⟨conv(g, w), dy⟩  and  ⟨g, GW(x, dy)⟩ = ⟨conv(x, g), dy⟩.
// The adjoints take the tensor whose shape they produce as a last input (it is only read for
// its shape: with a stride the output size does not determine the input size).
//
// Native kernels: conv2d, conv2d_grad_input, conv2d_grad_weight (native/kernels/conv.c: im2col
// per image + the engine's GEMM; native/cuda/conv.cu on the GPU).
import { isFloat } from '../core/dtype.ts';
import { Op, type Apply, type GradEntry, type NativeKernel, type Variable } from '../core/graph.ts';
import { formatShape, NDArray, type Shape } from '../core/ndarray.ts';
import { TensorType, type Dim } from '../core/type.ts';
import { asVariable, type TensorLike } from '../tensor.ts';
import { buildError, describe, runError } from './opError.ts';

export type Pair = readonly [number, number];

export interface Conv2dParams {
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly groups: number;
}

export interface Conv2dOptions {
  stride?: number | Pair;
  padding?: number | Pair;
  dilation?: number | Pair;
  groups?: number;
}

function pair(
  where: string,
  name: string,
  v: number | Pair | undefined,
  fallback: number,
  min: number,
): Pair {
  const p: Pair = v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < min)) {
    throw buildError(
      where,
      `${name} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(v)}`,
    );
  }
  return [p[0], p[1]];
}

/** Options with defaults filled in and checked (stride 1, padding 0, dilation 1, groups 1). */
export function conv2dParams(where: string, options: Conv2dOptions = {}): Conv2dParams {
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) {
    throw buildError(where, `groups must be a positive integer, got ${String(options.groups)}`);
  }
  return {
    stride: pair(where, 'stride', options.stride, 1, 1),
    padding: pair(where, 'padding', options.padding, 0, 0),
    dilation: pair(where, 'dilation', options.dilation, 1, 1),
    groups,
  };
}

/** Output size along one axis (PyTorch's formula); ≤ 0 means the kernel does not fit. */
export function convOutputSize(
  input: number,
  kernel: number,
  stride: number,
  pad: number,
  dil: number,
): number {
  return Math.floor((input + 2 * pad - dil * (kernel - 1) - 1) / stride) + 1;
}

/** Everything a loop over one convolution needs, from the shapes of x and w. */
interface Geometry {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  cg: number;
  og: number;
}

/** Shared by the three ops: props, printing, shape checks and the reference loops. */
abstract class ConvOp extends Op {
  constructor(params: Conv2dParams) {
    super({
      stride: [...params.stride],
      padding: [...params.padding],
      dilation: [...params.dilation],
      groups: params.groups,
    });
  }

  get params(): Conv2dParams {
    return this.props as unknown as Conv2dParams;
  }

  /** The native kernel's attrs (native/PROGRAM.md, conv2d). */
  protected kernelAttrs(): NativeKernel['attrs'] {
    const { stride, padding, dilation, groups } = this.params;
    return { stride: [...stride], padding: [...padding], dilation: [...dilation], groups };
  }

  /** Checks x [N, C, H, W] against w [O, C/groups, KH, KW] (static dims where known). */
  protected checkStatic(x: Variable, w: Variable, xName = 'the input'): void {
    for (const [role, v] of [
      [xName, x],
      ['the weight', w],
    ] as const) {
      if (v.ndim !== 4)
        throw buildError(
          this,
          `${role} must be 4-d [N, C, H, W] / [O, C/groups, KH, KW], got ${describe(v)}`,
        );
      if (!isFloat(v.dtype)) throw buildError(this, `${role} must be float32 or float64, got ${describe(v)}`);
    }
    if (x.dtype !== w.dtype) {
      throw buildError(
        this,
        `${xName} ${describe(x)} and the weight ${describe(w)} must have one dtype; cast one`,
      );
    }
    const { groups } = this.params;
    const [, c] = x.staticShape;
    const [o, cg] = w.staticShape;
    if (o !== null && o % groups !== 0) {
      throw buildError(
        this,
        `the weight ${describe(w)} has ${o} output channels, not divisible by groups ${groups}`,
      );
    }
    if (c !== null && cg !== null && c !== cg * groups) {
      throw buildError(
        this,
        `${xName} ${describe(x)} has ${c} channels but the weight ${describe(w)} expects ${cg} per group × ${groups} groups = ${cg * groups}`,
      );
    }
  }

  protected outDims(h: Dim, w: Dim, kh: Dim, kw: Dim): [Dim, Dim] {
    const { stride, padding, dilation } = this.params;
    const size = (i: Dim, k: Dim, a: 0 | 1): Dim =>
      i === null || k === null ? null : convOutputSize(i, k, stride[a], padding[a], dilation[a]);
    return [size(h, kh, 0), size(w, kw, 1)];
  }

  /** Geometry of a convolution with input shape xs and weight shape ws; throws when they do not fit. */
  protected geometry(xs: Shape, ws: Shape, fail: (message: string) => Error): Geometry {
    const { groups } = this.params;
    const [n, c, h, w] = xs;
    const [o, cg, kh, kw] = ws;
    if (xs.length !== 4 || ws.length !== 4 || c !== cg * groups || o % groups !== 0) {
      throw fail(
        `input ${formatShape(xs)} and weight ${formatShape(ws)} do not fit: expected x [N, C, H, W] and w [O, C/${groups}, KH, KW] with O divisible by ${groups}`,
      );
    }
    const [oh, ow] = this.outDims(h, w, kh, kw) as [number, number];
    if (oh < 1 || ow < 1) {
      throw fail(
        `a ${kh}×${kw} kernel (dilation ${this.params.dilation.join('×')}) does not fit the ${h}×${w} input padded by ${this.params.padding.join('×')}`,
      );
    }
    return { n, c, h, w, o, kh, kw, oh, ow, cg, og: o / groups };
  }

  /**
   * Calls f(xIndex, wIndex, yIndex) for every product term of the convolution, all indices
   * into contiguous arrays. The three ops are this loop with the roles of x, w, y permuted.
   */
  protected eachTerm(g: Geometry, f: (xi: number, wi: number, yi: number) => void): void {
    const { stride, padding, dilation } = this.params;
    for (let n = 0; n < g.n; n++)
      for (let o = 0; o < g.o; o++) {
        const group = Math.floor(o / g.og);
        for (let i = 0; i < g.oh; i++)
          for (let j = 0; j < g.ow; j++) {
            const yi = ((n * g.o + o) * g.oh + i) * g.ow + j;
            for (let c = 0; c < g.cg; c++) {
              const ci = group * g.cg + c;
              for (let a = 0; a < g.kh; a++) {
                const hi = i * stride[0] - padding[0] + a * dilation[0];
                if (hi < 0 || hi >= g.h) continue;
                for (let b = 0; b < g.kw; b++) {
                  const wi = j * stride[1] - padding[1] + b * dilation[1];
                  if (wi < 0 || wi >= g.w) continue;
                  f(((n * g.c + ci) * g.h + hi) * g.w + wi, ((o * g.cg + c) * g.kh + a) * g.kw + b, yi);
                }
              }
            }
          }
      }
  }
}

/** y = conv2d(x, w): x [N, C, H, W], w [O, C/groups, KH, KW] → y [N, O, OH, OW]. */
export class Conv2d extends ConvOp {
  makeNode(x: Variable, w: Variable): Apply {
    this.checkStatic(x, w);
    const [oh, ow] = this.outDims(x.staticShape[2], x.staticShape[3], w.staticShape[2], w.staticShape[3]);
    if ((oh !== null && oh < 1) || (ow !== null && ow < 1)) {
      throw buildError(
        this,
        `the kernel of the weight ${describe(w)} does not fit the padded input ${describe(x)}`,
      );
    }
    return this.node([x, w], [new TensorType(x.dtype, [x.staticShape[0], w.staticShape[0], oh, ow])]);
  }

  perform([x, w]: readonly NDArray[], node: Apply): NDArray[] {
    const g = this.geometry(x.shape, w.shape, (m) => runError(node, m));
    const [xd, wd] = [x.contiguous().data, w.contiguous().data];
    const y = new Float64Array(g.n * g.o * g.oh * g.ow);
    this.eachTerm(g, (xi, wi, yi) => {
      y[yi] += xd[xi] * wd[wi];
    });
    return [NDArray.from(y, [g.n, g.o, g.oh, g.ow], node.outputs[0].dtype)];
  }

  override inferShape(node: Apply, [xs, ws]: readonly Shape[]): Shape[] {
    const g = this.geometry(xs, ws, (m) => runError(node, m));
    return [[g.n, g.o, g.oh, g.ow]];
  }

  override grad(node: Apply, [gy]: readonly (Variable | null)[]): GradEntry[] {
    if (!gy) return [null, null];
    const [x, w] = node.inputs;
    return [
      new Conv2dGradInput(this.params).apply(gy, w, x),
      new Conv2dGradWeight(this.params).apply(x, gy, w),
    ];
  }

  override native(): NativeKernel {
    return { kernel: 'conv2d', attrs: this.kernelAttrs() };
  }
}

/** dx = the transposed convolution of dy with w, shaped like `like` (the forward's x). */
export class Conv2dGradInput extends ConvOp {
  makeNode(gy: Variable, w: Variable, like: Variable): Apply {
    this.checkStatic(like, w, 'the input shape (like)');
    if (gy.ndim !== 4 || gy.dtype !== w.dtype) {
      throw buildError(this, `dy must be 4-d of w's dtype ${w.dtype}, got ${describe(gy)}`);
    }
    return this.node([gy, w, like], [new TensorType(w.dtype, like.staticShape)]);
  }

  perform([gy, w, like]: readonly NDArray[], node: Apply): NDArray[] {
    const g = this.geometry(like.shape, w.shape, (m) => runError(node, m));
    checkDy(node, gy.shape, [g.n, g.o, g.oh, g.ow]);
    const [gd, wd] = [gy.contiguous().data, w.contiguous().data];
    const dx = new Float64Array(g.n * g.c * g.h * g.w);
    this.eachTerm(g, (xi, wi, yi) => {
      dx[xi] += gd[yi] * wd[wi];
    });
    return [NDArray.from(dx, like.shape, node.outputs[0].dtype)];
  }

  override inferShape(_node: Apply, shapes: readonly Shape[]): Shape[] {
    return [shapes[2]];
  }

  override grad(node: Apply, [g]: readonly (Variable | null)[]): GradEntry[] {
    if (!g) return [null, null, null];
    const [gy, w] = node.inputs;
    return [new Conv2d(this.params).apply(g, w), new Conv2dGradWeight(this.params).apply(g, gy, w), null];
  }

  override native(): NativeKernel {
    return { kernel: 'conv2d_grad_input', attrs: this.kernelAttrs() };
  }
}

/** dw = Σ over the batch and positions of dy ⊗ the input patches, shaped like `like` (w). */
export class Conv2dGradWeight extends ConvOp {
  makeNode(x: Variable, gy: Variable, like: Variable): Apply {
    this.checkStatic(x, like);
    if (gy.ndim !== 4 || gy.dtype !== x.dtype) {
      throw buildError(this, `dy must be 4-d of x's dtype ${x.dtype}, got ${describe(gy)}`);
    }
    return this.node([x, gy, like], [new TensorType(x.dtype, like.staticShape)]);
  }

  perform([x, gy, like]: readonly NDArray[], node: Apply): NDArray[] {
    const g = this.geometry(x.shape, like.shape, (m) => runError(node, m));
    checkDy(node, gy.shape, [g.n, g.o, g.oh, g.ow]);
    const [xd, gd] = [x.contiguous().data, gy.contiguous().data];
    const dw = new Float64Array(g.o * g.cg * g.kh * g.kw);
    this.eachTerm(g, (xi, wi, yi) => {
      dw[wi] += gd[yi] * xd[xi];
    });
    return [NDArray.from(dw, like.shape, node.outputs[0].dtype)];
  }

  override inferShape(_node: Apply, shapes: readonly Shape[]): Shape[] {
    return [shapes[2]];
  }

  override grad(node: Apply, [g]: readonly (Variable | null)[]): GradEntry[] {
    if (!g) return [null, null, null];
    const [x, gy] = node.inputs;
    return [new Conv2dGradInput(this.params).apply(gy, g, x), new Conv2d(this.params).apply(x, g), null];
  }

  override native(): NativeKernel {
    return { kernel: 'conv2d_grad_weight', attrs: this.kernelAttrs() };
  }
}

function checkDy(node: Apply, got: Shape, want: Shape): void {
  if (got.length !== 4 || got.some((d, i) => d !== want[i])) {
    throw runError(
      node,
      `dy has shape ${formatShape(got)} but the convolution's output has ${formatShape(want)}`,
    );
  }
}

/**
 * conv2d(x, w, options): PyTorch's F.conv2d without the bias (add it as
 * `T.add(y, T.dimshuffle(b, 'x', 0, 'x', 'x'))`, which fuses with what follows).
 */
export function conv2d(x: TensorLike, w: TensorLike, options: Conv2dOptions = {}): Variable {
  const xv = asVariable(x);
  const wv = asVariable(w, xv.dtype);
  return new Conv2d(conv2dParams('conv2d', options)).apply(xv, wv);
}
