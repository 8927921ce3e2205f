// Test helper: evaluate graph outputs with the ops' perform, node by node (no rewrites), so op
// tests do not depend on the compiler.
import { Constant, SharedVariable, type Apply, type Variable } from '../../../../engine/core/graph.ts';
import type { NDArray } from '../../../../engine/core/ndarray.ts';

export function evaluate(outputs: readonly Variable[], givens: ReadonlyMap<Variable, NDArray>): NDArray[] {
  const values = new Map<Variable, NDArray>(givens);
  const visit = (v: Variable): NDArray => {
    const known = values.get(v);
    if (known) return known;
    if (v instanceof Constant) return v.value;
    if (v instanceof SharedVariable) return v.get();
    const node: Apply | null = v.owner;
    if (!node) throw new Error(`evaluate: no value given for input ${v.toString()}`);
    const results = node.op.perform(node.inputs.map(visit), node);
    node.outputs.forEach((o, i) => values.set(o, results[i]));
    return results[v.index];
  };
  return outputs.map(visit);
}
