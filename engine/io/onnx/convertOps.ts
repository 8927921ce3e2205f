// The engine's structural and neural-network ops to ONNX (opset 17; ONNX_OPSET), one converter
// per op class. What needs care:
// - Gemm: 2-d operands are ONNX's Gemm as is (C broadcast as a bias row); batched (3-d) ones a
//   MatMul with the transposes, alpha and beta·C spelled out.
// - DimShuffle (a view in the engine): Squeeze the dropped axes, Transpose the kept ones,
//   Unsqueeze the new ones ('x').
// - Pooling in ceil mode: PyTorch drops a last window that would start in the right padding,
//   ONNX does not, so ONNX's ceil_mode is never used: the extra windows become explicit end
//   padding in floor mode. Exact for max pooling (padding never wins a max) and for averages
//   that do not count padding; an average that counts padding and has a window past the padded
//   input would get another divisor, and is refused with the reason.
// - Subtensor: Slice with ONNX's sentinels for open bounds; an integer index is a one-element
//   slice squeezed away.
import type { Apply } from '../../core/graph.ts';
import { NDArray } from '../../core/ndarray.ts';
import { Conv2d } from '../../ops/conv.ts';
import { PassThrough } from '../../ops/control.ts';
import { DimShuffle } from '../../ops/dimshuffle.ts';
import { Gemm } from '../../ops/gemm.ts';
import { Concatenate, Split } from '../../ops/join.ts';
import { Softmax } from '../../ops/nnet.ts';
import { Pool2d, poolOutputSize } from '../../ops/pool.ts';
import { Reduce } from '../../ops/reduce.ts';
import { Reshape } from '../../ops/reshape.ts';
import { BroadcastTo } from '../../ops/shapeOps.ts';
import { Subtensor } from '../../ops/subtensor.ts';
import { Take } from '../../ops/take.ts';
import type { ExportContext } from './exportContext.ts';

/** The operator set the exported models import (ONNX 1.12, 2022; every current runtime runs it). */
export const ONNX_OPSET = 17;

export type Converter = (node: Apply, ctx: ExportContext, outputs: string[]) => void;

const INT64_MAX = Number.MAX_SAFE_INTEGER;
const INT64_MIN = -Number.MAX_SAFE_INTEGER;

function gemm(node: Apply, ctx: ExportContext, [out]: string[]): void {
  const op = node.op as Gemm;
  const { alpha, beta, transA, transB } = op.params;
  const [a, b, c] = node.inputs.map((v) => ctx.nameOf(v));
  const [av, bv] = node.inputs;
  if (av.ndim === 2 && bv.ndim === 2) {
    const attrs = {
      alpha: { float: alpha },
      beta: { float: op.hasC ? beta : 0 },
      transA: transA ? 1 : 0,
      transB: transB ? 1 : 0,
    };
    ctx.op('Gemm', op.hasC ? [a, b, c] : [a, b], attrs, out);
    return;
  }
  const t = (name: string, nd: number, trans: boolean): string =>
    trans ? ctx.op('Transpose', [name], { perm: [...Array(nd - 2).keys(), nd - 1, nd - 2] }) : name;
  const dtype = node.outputs[0].dtype;
  const scalar = (v: number): string => ctx.constant(NDArray.from([v], [], dtype), 'gemm_scale');
  let z = ctx.op('MatMul', [t(a, av.ndim, transA), t(b, bv.ndim, transB)]);
  if (alpha !== 1) z = ctx.op('Mul', [z, scalar(alpha)]);
  if (!op.hasC) {
    ctx.op('Identity', [z], {}, out);
    return;
  }
  ctx.op('Add', [z, beta === 1 ? c : ctx.op('Mul', [c, scalar(beta)])], {}, out);
}

function dimShuffle(node: Apply, ctx: ExportContext, [out]: string[]): void {
  const op = node.op as DimShuffle;
  let x = ctx.nameOf(node.inputs[0]);
  const kept = op.order.filter((o): o is number => o !== 'x');
  const dropped = [...Array(op.inputNdim).keys()].filter((i) => !kept.includes(i));
  if (dropped.length > 0) x = ctx.op('Squeeze', [x, ctx.int64(dropped, 'axes')]);
  const sorted = [...kept].sort((p, q) => p - q);
  const perm = kept.map((k) => sorted.indexOf(k));
  if (perm.some((p, i) => p !== i)) x = ctx.op('Transpose', [x], { perm });
  const added = op.order.flatMap((o, i) => (o === 'x' ? [i] : []));
  if (added.length > 0) x = ctx.op('Unsqueeze', [x, ctx.int64(added, 'axes')]);
  ctx.op('Identity', [x], {}, out);
}

