// fusion: each maximal chain of elementwise nodes becomes one Composite node, so the chain runs
// as one pass over memory instead of one pass (and one temporary) per op. A producer joins its
// consumer's group only when every use of its output is inside the group: a value needed
// elsewhere must be materialised anyway. Scalar constants are folded into the expression.
import { isConstant, type Apply, type Variable } from '../core/graph.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';
import { Composite, type CompositeExpr } from '../ops/composite.ts';
import { Elemwise } from '../ops/elemwise.ts';
import type { ScalarExpr } from '../ops/scalar.ts';
import type { GraphRewrite } from './rewrite.ts';

function isFusable(node: Apply): boolean {
  const op = node.op;
  if (op instanceof Elemwise) return op.inplace === undefined;
  return op instanceof Composite && op.inplace === undefined && node.outputs.length === 1;
}

/** Substitute `args` for the inputs of a composite expression. */
function substitute(expr: CompositeExpr, args: readonly CompositeExpr[]): CompositeExpr {
  if ('input' in expr) return args[expr.input];
  if ('const' in expr) return expr;
  return { ...expr, args: expr.args.map((a) => substitute(a, args)) };
}

/** The expression `node` computes, given expressions for its inputs. */
function nodeExpr(node: Apply, args: readonly CompositeExpr[]): CompositeExpr {
  const op = node.op;
  if (op instanceof Composite) return substitute(op.exprs[0], args);
  // Elemwise's scalarExpr only rearranges its arguments, so it carries our typed constants through.
  return (op as Elemwise).scalarExpr(args as readonly ScalarExpr[]) as CompositeExpr;
}

/** Grow a group upwards from `root`: producers whose every use is inside the group. */
function collectGroup(root: Apply, fgraph: FunctionGraph): Set<Apply> {
  const group = new Set([root]);
  const frontier = [root];
  while (frontier.length > 0) {
    const node = frontier.pop()!;
    for (const u of node.inputs) {
      const producer = u.owner;
      if (!producer || group.has(producer) || !fgraph.has(producer) || !isFusable(producer)) continue;
      const uses = fgraph.clients(u);
      if (uses.every((c) => c.node !== 'output' && group.has(c.node))) {
        group.add(producer);
        frontier.push(producer);
      }
    }
  }
  return group;
}

/** A composite computing `root`'s output from the group's outside inputs. */
function buildComposite(root: Apply, group: ReadonlySet<Apply>): Variable {
  // Outside inputs, in the order a depth-first walk from the root meets them.
  const outside: Variable[] = [];
  const visit = (v: Variable): void => {
    if (v.owner && group.has(v.owner)) v.owner.inputs.forEach(visit);
    else if (!outside.includes(v)) outside.push(v);
  };
  visit(root.outputs[0]);

  // A size-1 constant becomes part of the expression unless it alone decides the output's rank.
  const maxRank = Math.max(
    -1,
    ...outside.filter((v) => !isConstant(v) || v.value.size !== 1).map((v) => v.ndim),
  );
  const inlined = (v: Variable): boolean => isConstant(v) && v.value.size === 1 && v.ndim <= maxRank;
  const inputs = outside.filter((v) => !inlined(v));

  const memo = new Map<Variable, CompositeExpr>();
  const exprOf = (v: Variable): CompositeExpr => {
    const known = memo.get(v);
    if (known) return known;
    let expr: CompositeExpr;
    if (v.owner && group.has(v.owner)) expr = nodeExpr(v.owner, v.owner.inputs.map(exprOf));
    else if (isConstant(v) && inlined(v)) expr = { const: v.value.data[0], dtype: v.dtype };
    else expr = { input: inputs.indexOf(v) };
    memo.set(v, expr);
    return expr;
  };
  const op = new Composite(
    [exprOf(root.outputs[0])],
    inputs.map((v) => v.dtype),
  );
  const fused = op.makeNode(...inputs).out;
  fused.name = root.outputs[0].name;
  return fused;
}

export const fusion: GraphRewrite = {
  name: 'fusion',
  applyGraph(fgraph: FunctionGraph): void {
    const order = [...fgraph.toposort()].reverse();
    for (const root of order) {
      if (!fgraph.has(root) || !isFusable(root)) continue;
      const group = collectGroup(root, fgraph);
      if (group.size < 2) continue;
      fgraph.replace(root.outputs[0], buildComposite(root, group), 'fusion');
    }
  },
};
