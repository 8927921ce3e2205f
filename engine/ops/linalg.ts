// Matrix products. The Dot op multiplies two tensors of the same rank >= 2 (a batch of matrices
// for rank 3+, the batch axes broadcasting like NumPy's matmul); `dot` brings vectors and
// mixed ranks to that form with DimShuffles, so every Dot node of rank 2 or 3 is exactly the
// native gemm kernel (the specialize rewrite turns dot + add into gemm with beta).
import {
  broadcastIndices,
  broadcastShapes,
  broadcastStaticShapes,
  formatStaticShape,
} from '../core/broadcast.ts';
import { isFloat, promote } from '../core/dtype.ts';
import type { GradKit } from '../core/gradKit.ts';
import { Op, type Apply, type GradEntry, type NativeKernel, type Variable } from '../core/graph.ts';
import { NDArray, contiguousStrides, formatShape, type Shape } from '../core/ndarray.ts';
import { TensorType, type Dim } from '../core/type.ts';
import { asVariables, type TensorLike } from '../tensor.ts';
import { dimshuffle, type ShuffleEntry } from './dimshuffle.ts';
import { cast, mul } from './math.ts';
import { buildError, describe, runError } from './opError.ts';

/** Swap the last two axes (a batch of matrix transposes). */
function swapLast(v: Variable): Variable {
  const order: ShuffleEntry[] = [...Array(v.ndim).keys()];
  [order[v.ndim - 2], order[v.ndim - 1]] = [order[v.ndim - 1], order[v.ndim - 2]];
  return dimshuffle(v, ...order);
}

export class Dot extends Op {
  makeNode(a: Variable, b: Variable): Apply {
    if (a.ndim < 2 || a.ndim !== b.ndim) {
      throw buildError(
        this,
        `needs two tensors of the same rank >= 2 (use T.dot for vectors), got ${describe(a)} and ${describe(b)}`,
      );
    }
    if (a.dtype === 'bool' || b.dtype === 'bool') {
      throw buildError(this, `cannot multiply bool matrices ${describe(a)}, ${describe(b)}: cast them first`);
    }
    const r = a.ndim;
    const [k1, k2] = [a.staticShape[r - 1], b.staticShape[r - 2]];
    if (k1 !== null && k2 !== null && k1 !== k2) {
      throw buildError(
        this,
        `inner dimensions differ: ${describe(a)} has ${k1} columns but ${describe(b)} has ${k2} rows`,
      );
    }
    const batch = broadcastStaticShapes([a.staticShape.slice(0, -2), b.staticShape.slice(0, -2)]);
    if (typeof batch === 'string') {
      throw buildError(
        this,
        `batch shapes ${formatStaticShape(a.staticShape.slice(0, -2))} and ${formatStaticShape(b.staticShape.slice(0, -2))} ` +
          `do not broadcast (${batch}); inputs: ${describe(a)}, ${describe(b)}`,
      );
    }
    const shape: Dim[] = [...batch, a.staticShape[r - 2], b.staticShape[r - 1]];
    return this.node([a, b], [new TensorType(promote(a.dtype, b.dtype), shape)]);
  }

  private outShape(a: Shape, b: Shape, node: Apply): number[] {
    const r = a.length;
    if (a[r - 1] !== b[r - 2]) {
      throw runError(node, `inner dimensions differ: ${formatShape(a)} times ${formatShape(b)}`);
    }
    try {
      return [...broadcastShapes([a.slice(0, -2), b.slice(0, -2)], 'batch'), a[r - 2], b[r - 1]];
    } catch (e) {
      throw runError(node, `${(e as Error).message} (operands ${formatShape(a)} and ${formatShape(b)})`);
    }
  }

