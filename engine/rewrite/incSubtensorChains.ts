// incSubtensorChains (Theano's local_IncSubtensor_serialize): the gradient of a variable read
// through several slices — a flat parameter vector cut into a network's weights, the time steps
// x[t] of a sequence — arrives as one IncSubtensor per slice, each into a zero array of the
// variable's shape, added up:
//   IncSubtensor(zeros, g₁, s₁) + IncSubtensor(zeros, g₂, s₂) + …
// which fills and copies a whole array per slice and sums them all (for T time steps, T whole
// arrays). The sum is rewritten as a chain, each slice added into the one array before it:
//   IncSubtensor(IncSubtensor(zeros, g₁, s₁), g₂, s₂) …
// and the in-place phase then lets each link write into its predecessor, so the gradient costs
// one fill and the slices (MNIST meta-training's 15,910-coordinate gradient: four fills, copies
// and a four-way sum a step before).
//
// The same bits, NaN payloads aside. An element of a chain is +0 + g₁ (+ g₂ …), which is never
// −0 under round-to-nearest (a sum is −0 only when both its terms are), so with A such a chain:
// inside s₂, A + (+0 + g₂) and A + g₂ differ only when g₂ = −0, where A + (+0) = A = A + (−0)
// because A ≠ −0; outside s₂, A + (+0) = A. Only sums whose operands are both zero-rooted
// chains of one shape are rewritten; a sum with any other operand would differ in a zero's sign.
import type { Apply, Variable } from '../core/graph.ts';
import { Fill } from '../ops/shapeOps.ts';
import { IncSubtensor } from '../ops/subtensor.ts';
import { scalarOpOf } from './patterns.ts';
import type { NodeRewrite } from './rewrite.ts';
import { sameSymbolicShape } from './symbolicShape.ts';

/** Is v an array of +0 (a Fill of 0)? */
function isPositiveZeros(v: Variable): boolean {
  const op = v.owner?.op;
  return op instanceof Fill && Object.is(op.value, 0);
}

/** Is v IncSubtensor(…IncSubtensor(+0s, g₁, s₁)…, gₙ, sₙ), adding (not setting) at every link? */
function isZeroRootedChain(v: Variable): boolean {
  for (let link = v.owner; link; link = link.inputs[0].owner) {
    if (!(link.op instanceof IncSubtensor) || link.op.set) return false;
    if (isPositiveZeros(link.inputs[0])) return true;
  }
  return false;
}

/** The single IncSubtensor of +0s computing v (a chain of one link), else null. */
function singleLink(v: Variable): Apply | null {
  const node = v.owner;
  return node && node.op instanceof IncSubtensor && !node.op.set && isPositiveZeros(node.inputs[0])
    ? node
    : null;
}

export const incSubtensorChains: NodeRewrite = {
  name: 'incSubtensorChains',
  apply(node: Apply): readonly Variable[] | null {
    if (scalarOpOf(node) !== 'add' || node.inputs.length !== 2) return null;
    const [a, b] = node.inputs;
    const out = node.outputs[0];
    if (a.dtype !== out.dtype || b.dtype !== out.dtype) return null;
    if (!sameSymbolicShape(a, out) || !sameSymbolicShape(b, out)) return null;
    if (!isZeroRootedChain(a) || !isZeroRootedChain(b)) return null;
    // (addition commutes to the bit, so either operand may be the one grafted on)
    const link = singleLink(b) ?? singleLink(a);
    if (!link) return null;
    const chain = link === b.owner ? a : b;
    return [link.op.makeNode(chain, link.inputs[1]).outputs[0]];
  },
};