function conv(node: Apply, ctx: ExportContext, [out]: string[]): void {
  const { stride, padding, dilation, groups } = (node.op as Conv2d).params;
  const [x, w] = node.inputs;
  const kernel = w.staticShape.slice(2);
  if (kernel.some((k) => k === null)) throw ctx.unsupported('its kernel size is not static');
  ctx.op(
    'Conv',
    [ctx.nameOf(x), ctx.nameOf(w)],
    {
      kernel_shape: kernel as number[],
      strides: [...stride],
      pads: [padding[0], padding[1], padding[0], padding[1]],
      dilations: [...dilation],
      group: groups,
    },
    out,
  );
}

function pool(node: Apply, ctx: ExportContext, [out]: string[]): void {
  const { mode, kernel, stride, padding, ceilMode, countIncludePad } = (node.op as Pool2d).params;
  const [x] = node.inputs;
  const size = x.staticShape.slice(2);
  const pads = [padding[0], padding[1], padding[0], padding[1]];
  if (ceilMode) {
    if (size.some((d) => d === null))
      throw ctx.unsupported('ceil mode needs static spatial sizes to match PyTorch');
    // Extra end padding that makes floor mode give PyTorch's ceil-mode windows.
    const extra = [0, 1].map((a) => {
      const n = poolOutputSize(size[a]!, kernel[a], stride[a], padding[a], true);
      return Math.max(0, (n - 1) * stride[a] + kernel[a] - (size[a]! + 2 * padding[a]));
    });
    if (mode === 'max' || !countIncludePad) {
      pads[2] += extra[0];
      pads[3] += extra[1];
    } else if (extra.some((e) => e > 0)) {
      throw ctx.unsupported(
        'average pooling in ceil mode counting padding has a last window past the padded input, whose divisor ' +
          'ONNX computes differently from PyTorch; use countIncludePad: false or sizes the windows divide',
      );
    }
  }
  // Floor mode always: ceil mode's windows are explicit end padding above.
  const attrs = { kernel_shape: [...kernel], strides: [...stride], pads, ceil_mode: 0 };
  if (mode === 'max') ctx.op('MaxPool', [ctx.nameOf(x)], attrs, out);
  else ctx.op('AveragePool', [ctx.nameOf(x)], { ...attrs, count_include_pad: countIncludePad ? 1 : 0 }, out);
}

function reshape(node: Apply, ctx: ExportContext, [out]: string[]): void {
  const shape = (node.op as Reshape).shape;
  ctx.op('Reshape', [ctx.nameOf(node.inputs[0]), ctx.int64(shape, 'shape')], { allowzero: 1 }, out);
}

function softmax(node: Apply, ctx: ExportContext, [out]: string[]): void {
  const op = node.op as Softmax;
  ctx.op(op.logarithm ? 'LogSoftmax' : 'Softmax', [ctx.nameOf(node.inputs[0])], { axis: op.axis }, out);
}

function split(node: Apply, ctx: ExportContext, outputs: string[]): void {
  const op = node.op as Split;
  if (op.sizes.some((s) => s < 0)) throw ctx.unsupported('its sizes are only known at run time');
  ctx.opMulti(
    'Split',
    [ctx.nameOf(node.inputs[0]), ctx.int64(op.sizes, 'split')],
    { axis: op.axis },
    outputs,
  );
}

function concatenate(node: Apply, ctx: ExportContext, [out]: string[]): void {
  ctx.op(
    'Concat',
    node.inputs.map((v) => ctx.nameOf(v)),
    { axis: (node.op as Concatenate).props.axis as number },
    out,
  );
}

