// How one tensor is laid out in each framework the lab trades weights with — the explicit
// conversion table (README "Framework layouts"). Every lab layout is PyTorch's semantics with
// the lab's storage choices:
//
// | role            | lab                     | PyTorch           | Keras / TensorFlow        | Theano                      |
// | --------------- | ----------------------- | ----------------- | ------------------------- | --------------------------- |
// | dense.weight    | [in, out]               | [out, in] (ᵀ)     | kernel [in, out]          | [in, out]                   |
// | conv2d.weight   | [O, I/g, kh, kw]        | same              | kernel [kh, kw, I/g, O]   | [O, I/g, kh, kw], flipped   |
// | rnn.weight_ih   | [in, G·H]               | [G·H, in] (ᵀ)     | kernel [in, G·H]          | [in, G·H]                   |
// | rnn.weight_hh   | [H, G·H]                | [G·H, H] (ᵀ)      | recurrent_kernel [H, G·H] | [H, G·H]                    |
// | bias, other     | as stored               | same              | same                      | same                        |
//
// Flatten order: the lab's and PyTorch's Flatten read a [C, H, W] feature map channel-first,
// Keras's (channels-last data) in (H, W, C) order, so the rows of the first Dense kernel after
// a Flatten come in another order: keras.dense.weight after a flattened [C, H, W] map permutes
// its rows (H, W, C) ↔ (C, H, W) on top of the table above.
//
// Convolution vs correlation: the lab, PyTorch, Keras and ONNX compute a cross-correlation;
// Theano's conv2d (and the seed's chapter) a true convolution, whose kernel is the lab's rotated
// by 180° in both spatial axes (w[:, :, ::-1, ::-1]) — the "kernel flip" between Theano and the
// others. Keras's LSTM gate order (i, f, c, o) is PyTorch's (i, f, g, o), and its single bias
// is b_ih + b_hh (engine/io/frameworkNames.ts joins and splits them). Every conversion is a
// pure function with an inverse; test/unit/engine/io/frameworks.test.ts checks each against
// the framework's own arithmetic (PyTorch, and NumPy for the Keras and Theano conventions).
import { formatShape, NDArray, type Shape } from '../core/ndarray.ts';

export const frameworks = ['lab', 'pytorch', 'keras', 'theano'] as const;
export type Framework = (typeof frameworks)[number];

export type TensorRole =
  'dense.weight' | 'conv2d.weight' | 'rnn.weight_ih' | 'rnn.weight_hh' | 'bias' | 'other';

/** Axis permutation of `a` (a copy, row-major): out.shape[i] = a.shape[perm[i]]. */
export function permute(a: NDArray, perm: readonly number[]): NDArray {
  const src = a.contiguous();
  const shape = perm.map((p) => src.shape[p]);
  const out = NDArray.zeros(shape, src.dtype);
  const strides = perm.map((p) => src.strides[p]);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < out.size; i++) {
    let at = 0;
    for (let d = 0; d < shape.length; d++) at += index[d] * strides[d];
    out.data[i] = src.data[at];
    for (let d = shape.length - 1; d >= 0 && ++index[d] === shape[d]; d--) index[d] = 0;
  }
  return out;
}

