// inplace: let an op write its outputs over inputs that nobody reads afterwards, saving a
// buffer and a pass over memory (Theano's in-place optimisation); each output of a composite
// may take one input. The op's aliasMap.destroys records the choice, FunctionGraph.toposort
// orders the destroyer after every other reader, and lowering aliases the buffers. An input
// qualifies only if it is
//   - computed by the graph (never a caller's input or a constant), or a shared variable whose
//     update is exactly this output (the new weights overwrite the old in place);
//   - not a view of something else (that memory belongs to another variable too);
//   - not itself, nor any view of it, a function output (those are read after the last step);
//   - not read by another input of the same node through a different view;
//   - of the output's dtype and (as far as static shapes tell) shape;
// and the destroyer can still be scheduled after all other readers (no cycle).
import { isConstant, isShared, type Apply, type Op, type Variable } from '../core/graph.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';
import { Composite } from '../ops/composite.ts';
import { Elemwise } from '../ops/elemwise.ts';
import { Gemm } from '../ops/gemm.ts';
import { IncSubtensor } from '../ops/subtensor.ts';
import type { GraphRewrite } from './rewrite.ts';

/**
 * How to build the variant of `op` whose output `k` (also) overwrites input `i`, or null when
 * `op` has none. Built only once the input qualifies: a composite's constructor derives its
 * output dtypes again, and an LSTM cell's composite has seven outputs and as many inputs.
 */
function inplaceVariant(op: Op, k: number, i: number): (() => Op) | null {
  if (k === 0 && op instanceof Elemwise && op.inplace === undefined) {
    return () => new Elemwise(op.scalarOp, { ...(op.castTo ? { dtype: op.castTo } : {}), inplace: i });
  }
  if (op instanceof Composite && (op.inplace?.[k] ?? -1) < 0) {
    return () => op.withInplace(k, i);
  }
  if (k === 0 && op instanceof Gemm && op.hasC && !op.inplace && i === 2) return () => op.withInplace();
  if (k === 0 && op instanceof IncSubtensor && !op.inplace && i === 0) return () => op.withInplace();
  return null;
}

function isViewOutput(v: Variable): boolean {
  const views = v.owner?.op.aliasMap?.().views ?? {};
  return views[v.index] !== undefined;
}

/** Could a and b have one shape? (Lowering checks the concrete shapes and skips in-place otherwise.) */
function compatibleShapes(a: Variable, b: Variable): boolean {
  return (
    a.ndim === b.ndim &&
    a.staticShape.every((d, i) => d === null || b.staticShape[i] === null || d === b.staticShape[i])
  );
}

function qualifies(fgraph: FunctionGraph, node: Apply, k: number, i: number): boolean {
  const u = node.inputs[i];
  const out = node.outputs[k];
  if (u.dtype !== out.dtype || !compatibleShapes(u, out)) return false;
  if (isConstant(u) || fgraph.inputs.includes(u) || isViewOutput(u)) return false;
  if (isShared(u) && fgraph.updateValueOf(u) !== out) return false;
  if (!u.owner && !isShared(u)) return false;
  const aliases = fgraph.aliasesOf(u);
  if (aliases.some((a) => fgraph.clients(a).some((c) => c.node === 'output'))) return false;
  // (another output already overwriting u, through the same variable at another input, would
  // make two outputs write one buffer)
  const destroyed = Object.values(node.op.aliasMap?.().destroys ?? {}).map((j) => node.inputs[j]);
  if (destroyed.some((d) => aliases.includes(d))) return false;
  return node.inputs.every((w, j) => j === i || w === u || !aliases.includes(w));
}

/** Is input `i` of `node` a shared variable whose update is output `k`? */
function isOwnUpdate(fgraph: FunctionGraph, node: Apply, k: number, i: number): boolean {
  const u = node.inputs[i];
  return isShared(u) && fgraph.updateValueOf(u) === node.outputs[k];
}

/**
 * The inputs output `k` of `node` may overwrite, in the order to try them: first a shared
 * variable whose update is that very output (Adam's m′ over m, not over the gradient it also
 * reads, which would leave m's update a copy), then the others by position.
 */
function candidates(fgraph: FunctionGraph, node: Apply, k: number): number[] {
  const own = (i: number): boolean => isOwnUpdate(fgraph, node, k, i);
  const all = node.inputs.map((_, i) => i);
  return [...all.filter(own), ...all.filter((i) => !own(i))];
}

/** Replace `node` by a node of `op` on the same inputs; returns the new node. */
function replaceNode(fgraph: FunctionGraph, node: Apply, op: Op, reason: string): Apply {
  const replacement = op.makeNode(...node.inputs);
  replacement.outputs.forEach((o, k) => (o.name = node.outputs[k].name));
  fgraph.replaceAll(
    node.outputs.map((o, k) => [o, replacement.outputs[k]] as const),
    reason,
  );
  return replacement;
}

export const inplace: GraphRewrite = {
  name: 'inplace',
  applyGraph(fgraph: FunctionGraph): void {
    // A valid execution order, kept up to date: slots[k] runs k-th. When every other reader of
    // the input already runs before the node, that order stays valid with the node in place.
    // Otherwise only the window from the node to its last reader can change (nodes before it
    // do not depend on the node, nodes after it are not read by the window), so that window
    // alone is re-sorted — this keeps the phase near linear on unrolled graphs.
    const slots = [...fgraph.toposort()];
    const position = new Map(slots.map((n, k) => [n, k]));
    for (const original of [...slots]) {
      if (!fgraph.has(original)) continue;
      let node = original;
      // Each output in turn takes the first input it may overwrite.
      for (let k = 0; k < node.outputs.length; k++) {
        for (const i of candidates(fgraph, node, k)) {
          const variant = inplaceVariant(node.op, k, i);
          if (!variant || !qualifies(fgraph, node, k, i)) continue;
          const at = position.get(node)!;
          // (a reader without a place — none is expected — widens the window to the end)
          const last = Math.max(
            at,
            ...fgraph.readersOf(node.inputs[i], node).map((r) => position.get(r) ?? slots.length - 1),
          );
          // Outputs past the first wait for no reader, unless they are the input's own update:
          // in the unrolled L2L graph most such moves came undone (the backward pass reads the
          // cell's gates after its results), and trying them made T.fn a sixth slower.
          if (k > 0 && last > at && !isOwnUpdate(fgraph, node, k, i)) continue;
          const previous = node.op;
          const replacement = replaceNode(fgraph, node, variant(), 'inplace');
          slots[at] = replacement;
          position.set(replacement, at);
          node = replacement;
          if (last === at) break;
          const window = slots.slice(at, last + 1).filter((n) => fgraph.has(n));
          const reordered = fgraph.orderAmong(window);
          if (reordered) {
            const places = window.map((n) => position.get(n)!);
            reordered.forEach((n, p) => {
              slots[places[p]] = n;
              position.set(n, places[p]);
            });
            break;
          }
          // A reader of the input depends on this node's result: undo this output's choice.
          node = replaceNode(fgraph, node, previous, 'inplace (undone: a reader of the input runs later)');
          slots[at] = node;
          position.set(node, at);
          break;
        }
      }
    }
  },
};
