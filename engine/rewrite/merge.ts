// merge: common-subexpression elimination. Two nodes with equal ops (op.equals: same class,
// same props) reading the same inputs compute the same values, so one of them goes; constants
// with the same dtype, shape and values become one. Runs first and again after the local
// phases, since canonicalisation makes more nodes look alike.
import { isConstant, type Apply, type Constant, type Variable } from '../core/graph.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';
import type { GraphRewrite } from './rewrite.ts';

/** Constants larger than this are compared by identity only: keying them costs more than it saves. */
const MAX_MERGED_CONSTANT = 4096;

function constantKey(c: Constant): string | null {
  if (c.value.size > MAX_MERGED_CONSTANT) return null;
  return `${c.dtype}|${c.value.shape.join(',')}|${Array.from(c.value.data).join(',')}`;
}

function ids(vs: readonly Variable[]): string {
  return vs.map((v) => v.id).join(',');
}

export const merge: GraphRewrite = {
  name: 'merge',
  applyGraph(fgraph: FunctionGraph): void {
    const constants = new Map<string, Constant>();
    const leaves = new Set<Variable>();
    for (const node of fgraph.toposort()) for (const u of node.inputs) if (isConstant(u)) leaves.add(u);
    for (const c of leaves) {
      const key = constantKey(c as Constant);
      if (key === null) continue;
      const kept = constants.get(key);
      if (kept) fgraph.replace(c, kept, 'merge');
      else constants.set(key, c as Constant);
    }

    const seen = new Map<string, Apply>();
    for (const node of [...fgraph.toposort()]) {
      if (!fgraph.has(node)) continue;
      const key = `${node.op.hash()}(${ids(node.inputs)})`;
      const kept = seen.get(key);
      if (kept && kept.op.equals(node.op)) {
        fgraph.replaceAll(
          node.outputs.map((o, i) => [o, kept.outputs[i]] as const),
          'merge',
        );
      } else seen.set(key, node);
    }
  },
};
