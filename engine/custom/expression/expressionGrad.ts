// The gradient of an expression op, derived symbolically: the expression is written out as
// ordinary Elemwise nodes over stand-ins for the inputs, the engine's elementwise gradient rules
// (ops/elemwiseGrad.ts) run backwards over exactly those nodes, and the stand-ins are then
// replaced by the real inputs. Stand-ins keep each input position separate, so op(x, x) or an
// input computed from another input still gets its own partial derivative. The result is plain
// elementwise graph, which the fusion rewrite fuses and which differentiates again.
import { isFloat } from '../../core/dtype.ts';
import type { GradKit } from '../../core/gradKit.ts';
import { Variable, type Apply, type GradEntry } from '../../core/graph.ts';
import { cloneGraph } from '../../graph/clone.ts';
import type { CompositeExpr } from '../../ops/composite.ts';
import { Elemwise } from '../../ops/elemwise.ts';
import { constant } from '../../tensor.ts';

export function expressionGrad(
  expr: CompositeExpr,
  node: Apply,
  gz: Variable | null,
  kit: GradKit<Variable>,
): GradEntry[] {
  const z = node.outputs[0];
  if (!gz || !isFloat(z.dtype)) return node.inputs.map(() => null);
  const standIns = node.inputs.map((x) => new Variable(x.type, x.name ? `${x.name}'` : undefined));
  const built: Apply[] = [];
  const build = (e: CompositeExpr): Variable => {
    if ('input' in e) return standIns[e.input];
    if ('const' in e) return constant(e.const, e.dtype);
    const out = new Elemwise(e.op, e.op === 'cast' ? { dtype: e.dtype } : {}).apply(...e.args.map(build));
    built.push(out.owner!);
    return out;
  };
  const result = build(expr);

  // Reverse pass over the nodes built above (in reverse construction order = reverse topological).
  const contributions = new Map<Variable, Variable[]>([[result, [gz]]]);
  const total = (v: Variable): Variable | null => {
    const parts = contributions.get(v);
    return parts && parts.length > 0 ? parts.reduce((a, b) => kit.add(a, b)) : null;
  };
  for (let k = built.length - 1; k >= 0; k--) {
    const n = built[k];
    const g = total(n.outputs[0]);
    if (!g) continue;
    n.op.grad!(n, [g], kit).forEach((entry, i) => {
      if (!(entry instanceof Variable)) return;
      const list = contributions.get(n.inputs[i]) ?? [];
      list.push(entry);
      contributions.set(n.inputs[i], list);
    });
  }
  const grads = standIns.map((s, i) => (isFloat(node.inputs[i].dtype) ? total(s) : null));
  const present = grads.filter((g): g is Variable => g !== null);
  const givens = standIns.map((s, i) => [s, node.inputs[i]] as const);
  // The real inputs and gz are leaves of the copy: only the nodes built here are copied.
  const substituted = cloneGraph([...node.inputs, gz], present, givens);
  let next = 0;
  return grads.map((g, i) => {
    if (!g) return null;
    const value = substituted[next++];
    return value.dtype === node.inputs[i].dtype
      ? value
      : new Elemwise('cast', { dtype: node.inputs[i].dtype }).apply(value);
  });
}
