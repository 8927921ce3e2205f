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
// as one row-block chain (native/PROGRAM.md, Row blocks). A hoisted node that depends on nothing
// in the program (two bias vectors summed) runs first, and nodes over vectors only that nothing
// but such nodes depends on (an optimizer's update: its outputs leave the program) run last.
// One exception runs a shrinking node later: where it becomes ready by a small input while its
// large one (1 MiB or more) was made long before — the L2L output layer's weight gradient h₂ᵀ·dy
// of a time step, ready with dy after the forward pass, its h₂ long out of cache — it waits for
// the node that reads the large input next, and runs right after it, while the input is back in
// cache (there, the backward pass's h₂ᵀ·dz₂ of the next time step, in the same row-block chain).
// Every node runs after its dependencies (its inputs and, for an in-place node, the other
// readers of what it overwrites), and the same kernels see the same values: results do not change.
import type { Apply, Variable } from '../core/graph.ts';
import { bytesPerElement } from '../core/dtype.ts';
import { shapeSize } from '../core/ndarray.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';
import { Concatenate } from '../ops/join.ts';
import type { Layouts, NodeLayout } from './layout.ts';

/** Output elements at most this fraction of the largest input's make a node shrinking. */
const SHRINK_RATIO = 0.25;
/** A shrinking node's large input of at least this many bytes, made before its last dependency,
 * is taken to be out of cache by then (what row-block chains take as past L2: 1 MiB). */
const COLD_INPUT_BYTES = 1 << 20;

function shrinking(layouts: Layouts, entry: NodeLayout): boolean {
  const size = (v: Variable) => shapeSize(layouts.of.get(v)!.shape);
  const largestInput = Math.max(0, ...entry.node.inputs.map(size));
  const outputs = entry.node.outputs.reduce((sum, o) => sum + size(o), 0);
  return outputs <= SHRINK_RATIO * largestInput;
}

function vectorOnly(layouts: Layouts, entry: NodeLayout): boolean {
  const rank = (v: Variable) => layouts.of.get(v)!.shape.length;
  return [...entry.node.inputs, ...entry.node.outputs].every((v) => rank(v) <= 1);
}

function hoisted(layouts: Layouts, entry: NodeLayout): boolean {
  if (entry.folded) return false;
  if (entry.viewOnly || entry.node.op instanceof Concatenate) return true;
  return vectorOnly(layouts, entry) || shrinking(layouts, entry);
}

/** Adds `node` to the list `map` keeps for `key`. */
function listAdd(map: Map<Apply, Apply[]>, key: Apply, node: Apply): void {
  const list = map.get(key);
  if (list) list.push(node);
  else map.set(key, [node]);
}

/** `layouts` with its nodes reordered: each shrinking, rearranging or vector-only node right after
 * its last dependency, or a shrinking one whose large input is cold right after that input's next
 * reader; every other node in its original order, once its dependencies have run. */
