// What a rewrite is. Most rewrites are local: they look at one node and return what should
// replace its outputs (Theano's node rewriters). A few need the whole graph at once (merge,
// fusion, in-place). Each has a name: the history, the printers and `mode.exclude` use it.
import type { Apply, Variable } from '../core/graph.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';

export interface NodeRewrite {
  readonly name: string;
  /** Replacements for `node.outputs` (same length and types), or null to leave the node alone. */
  apply(node: Apply, fgraph: FunctionGraph): readonly Variable[] | null;
}

export interface GraphRewrite {
  readonly name: string;
  applyGraph(fgraph: FunctionGraph): void;
}

export type Rewrite = NodeRewrite | GraphRewrite;

export function isGraphRewrite(r: Rewrite): r is GraphRewrite {
  return 'applyGraph' in r;
}

/** A safety net against two rewrites undoing each other forever. */
const MAX_PASSES = 50;

/**
 * Apply node rewrites over the graph in execution order until none fires. The first rewrite
 * that fires on a node wins; the node's replacements are visited on the next pass.
 */
export function applyNodeRewrites(fgraph: FunctionGraph, rewrites: readonly NodeRewrite[]): void {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let changed = false;
    for (const node of [...fgraph.toposort()]) {
      if (!fgraph.has(node)) continue;
      for (const rewrite of rewrites) {
        const replacements = rewrite.apply(node, fgraph);
        if (!replacements || replacements.every((r, i) => r === node.outputs[i])) continue;
        fgraph.replaceAll(
          node.outputs.map((o, i) => [o, replacements[i]] as const),
          rewrite.name,
        );
        changed = true;
        break;
      }
    }
    if (!changed) return;
  }
  throw new Error(
    `rewrites [${rewrites.map((r) => r.name).join(', ')}] did not settle after ${MAX_PASSES} passes; ` +
      'two of them probably undo each other. Exclude one with mode: {exclude: [name]} and report it.',
  );
}