function reduce(node: Apply, ctx: ExportContext, [out]: string[]): void {
  const op = node.op as Reduce;
  const x = ctx.nameOf(node.inputs[0]);
  const axes = [...op.axes];
  const keepdims = op.keepdims ? 1 : 0;
  // Opset 17: ReduceSum takes its axes as an input, the others as an attribute.
  const withAxes = (type: string, input: string, keep: number, to?: string): string =>
    type === 'ReduceSum'
      ? ctx.op(type, [input, ctx.int64(axes, 'axes')], { keepdims: keep }, to)
      : ctx.op(type, [input], { axes, keepdims: keep }, to);
  const onnx: Record<string, string> = {
    sum: 'ReduceSum',
    mean: 'ReduceMean',
    prod: 'ReduceProd',
    max: 'ReduceMax',
    min: 'ReduceMin',
    logsumexp: 'ReduceLogSumExp',
  };
  if (onnx[op.kind]) {
    withAxes(onnx[op.kind], x, keepdims, out);
  } else if (op.kind === 'var') {
    const centered = ctx.op('Sub', [x, withAxes('ReduceMean', x, 1)]);
    withAxes('ReduceMean', ctx.op('Mul', [centered, centered]), keepdims, out);
  } else if (op.kind === 'argmax' && axes.length === 1) {
    const index = ctx.op('ArgMax', [x], { axis: axes[0], keepdims, select_last_index: 0 });
    ctx.op('Cast', [index], { to: ctx.onnxTypeCode('int32') }, out);
  } else {
    throw ctx.unsupported(`reduction '${op.kind}' over ${axes.length} axes has no ONNX form here`);
  }
}

function subtensor(node: Apply, ctx: ExportContext, [out]: string[]): void {
  const indices = (node.op as Subtensor).indices;
  const starts: number[] = [];
  const ends: number[] = [];
  const axes: number[] = [];
  const steps: number[] = [];
  const squeeze: number[] = [];
  indices.forEach((e, axis) => {
    if (typeof e === 'number') {
      starts.push(e);
      ends.push(e === -1 ? INT64_MAX : e + 1);
      squeeze.push(axis);
    } else {
      const step = e[2] ?? 1;
      starts.push(e[0] ?? (step > 0 ? 0 : -1));
      ends.push(e[1] ?? (step > 0 ? INT64_MAX : INT64_MIN));
      steps.push(step);
      axes.push(axis);
      return;
    }
    steps.push(1);
    axes.push(axis);
  });
  let y = ctx.op('Slice', [
    ctx.nameOf(node.inputs[0]),
    ctx.int64(starts, 'starts'),
    ctx.int64(ends, 'ends'),
    ctx.int64(axes, 'axes'),
    ctx.int64(steps, 'steps'),
  ]);
  if (squeeze.length > 0) y = ctx.op('Squeeze', [y, ctx.int64(squeeze, 'axes')]);
  ctx.op('Identity', [y], {}, out);
}

function take(node: Apply, ctx: ExportContext, [out]: string[]): void {
  const [x, i] = node.inputs.map((v) => ctx.nameOf(v));
  ctx.op('Gather', [x, i], { axis: (node.op as Take).axis }, out);
}

function broadcastTo(node: Apply, ctx: ExportContext, [out]: string[]): void {
  ctx.op('Expand', [ctx.nameOf(node.inputs[0]), ctx.int64((node.op as BroadcastTo).shape, 'shape')], {}, out);
}

function passThrough(node: Apply, ctx: ExportContext, [out]: string[]): void {
  ctx.op('Identity', [ctx.nameOf(node.inputs[0])], {}, out);
}

/** Converters by op class, and the names the error message lists. */
export const opConverters: readonly (readonly [
  abstract new (...args: never[]) => unknown,
  Converter,
  string,
])[] = [
  [Gemm, gemm, 'Gemm (dot)'],
  [DimShuffle, dimShuffle, 'DimShuffle (transpose, expandDims, squeeze)'],
  [Conv2d, conv, 'Conv2d'],
  [Pool2d, pool, 'max/avg pooling'],
  [Reshape, reshape, 'Reshape (flatten)'],
  [Softmax, softmax, 'Softmax/LogSoftmax'],
  [Split, split, 'Split'],
  [Concatenate, concatenate, 'Concatenate'],
  [Reduce, reduce, 'Reduce (sum, mean, prod, max, min, logsumexp, var, argmax)'],
  [Subtensor, subtensor, 'Subtensor (basic slicing)'],
  [Take, take, 'Take'],
  [BroadcastTo, broadcastTo, 'BroadcastTo'],
  [PassThrough, passThrough, 'stopGradient'],
];