export function hoistShrinkingAndRearrangingNodes(layouts: Layouts, fgraph: FunctionGraph): Layouts {
  const entries = new Map<Apply, NodeLayout>(layouts.nodes.map((e) => [e.node, e]));
  const position = new Map<Apply, number>(layouts.nodes.map((e, i) => [e.node, i]));
  const dependencies = new Map<Apply, Apply[]>(
    layouts.nodes.map(({ node }) => [
      node,
      [...new Set(fgraph.dependencies(node).filter((d) => entries.has(d)))],
    ]),
  );
  // How many of a waiting node's dependencies have not been placed yet, and for each node the
  // nodes waiting on it. A hoisted node waits from the start; another from where the original
  // order reaches it, if a dependency runs later than there (one that waits for a reader).
  const unplaced = new Map<Apply, number>();
  const waiting = new Map<Apply, Apply[]>();
  const wait = (node: Apply, on: readonly Apply[]): void => {
    unplaced.set(node, on.length);
    for (const d of on) listAdd(waiting, d, node);
  };
  // the nodes whose dependencies include each node
  const dependents = new Map<Apply, Apply[]>();
  for (const [node, deps] of dependencies) for (const d of deps) listAdd(dependents, d, node);
  // Nodes over vectors only that nothing but such nodes depends on (an optimizer's update of its
  // parameters and moments: their outputs are the program's) run last, in the original order:
  // hoisted, the meta-optimizer's updates ran as soon as the last time step's weight gradients
  // were summed, between that time step's row-parallel steps, and ended the executor's row-block
  // chains there. (The original order is topological: walked backwards, a node's dependents come
  // first.)
  const atEnd = new Set<Apply>();
  for (const entry of [...layouts.nodes].reverse()) {
    const tail = (dependents.get(entry.node) ?? []).every((d) => atEnd.has(d));
    if (tail && !entry.folded && !entry.viewOnly && vectorOnly(layouts, entry)) atEnd.add(entry.node);
  }
  const last = layouts.nodes.filter((e) => atEnd.has(e.node));
  const hoistedNodes = new Set(
    layouts.nodes.filter((e) => !atEnd.has(e.node) && hoisted(layouts, e)).map((e) => e.node),
  );
  for (const node of hoistedNodes) wait(node, dependencies.get(node)!);
  const order: NodeLayout[] = [];
  const placed = new Set<Apply>();
  const awaits = new Map<Apply, Apply>(); // a shrinking node waiting for a reader: that reader
  const awaited = new Set<Apply>();

  /** Whether `of` depends on `node`, through unplaced nodes and the readers they wait for. */
  const dependsOn = (of: Apply, node: Apply): boolean => {
    const seen = new Set<Apply>([of]);
    const stack = [of];
    while (stack.length > 0) {
      const n = stack.pop()!;
      const reader = awaits.get(n);
      for (const d of reader ? [...dependencies.get(n)!, reader] : dependencies.get(n)!) {
        if (d === node) return true;
        if (placed.has(d) || seen.has(d)) continue;
        seen.add(d);
        stack.push(d);
      }
    }
    return false;
  };
  /** The unplaced node first in the original order that reads v (through views), other than
   * `skip` and than nodes that wait for a reader themselves. */
  const firstUnplacedReader = (v: Variable, skip: Apply): Apply | null => {
    let first: Apply | null = null;
    const values = [v];
    while (values.length > 0) {
      for (const { node } of fgraph.clients(values.pop()!)) {
        if (node === 'output' || node === skip || !entries.has(node)) continue;
        if (entries.get(node)!.viewOnly) values.push(...node.outputs);
        else if (
          !placed.has(node) &&
          !awaits.has(node) &&
          (!first || position.get(node)! < position.get(first)!)
        ) {
          first = node;
        }
      }
    }
    return first;
  };
  /** The reader a shrinking node, ready now that `last` ran, waits for (see above), or null. */
  const readerToWaitFor = (node: Apply, last: Apply): Apply | null => {
    const entry = entries.get(node)!;
    if (entry.viewOnly || node.op instanceof Concatenate || awaited.has(node) || !shrinking(layouts, entry))
      return null;
    const elements = (v: Variable) => shapeSize(layouts.of.get(v)!.shape);
    const inputs = [...node.inputs].sort((a, b) => elements(b) - elements(a));
    const large = inputs[0];
    if (!large || large.owner === last || elements(large) * bytesPerElement(large.dtype) < COLD_INPUT_BYTES)
      return null;
    // the others small beside it: waiting keeps them alive longer
    if (inputs.slice(1).reduce((sum, v) => sum + elements(v), 0) > SHRINK_RATIO * elements(large))
      return null;
    const reader = firstUnplacedReader(large, node);
    return reader && !dependsOn(reader, node) ? reader : null;
  };
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
        if (left > 0) continue;
        const reader = awaits.has(w) || !hoistedNodes.has(w) ? null : readerToWaitFor(w, n);
        if (reader) {
          awaits.set(w, reader);
          awaited.add(reader);
          wait(w, [reader]);
        } else stack.push(w);
      }
    }
  };
  // Hoisted nodes that depend on nothing in the program (the sum of two bias vectors) run first:
  // at the original order's place they sat between the first time step's row-parallel steps.
  for (const { node } of layouts.nodes) if (unplaced.get(node) === 0) place(node);
  for (const { node } of layouts.nodes) {
    if (placed.has(node) || atEnd.has(node) || unplaced.has(node)) continue;
    const missing = dependencies.get(node)!.filter((d) => !placed.has(d));
    if (missing.length === 0) place(node);
    else wait(node, missing);
  }
  for (const { node } of last) place(node);
  if (order.length !== layouts.nodes.length) {
    throw new Error(
      `lowering: scheduling placed ${order.length} of ${layouts.nodes.length} nodes; the node order was not topological`,
    );
  }
  return { of: layouts.of, nodes: order };
}