  perform([a, b]: readonly NDArray[], node: Apply): NDArray[] {
    const shape = this.outShape(a.shape, b.shape, node);
    const r = shape.length;
    const [m, n, k] = [shape[r - 2], shape[r - 1], a.shape[r - 1]];
    const batch = shape.slice(0, -2);
    // Offsets of each batch's matrix: a contiguous copy viewed as a batch of m*k (k*n) blocks.
    const offsets = (x: NDArray, block: number): Int32Array => {
      const bs = x.shape.slice(0, -2);
      return broadcastIndices(
        new NDArray(
          x.data,
          bs,
          contiguousStrides(bs).map((s) => s * block),
        ),
        batch,
      );
    };
    const ac = a.contiguous();
    const bc = b.contiguous();
    const aOff = offsets(ac, m * k);
    const bOff = offsets(bc, k * n);
    const out = NDArray.zeros(shape, node.outputs[0].dtype);
    const acc = new Float64Array(m * n);
    const [ad, bd] = [ac.data, bc.data];
    for (let t = 0; t < aOff.length; t++) {
      acc.fill(0);
      for (let i = 0; i < m; i++) {
        for (let p = 0; p < k; p++) {
          const av = ad[aOff[t] + i * k + p];
          const row = bOff[t] + p * n;
          for (let j = 0; j < n; j++) acc[i * n + j] += av * bd[row + j];
        }
      }
      out.data.set(acc, t * m * n);
    }
    return [out];
  }

  override inferShape(node: Apply, [a, b]: readonly Shape[]): Shape[] {
    return [this.outShape(a, b, node)];
  }

  override grad(
    node: Apply,
    [gz]: readonly (Variable | null)[],
    { sumToShape }: GradKit<Variable>,
  ): GradEntry[] {
    const [a, b] = node.inputs;
    if (!gz) return [null, null];
    return [sumToShape(new Dot().apply(gz, swapLast(b)), a), sumToShape(new Dot().apply(swapLast(a), gz), b)];
  }

  /** gemm multiplies float matrices (or batches of them, rank 3) of one dtype. */
  override native(node: Apply): NativeKernel | null {
    const [a, b] = node.inputs;
    if (a.ndim > 3 || a.dtype !== b.dtype || !isFloat(a.dtype)) return null;
    return { kernel: 'gemm', attrs: { transA: false, transB: false, alpha: 1, beta: 0 } };
  }
}

/**
 * Matrix product with NumPy matmul semantics: vectors are rows (left) or columns (right) and
 * lose that axis again; rank-3+ operands are batches of matrices whose batch axes broadcast.
 */
export function dot(x: TensorLike, y: TensorLike): Variable {
  const [a0, b0] = asVariables([x, y]);
  // One dtype for both operands, so the product is a plain gemm.
  const dtype = promote(a0.dtype, b0.dtype);
  const [a, b] = [cast(a0, dtype), cast(b0, dtype)];
  if (a.ndim === 0 || b.ndim === 0) {
    throw buildError(
      'dot',
      `needs tensors of rank >= 1, got ${describe(a)} and ${describe(b)}; use T.mul for scalars`,
    );
  }
  const rank = Math.max(a.ndim, b.ndim, 2);
  // A vector a becomes a 1×k row, a vector b a k×1 column; lower ranks get leading batch axes.
  const lift = (v: Variable, vectorOrder: ShuffleEntry[]): Variable => {
    const base: ShuffleEntry[] = v.ndim === 1 ? vectorOrder : [...Array(v.ndim).keys()];
    return dimshuffle(v, ...Array<ShuffleEntry>(rank - base.length).fill('x'), ...base);
  };
  const z = new Dot().apply(lift(a, ['x', 0]), lift(b, [0, 'x']));
  const keep = [...Array(rank).keys()].filter(
    (i) => !(a.ndim === 1 && i === rank - 2) && !(b.ndim === 1 && i === rank - 1),
  );
  return dimshuffle(z, ...keep);
}

export const matmul = dot;

/** The outer product of two vectors: out[i, j] = a[i] * b[j]. */
export function outer(x: TensorLike, y: TensorLike): Variable {
  const [a, b] = asVariables([x, y]);
  if (a.ndim !== 1 || b.ndim !== 1)
    throw buildError('outer', `needs two vectors, got ${describe(a)} and ${describe(b)}`);
  return mul(dimshuffle(a, 0, 'x'), dimshuffle(b, 'x', 0));
}
