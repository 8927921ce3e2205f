// Specialize matrix products into Gemm (out = beta·C + alpha·op(A)·op(B)):
//   dotToGemm:       Dot(A, B) of 2-d operands → Gemm{alpha=1, beta=0}, a transposed operand
//                    (DimShuffle{1,0}) becoming transA/transB instead of a strided read;
//   gemmScale:       k·Gemm, Gemm·k, -Gemm (k a scalar constant) → alpha, beta scaled;
//   gemmAddC:        Gemm + C, C + Gemm, C - Gemm, Gemm - C (Gemm without C) → one Gemm with C;
//                    of two products, one takes the other as C (absorbingOrder says which);
//                    products over many rows keep apart (weightGradientsApart).
// The plain SGD step W - lr·(xᵀ·g) becomes Gemm{alpha=-lr, beta=1, transA}(x, g, W) this way,
// which the in-place phase then lets overwrite W. Only a Gemm no one else reads is absorbed:
// otherwise the product would be computed twice.
import type { Apply, Variable } from '../core/graph.ts';
import { bytesPerElement, isFloat } from '../core/dtype.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';
import { DimShuffle } from '../ops/dimshuffle.ts';
import { Gemm } from '../ops/gemm.ts';
import { Dot } from '../ops/linalg.ts';
import { scalarOpOf, uniformConstant } from './patterns.ts';
import type { NodeRewrite } from './rewrite.ts';

/** X and true when v = Xᵀ (a 2-d DimShuffle{1,0}), else v and false. */
function untransposed(v: Variable): [Variable, boolean] {
  const op = v.owner?.op;
  if (op instanceof DimShuffle && op.inputNdim === 2 && op.order.join() === '1,0')
    return [v.owner!.inputs[0], true];
  return [v, false];
}

/** The Gemm computing v, when v is its only reader's to absorb. */
function soleGemm(v: Variable, fgraph: FunctionGraph): { node: Apply; op: Gemm } | null {
  const node = v.owner;
  if (!node || !(node.op instanceof Gemm) || node.op.inplace || fgraph.clients(v).length !== 1) return null;
  return { node, op: node.op };
}

/** The inner dimension of the C-less Gemm computing v that gemmAddC could absorb (Infinity for
 * any other value, or an unknown size). */
function innerDimension(v: Variable, fgraph: FunctionGraph): number {
  const g = soleGemm(v, fgraph);
  if (!g || g.op.hasC) return Infinity;
  const a = g.node.inputs[0].staticShape;
  return (g.op.params.transA ? a[0] : a[1]) ?? Infinity;
}

/**
 * Of two summed products, which absorbs the other as C (the add's input indices, the absorbing
 * one first): the other is computed alone, as soon as its operands exist, right after the step
 * that makes its A — inside that step's row-block chain, with A still in cache — and the
 * absorbing one adds it when its own operands are ready. So the one with the larger inner
 * dimension runs alone: in an unrolled LSTM's backward pass, dh = dz·Whᵀ + dy·Wyᵀ, dz·Whᵀ right
 * after dz (MNIST's second-layer dz, 5 MB a time step, no longer goes out to memory: mnist_meta
 * 3 % less time) and the K = 1 term when dy is known. Of two as large, the one whose A comes
 * first in the graph's order runs alone: the first layer's dh = dz₁·Wh₁ᵀ + dz₂·Wx₂ᵀ, where dz₁ is
 * made a time step earlier than dz₂ (its 5 MB no longer go out to memory either). Either way the
 * result is the same two rounded terms summed once.
 */
function absorbingOrder(node: Apply, fgraph: FunctionGraph): readonly [number, number] {
  const [k0, k1] = node.inputs.map((v) => innerDimension(v, fgraph));
  if (k0 !== k1) return k1 < k0 ? [1, 0] : [0, 1];
  if (k0 === Infinity) return [0, 1];
  const order = fgraph.toposort();
  // where the node making the product's A runs (an A that is a graph input: before all of them)
  const madeAt = (v: Variable) => {
    const maker = v.owner!.inputs[0].owner;
    return maker ? order.indexOf(maker) : -1;
  };
  return madeAt(node.inputs[1]) > madeAt(node.inputs[0]) ? [1, 0] : [0, 1];
}

/** An A of at least this many bytes makes a product over its rows one that keeps apart: the
 * native executor runs steps over operands this large block of rows by block (CHAIN_MIN_BYTES in
 * native/src/row_blocks.c). */
const ROWS_APART_BYTES = 1 << 20;

/** Whether the Gemm g sums over the rows of a large operand: a weight gradient xᵀ·dy (transA)
 * whose x or dy is at least ROWS_APART_BYTES (MNIST's first layer: x of 2 columns, dz of 80). */
