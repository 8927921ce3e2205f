// canonicalize: algebraic identities that make graphs smaller and more alike, so merge and the
// later phases see one form: x*1, 1*x, x+0, 0+x, x-0, x/1 → x; neg(neg(x)) → x; identity(x) → x;
// a DimShuffle of a DimShuffle → one DimShuffle (nothing when they cancel, like x.T.T);
// SumToShape(g, x) → g when g provably has x's shape (symbolicShape.ts).
import type { Apply, Variable } from '../core/graph.ts';
import { DimShuffle, type ShuffleEntry } from '../ops/dimshuffle.ts';
import { SumToShape } from '../ops/sumToShape.ts';
import { sameSymbolicShape } from './symbolicShape.ts';
import { elemwiseOf, sameValueShape, scalarOpOf, uniformConstant } from './patterns.ts';
import type { NodeRewrite } from './rewrite.ts';

/** Operand positions whose value k makes the op return the other operand. */
const neutral: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  add: [
    [0, 0],
    [1, 0],
  ],
  mul: [
    [0, 1],
    [1, 1],
  ],
  sub: [[1, 0]],
  div: [[1, 1]],
};

export const removeNeutralOperand: NodeRewrite = {
  name: 'removeNeutralOperand',
  apply(node: Apply): readonly Variable[] | null {
    const op = scalarOpOf(node);
    const cases = op ? neutral[op] : undefined;
    if (!cases) return null;
    for (const [position, value] of cases) {
      const other = node.inputs[position];
      const kept = node.inputs[1 - position];
      if (uniformConstant(other) === value && sameValueShape(kept, other, node.outputs[0])) return [kept];
    }
    return null;
  },
};

export const doubleNegation: NodeRewrite = {
  name: 'doubleNegation',
  apply(node: Apply): readonly Variable[] | null {
    if (scalarOpOf(node) !== 'neg') return null;
    const inner = elemwiseOf(node.inputs[0], 'neg');
    return inner ? [inner.inputs[0]] : null;
  },
};

export const removeIdentity: NodeRewrite = {
  name: 'removeIdentity',
  apply(node: Apply): readonly Variable[] | null {
    return scalarOpOf(node) === 'identity' && node.inputs[0].dtype === node.outputs[0].dtype
      ? [node.inputs[0]]
      : null;
  },
};

export const mergeDimShuffles: NodeRewrite = {
  name: 'mergeDimShuffles',
  apply(node: Apply): readonly Variable[] | null {
    const outer = node.op;
    const innerNode = node.inputs[0]?.owner;
    if (!(outer instanceof DimShuffle)) return null;
    if (outer.order.every((o, i) => o === i) && outer.order.length === outer.inputNdim)
      return [node.inputs[0]];
    if (!innerNode || !(innerNode.op instanceof DimShuffle)) return null;
    const inner = innerNode.op;
    const order: ShuffleEntry[] = outer.order.map((o) => (o === 'x' ? 'x' : inner.order[o]));
    const x = innerNode.inputs[0];
    // Axes the inner shuffle dropped stay dropped; axes only the outer one dropped came from 'x'.
    if (order.length === x.ndim && order.every((o, i) => o === i)) return [x];
    return [new DimShuffle(x.ndim, order).apply(x)];
  },
};

/** SumToShape(g, x) where g provably has x's shape already sums nothing. */
export const removeNoopSumToShape: NodeRewrite = {
  name: 'removeNoopSumToShape',
  apply(node: Apply): readonly Variable[] | null {
    if (!(node.op instanceof SumToShape)) return null;
    const [g, x] = node.inputs;
    return g.dtype === node.outputs[0].dtype && sameSymbolicShape(g, x) ? [g] : null;
  },
};

export const canonicalizeRewrites: readonly NodeRewrite[] = [
  removeNeutralOperand,
  doubleNegation,
  removeIdentity,
  mergeDimShuffles,
  removeNoopSumToShape,
];
