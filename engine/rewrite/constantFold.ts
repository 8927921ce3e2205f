// constantFold: a node whose inputs are all constants is computed once, at compile time, with
// its `perform`, and replaced by constants. Shared variables are not constants (they change
// between calls), so nothing reading one is folded.
import { Constant, isConstant, type Apply, type Variable } from '../core/graph.ts';
import type { NodeRewrite } from './rewrite.ts';

export const constantFold: NodeRewrite = {
  name: 'constantFold',
  apply(node: Apply): readonly Variable[] | null {
    if (!node.inputs.every(isConstant)) return null;
    const values = node.op.perform(
      node.inputs.map((c) => (c as Constant).value),
      node,
    );
    return values.map((value, i) => new Constant(value.astype(node.outputs[i].dtype), node.outputs[i].name));
  },
};