/** A 4-d kernel rotated by 180° in its last two (spatial) axes: convolution ↔ correlation. */
export function flipKernel(a: NDArray): NDArray {
  const src = a.contiguous();
  const [o, i, h, w] = src.shape;
  const out = NDArray.zeros(src.shape, src.dtype);
  for (let p = 0; p < o * i; p++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        out.data[(p * h + y) * w + x] = src.data[(p * h + (h - 1 - y)) * w + (w - 1 - x)];
  return out;
}

/** What a conversion may need beyond the tensor: the [C, H, W] map a Dense layer's input was flattened from. */
export interface TensorContext {
  flattenedFrom?: readonly number[];
}

interface Conversion {
  /** The lab tensor in the framework's layout. */
  toFramework(a: NDArray, context: TensorContext): NDArray;
  /** The inverse. */
  fromFramework(a: NDArray, context: TensorContext): NDArray;
  /** What happens, for reports: "transposed", "HWIO → OIHW", "kernel flipped". */
  describe: string;
}

const same: Conversion = { toFramework: (a) => a, fromFramework: (a) => a, describe: 'as stored' };
const transpose2: Conversion = {
  toFramework: (a) => permute(a, [1, 0]),
  fromFramework: (a) => permute(a, [1, 0]),
  describe: 'transposed',
};

/**
 * A Dense kernel's rows reordered between a channel-first (C, H, W) flatten and a channel-last
 * (H, W, C) one; `toChannelsLast` picks the direction.
 */
export function reorderFlattenedRows(a: NDArray, chw: readonly number[], toChannelsLast: boolean): NDArray {
  const [c, h, w] = chw;
  const src = a.contiguous();
  const cols = src.shape[1];
  if (src.shape[0] !== c * h * w) {
    throw new Error(
      `a Dense kernel with ${src.shape[0]} rows cannot follow a flattened [${chw.join(', ')}] map`,
    );
  }
  const out = NDArray.zeros(src.shape, src.dtype);
  for (let ci = 0; ci < c; ci++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const chwRow = (ci * h + y) * w + x;
        const hwcRow = (y * w + x) * c + ci;
        const [from, to] = toChannelsLast ? [chwRow, hwcRow] : [hwcRow, chwRow];
        out.data.set(src.data.subarray(from * cols, (from + 1) * cols), to * cols);
      }
  return out;
}

const kerasDense: Conversion = {
  toFramework: (a, ctx) => (ctx.flattenedFrom ? reorderFlattenedRows(a, ctx.flattenedFrom, true) : a),
  fromFramework: (a, ctx) => (ctx.flattenedFrom ? reorderFlattenedRows(a, ctx.flattenedFrom, false) : a),
  describe: 'as stored; after a Flatten, rows reordered (H, W, C) ↔ (C, H, W)',
};

/** The conversion table: role × framework. */
const table: Readonly<Record<TensorRole, Readonly<Record<Framework, Conversion>>>> = {
  'dense.weight': { lab: same, pytorch: transpose2, keras: kerasDense, theano: same },
  'conv2d.weight': {
    lab: same,
    pytorch: same,
    keras: {
      toFramework: (a) => permute(a, [2, 3, 1, 0]),
      fromFramework: (a) => permute(a, [3, 2, 0, 1]),
      describe: 'HWIO ↔ OIHW',
    },
    theano: {
      toFramework: flipKernel,
      fromFramework: flipKernel,
      describe: 'kernel flipped (convolution ↔ correlation)',
    },
  },
  'rnn.weight_ih': { lab: same, pytorch: transpose2, keras: same, theano: same },
  'rnn.weight_hh': { lab: same, pytorch: transpose2, keras: same, theano: same },
  bias: { lab: same, pytorch: same, keras: same, theano: same },
  other: { lab: same, pytorch: same, keras: same, theano: same },
};

export function conversion(role: TensorRole, framework: Framework): Conversion {
  return table[role][framework];
}

/** The shape a lab tensor of `shape` has in the framework. */
export function frameworkShape(role: TensorRole, framework: Framework, shape: Shape): number[] {
  const probe = NDArray.zeros(shape, 'float32');
  return [...conversion(role, framework).toFramework(probe, {}).shape];
}

export function toFramework(
  role: TensorRole,
  framework: Framework,
  a: NDArray,
  context: TensorContext = {},
): NDArray {
  return conversion(role, framework).toFramework(a, context);
}

/**
 * The lab tensor of shape `labShape` from the framework's tensor `a`. A shape that differs only
 * by size-1 axes ([1, 10] for a bias of 10) is reshaped; anything else is an error that says
 * which layout was expected.
 */
export function fromFramework(
  role: TensorRole,
  framework: Framework,
  a: NDArray,
  labShape: Shape,
  what: string,
  context: TensorContext = {},
): { value: NDArray; reshaped: boolean } {
  const want = frameworkShape(role, framework, labShape);
  let source = a;
  let reshaped = false;
  if (a.shape.join() !== want.join()) {
    const squeeze = (s: Shape): string => s.filter((d) => d !== 1).join();
    if (a.size === want.reduce((p, d) => p * d, 1) && squeeze(a.shape) === squeeze(want)) {
      source = a.contiguous().reshape(want);
      reshaped = true;
    } else {
      const layout =
        framework === 'lab' ? '' : ` (the ${framework} layout of a lab ${formatShape(labShape)} ${role})`;
      throw new Error(`${what} has shape ${formatShape(a.shape)}; expected ${formatShape(want)}${layout}`);
    }
  }
  return { value: conversion(role, framework).fromFramework(source, context), reshaped };
}
