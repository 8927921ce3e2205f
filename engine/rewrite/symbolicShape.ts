// Symbolic shapes (a small version of Theano's ShapeFeature): each dimension is a number when
// known, or a token naming where the size comes from ("dimension 0 of x"), so two dimensions
// with the same token are equal at run time even when neither is known now. The canonicalizer
// uses it to prove that a gradient already has its input's shape (SumToShape is then a no-op)
// before fusion, where such no-ops would otherwise split elementwise chains.
import type { Op, Variable } from '../core/graph.ts';
import { Composite } from '../ops/composite.ts';
import { DimShuffle } from '../ops/dimshuffle.ts';
import { Elemwise } from '../ops/elemwise.ts';
import { Gemm } from '../ops/gemm.ts';
import { Split } from '../ops/join.ts';
import { Dot } from '../ops/linalg.ts';
import { Reduce } from '../ops/reduce.ts';
import { Softmax, SoftmaxGrad } from '../ops/nnet.ts';
import { SoftmaxCrossEntropyGrad } from '../ops/softmaxCrossEntropy.ts';
import { Fill } from '../ops/shapeOps.ts';
import { IncSubtensor, Subtensor } from '../ops/subtensor.ts';
import { SumToShape } from '../ops/sumToShape.ts';
import { Take } from '../ops/take.ts';

export type SymbolicDim = number | string;

const memo = new WeakMap<Variable, readonly SymbolicDim[]>();

function fresh(v: Variable, i: number): SymbolicDim {
  return `${v.id}:${i}`;
}

/** For ops whose output has exactly the shape of one input: that input's position. */
function shapeSource(op: Op): number | null {
  if (op instanceof SumToShape) return 1;
  if (op instanceof Softmax) return 0;
  if (op instanceof SoftmaxGrad) return 1;
  if (op instanceof SoftmaxCrossEntropyGrad) return 1;
  if (op instanceof Fill || op instanceof IncSubtensor) return 0;
  return null;
}

/** NumPy broadcasting over symbolic dims; null when the result cannot be named. */
function broadcastDim(dims: readonly SymbolicDim[]): SymbolicDim | null {
  const known = dims.find((d): d is number => typeof d === 'number' && d !== 1);
  if (known !== undefined) return known;
  const tokens = new Set(dims.filter((d) => d !== 1));
  if (tokens.size === 0) return 1;
  return tokens.size === 1 ? [...tokens][0] : null;
}

function derive(v: Variable): (SymbolicDim | null)[] {
  const node = v.owner;
  const op = node?.op;
  if (!node || !op) return [];
  if (op instanceof Elemwise || op instanceof Composite) {
    const shapes = node.inputs.map(symbolicShape);
    return [...Array(v.ndim).keys()].map((i) =>
      broadcastDim(shapes.flatMap((s) => (i - (v.ndim - s.length) >= 0 ? [s[i - (v.ndim - s.length)]] : []))),
    );
  }
  if (op instanceof DimShuffle) {
    const x = symbolicShape(node.inputs[0]);
    return op.order.map((o) => (o === 'x' ? 1 : x[o]));
  }
  if (op instanceof Reduce) {
    const x = symbolicShape(node.inputs[0]);
    return op.keepdims
      ? x.map((d, i) => (op.axes.includes(i) ? 1 : d))
      : x.filter((_, i) => !op.axes.includes(i));
  }
  if (op instanceof Dot && v.ndim === 2) {
    const [a, b] = node.inputs.map(symbolicShape);
    return [a[0], b[1]];
  }
  if (op instanceof Gemm) {
    const [a, b] = node.inputs.map(symbolicShape);
    const { transA, transB } = op.params;
    return [transA ? a[1] : a[0], transB ? b[0] : b[1]];
  }
  // A recurrent net's batch size reaches its cells through these: the embedding (take), the
  // time steps (x[t]) and the gates (split). Without them every gate had a shape of its own and
  // fusion could not export the cell's values (a dynamic batch ran ~10 kernels per cell).
  if (op instanceof Split) {
    const x = symbolicShape(node.inputs[0]);
    const k = node.outputs.indexOf(v);
    return x.map((d, i) => (i === op.axis ? op.sizes[k] : d));
  }
  if (op instanceof Take) {
    const [x, indices] = node.inputs.map(symbolicShape);
    const axis = op.axis < 0 ? op.axis + x.length : op.axis;
    return [...x.slice(0, axis), ...indices, ...x.slice(axis + 1)];
  }
  if (op instanceof Subtensor) {
    // An integer index drops its axis; a whole axis (no start, stop or step) keeps its size.
    const x = symbolicShape(node.inputs[0]);
    return x.flatMap((d, axis) => {
      const e = op.indices[axis];
      if (typeof e === 'number') return [];
      const whole = e === undefined || (e[0] === null && e[1] === null && (e[2] === null || e[2] === 1));
      return [whole ? d : null];
    });
  }
  const sameAs = shapeSource(op);
  if (sameAs !== null) return [...symbolicShape(node.inputs[sameAs])];
  return [];
}

/** The symbolic shape of v (static dims where known, tokens elsewhere). */
export function symbolicShape(v: Variable): readonly SymbolicDim[] {
  const cached = memo.get(v);
  if (cached) return cached;
  const derived = derive(v);
  const shape = v.staticShape.map((d, i) => d ?? derived[i] ?? fresh(v, i));
  memo.set(v, shape);
  return shape;
}

export function sameSymbolicShape(a: Variable, b: Variable): boolean {
  const [x, y] = [symbolicShape(a), symbolicShape(b)];
  return x.length === y.length && x.every((d, i) => d === y[i]);
}
