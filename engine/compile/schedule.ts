// Pass 1½ of lowering: the step order. FunctionGraph.toposort is a depth-first post-order from
// the outputs, which puts a reduction as late as the outputs it feeds: on an unrolled graph, the
// weight gradient and bias sum of every time step ran after the whole backward pass (the L2L
// meta-iteration: 40 gate gradients of 1280 × 80 kept alive, 16 MB, each read again from memory
// at the end). Here a node that shrinks its data — every output together at most a quarter of its
// largest input — runs as soon as everything it depends on has run, so it reads what it sums
// while that is still in cache, and the buffer planner can reuse the memory right after. A node
// that only rearranges — a view, or a concatenation (its pieces are usually written straight
// into it, concatInPlace.ts) — runs as soon as its inputs exist too, so a shrinking node reading
// it is not held back to where the depth-first order happened to put it (the LSTM's gate
// gradients are joined into dz by a concatenation that the weight gradients and dz·Whᵀ read).
// A node over vectors only (every input and output at most one axis) runs as soon as its inputs
// exist as well: in an unrolled meta-iteration's backward pass, the optimizee's parameter
// gradient summed over the time steps and scaled for the update (15,910 floats a time step,
// made from the forward pass alone) sat between one time step's row-parallel steps and the
// next's; hoisted, they run before the backward pass and the native executor runs all of it
// as one row-block chain (native/PROGRAM.md, Row blocks).
// Moving a node earlier keeps every ordering the graph requires (its inputs and, for an in-place
// node, the other readers of what it overwrites, are among its dependencies; a node after it
// stays after it), and the same kernels see the same values: results do not change.
import type { Apply, Variable } from '../core/graph.ts';
import { shapeSize } from '../core/ndarray.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';
import { Concatenate } from '../ops/join.ts';
import type { Layouts, NodeLayout } from './layout.ts';

/** Output elements at most this fraction of the largest input's make a node shrinking. */
const SHRINK_RATIO = 0.25;

function hoisted(layouts: Layouts, entry: NodeLayout): boolean {
  if (entry.folded) return false;
  if (entry.viewOnly || entry.node.op instanceof Concatenate) return true;
  const rank = (v: Variable) => layouts.of.get(v)!.shape.length;
  if ([...entry.node.inputs, ...entry.node.outputs].every((v) => rank(v) <= 1)) return true;
  const size = (v: Variable) => shapeSize(layouts.of.get(v)!.shape);
  const largestInput = Math.max(0, ...entry.node.inputs.map(size));
  const outputs = entry.node.outputs.reduce((sum, o) => sum + size(o), 0);
  return outputs <= SHRINK_RATIO * largestInput;
}

/** `layouts` with its nodes reordered: each shrinking, rearranging or vector-only node right after
 * its last dependency. */
export function hoistShrinkingAndRearrangingNodes(layouts: Layouts, fgraph: FunctionGraph): Layouts {
  const entries = new Map<Apply, NodeLayout>(layouts.nodes.map((e) => [e.node, e]));
  // For each hoisted node, how many of its dependencies have not been placed yet, and for each
  // dependency the hoisted nodes waiting on it.
  const unplaced = new Map<Apply, number>();
  const waiting = new Map<Apply, Apply[]>();
  for (const entry of layouts.nodes) {
    if (!hoisted(layouts, entry)) continue;
    const deps = new Set(fgraph.dependencies(entry.node).filter((d) => entries.has(d)));
    unplaced.set(entry.node, deps.size);
    for (const d of deps) {
      const list = waiting.get(d);
      if (list) list.push(entry.node);
      else waiting.set(d, [entry.node]);
    }
  }
  const order: NodeLayout[] = [];
  const placed = new Set<Apply>();
  const place = (node: Apply): void => {
    const stack = [node];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (placed.has(n)) continue;
      placed.add(n);
      order.push(entries.get(n)!);
      for (const w of waiting.get(n) ?? []) {
        const left = unplaced.get(w)! - 1;
        unplaced.set(w, left);
        if (left === 0) stack.push(w);
      }
    }
  };
  // The original order is topological, so when the loop reaches a hoisted node every
  // dependency of it has been placed, and with the last one the node itself.
  for (const entry of layouts.nodes) {
    if (!placed.has(entry.node) && (unplaced.get(entry.node) ?? 0) === 0) place(entry.node);
  }
  if (order.length !== layouts.nodes.length) {
    throw new Error(
      `lowering: scheduling placed ${order.length} of ${layouts.nodes.length} nodes; the node order was not topological`,
    );
  }
  return { of: layouts.of, nodes: order };
}