function overManyRows(g: { node: Apply; op: Gemm }): boolean {
  if (!g.op.params.transA) return false;
  const bytes = (v: Variable) =>
    v.staticShape.reduce<number>((n, d) => n * (d ?? 0), 1) * bytesPerElement(v.dtype);
  return Math.max(bytes(g.node.inputs[0]), bytes(g.node.inputs[1])) >= ROWS_APART_BYTES;
}

/** Whether v is such a product, or a sum (add, sub, a Gemm with C) with one among its terms. */
function sumsOverManyRows(v: Variable, seen = new Set<Variable>()): boolean {
  const node = v.owner;
  if (!node || seen.has(v)) return false;
  seen.add(v);
  if (node.op instanceof Gemm) {
    return overManyRows({ node, op: node.op }) || (node.op.hasC && sumsOverManyRows(node.inputs[2], seen));
  }
  const op = scalarOpOf(node);
  return (op === 'add' || op === 'sub') && node.inputs.some((input) => sumsOverManyRows(input, seen));
}

/**
 * A product over many rows takes no C that sums other such products: an unrolled backward pass's
 * weight gradient Σₜ hₜ₋₁ᵀ·dzₜ stays one product a time step, each into its own small Z, summed
 * by one elementwise pass at the end, instead of each time step's product adding to the one
 * before. Then nothing ties a time step's steps to the next one's but the rows they share, and
 * the executor runs the whole backward pass block of rows by block, each time step's state
 * gradients and saved arrays still in cache for the next (native/PROGRAM.md, Row blocks). The
 * weight gradients are summed in another order (each time step's product rounded, then the
 * twenty added) — the one rewrite here that changes a result's bits.
 */
function weightGradientsApart(g: { node: Apply; op: Gemm }, c: Variable): boolean {
  return overManyRows(g) && sumsOverManyRows(c);
}

export const dotToGemm: NodeRewrite = {
  name: 'dotToGemm',
  apply(node: Apply): readonly Variable[] | null {
    if (!(node.op instanceof Dot)) return null;
    const [a, b] = node.inputs;
    if (a.ndim !== 2 || a.dtype !== b.dtype || !isFloat(a.dtype)) return null;
    const [x, transA] = untransposed(a);
    const [y, transB] = untransposed(b);
    return [new Gemm({ alpha: 1, beta: 0, transA, transB }).apply(x, y)];
  },
};

export const gemmScale: NodeRewrite = {
  name: 'gemmScale',
  apply(node: Apply, fgraph: FunctionGraph): readonly Variable[] | null {
    const op = scalarOpOf(node);
    let k: number | null = null;
    let g: ReturnType<typeof soleGemm> = null;
    if (op === 'neg') [k, g] = [-1, soleGemm(node.inputs[0], fgraph)];
    else if (op === 'mul') {
      for (const i of [0, 1]) {
        const c = node.inputs[i];
        const found = soleGemm(node.inputs[1 - i], fgraph);
        if (found && uniformConstant(c) !== null && c.ndim === 0) [k, g] = [uniformConstant(c), found];
      }
    }
    if (k === null || !g || node.outputs[0].dtype !== g.node.outputs[0].dtype) return null;
    const { alpha, beta, transA, transB } = g.op.params;
    return [new Gemm({ alpha: alpha * k, beta: beta * k, transA, transB }).apply(...g.node.inputs)];
  },
};

export const gemmAddC: NodeRewrite = {
  name: 'gemmAddC',
  apply(node: Apply, fgraph: FunctionGraph): readonly Variable[] | null {
    const op = scalarOpOf(node);
    if (op !== 'add' && op !== 'sub') return null;
    const out = node.outputs[0];
    const order = absorbingOrder(node, fgraph);
    for (const i of order) {
      const g = soleGemm(node.inputs[i], fgraph);
      const c = node.inputs[1 - i];
      if (!g || g.op.hasC || c.dtype !== out.dtype || c.ndim > 2 || weightGradientsApart(g, c)) continue;
      // C must not broadcast the product to a larger shape.
      const gShape = node.inputs[i].staticShape;
      if (!out.staticShape.every((d, j) => d === gShape[j] || gShape[j] === null)) continue;
      const { alpha, transA, transB } = g.op.params;
      const sign = op === 'sub' && i === 1 ? -1 : 1;
      const beta = op === 'sub' && i === 0 ? -1 : 1;
      return [new Gemm({ alpha: alpha * sign, beta, transA, transB }).apply(...g.node.inputs, c)];
    }
    return null;
  },
};

export const specializeRewrites: readonly NodeRewrite[] = [dotToGemm, gemmScale, gemmAddC];
