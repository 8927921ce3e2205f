// Small matchers the local rewrites share: "is this an Elemwise of that scalar op", "is this a
// constant equal to k everywhere", and a helper that keeps a replacement's name.
import { isConstant, type Apply, type Variable } from '../core/graph.ts';
import { Elemwise } from '../ops/elemwise.ts';
import type { ScalarOpName } from '../ops/scalar.ts';

/** The node computing v when it is an Elemwise of `scalarOp` (not in place), else null. */
export function elemwiseOf(v: Variable, scalarOp: ScalarOpName): Apply | null {
  const node = v.owner;
  return node && node.op instanceof Elemwise && node.op.scalarOp === scalarOp && node.op.inplace === undefined
    ? node
    : null;
}

export function scalarOpOf(node: Apply): ScalarOpName | null {
  return node.op instanceof Elemwise && node.op.inplace === undefined ? node.op.scalarOp : null;
}

/** The value of a constant whose elements are all equal, else null. */
export function uniformConstant(v: Variable): number | null {
  if (!isConstant(v) || v.value.size === 0) return null;
  const first = v.value.data[0];
  return v.value.toFlat().every((x) => x === first) ? first : null;
}

/**
 * Can `x` stand for `result` (same dtype, and the other operand did not broadcast x to a
 * larger shape)? `other` is the operand being dropped.
 */
export function sameValueShape(x: Variable, other: Variable, result: Variable): boolean {
  return (
    x.dtype === result.dtype &&
    other.ndim <= x.ndim &&
    (!isConstant(other) || other.value.size === 1) &&
    x.staticShape.every((d, i) => d === null || d === result.staticShape[i])
  );
}
