// fusion: each maximal chain of elementwise nodes becomes one Composite node, so the chain runs
// as one pass over memory instead of one pass (and one temporary) per op. A value also needed
// outside the chain becomes an extra output of the composite (it must be materialised anyway,
// but not by a kernel of its own). Scalar constants are folded into the expression.
import { isConstant, type Apply, type Variable } from '../core/graph.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';
import { Composite, type CompositeExpr } from '../ops/composite.ts';
import { Elemwise } from '../ops/elemwise.ts';
import type { ScalarExpr } from '../ops/scalar.ts';
import type { GraphRewrite } from './rewrite.ts';
import { sameSymbolicShape } from './symbolicShape.ts';

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

/**
 * The native elementwise kernel's limits (native/kernels/elementwise.h): at most 32 inputs and
 * outputs, at most 64 registers (inputs, every constant, live temporaries). Expressions are trees,
 * so a value used twice inside a group is computed twice; counting the expanded tree keeps both
 * the register count and the recomputation bounded.
 */
export const MAX_OPERANDS = 32;
export const MAX_REGISTERS = 64;

function fitsOneKernel(root: Apply, nodes: ReadonlySet<Apply>, exported: readonly Variable[]): boolean {
  const size = new Map<Variable, number>();
  const inputs = new Set<Variable>();
  const treeSize = (v: Variable): number => {
    const known = size.get(v);
    if (known !== undefined) return known;
    let n = 1;
    if (v.owner && nodes.has(v.owner)) for (const u of v.owner.inputs) n += treeSize(u);
    else inputs.add(v);
    size.set(v, n);
    return n;
  };
  const total = [root.outputs[0], ...exported].reduce((sum, v) => sum + treeSize(v), 0);
  const outputs = 1 + exported.length;
  return inputs.size + outputs <= MAX_OPERANDS && inputs.size + total <= MAX_REGISTERS;
}

interface Group {
  readonly root: Apply;
  readonly nodes: Set<Apply>;
  /** Values computed inside the group that other nodes read too: extra outputs of the composite. */
  readonly exported: Variable[];
}

/**
 * Grow a group upwards from `root`. A producer joins when every use of its output is inside
 * the group, or when the output can be an extra output of the composite instead: it has the
 * root's shape (one kernel writes all outputs over one index space) and every outside reader
 * runs after the root in the current order — so no reader feeds back into the group, which
 * would make a cycle.
 */
/** Is `v` provably smaller than `root`, i.e. broadcast inside a kernel producing `root`? */
export function isBroadcastAgainst(v: Variable, root: Variable): boolean {
  if (v.ndim < root.ndim) return true;
  const offset = v.ndim - root.ndim;
  return root.staticShape.some((d, i) => v.staticShape[i + offset] === 1 && d !== 1);
}

function collectGroup(root: Apply, fgraph: FunctionGraph, position: ReadonlyMap<Apply, number>): Group {
  const nodes = new Set([root]);
  const exported: Variable[] = [];
  const rootAt = position.get(root)!;
  const frontier = [root];
  while (frontier.length > 0) {
    const node = frontier.pop()!;
    for (const u of node.inputs) {
      const producer = u.owner;
      if (!producer || nodes.has(producer) || !fgraph.has(producer) || !isFusable(producer)) continue;
      // A fused kernel evaluates every node once per output element, so a producer smaller than
      // the root (a scalar, a bias row) would be recomputed at every element — Adam's pow(beta, t)
      // 15,910 times per step. It stays a separate, cheaper step instead.
      if (isBroadcastAgainst(u, root.outputs[0])) continue;
      const outside = fgraph.clients(u).filter((c) => c.node === 'output' || !nodes.has(c.node));
      const exportable =
        outside.length > 0 &&
        outside.every((c) => c.node === 'output' || (position.get(c.node) ?? -1) > rootAt) &&
        sameSymbolicShape(u, root.outputs[0]);
      if (outside.length === 0 || exportable) {
        nodes.add(producer);
        if (outside.length > 0) exported.push(u);
        if (fitsOneKernel(root, nodes, exported)) frontier.push(producer);
        else {
          nodes.delete(producer);
          if (outside.length > 0) exported.pop();
        }
      }
    }
  }
  // A producer exported early may have had its other readers absorbed later: then it is internal.
  const stillRead = exported.filter((u) =>
    fgraph.clients(u).some((c) => c.node === 'output' || !nodes.has(c.node)),
  );
  return { root, nodes, exported: stillRead };
}

/** A composite computing the root's output (first) and the exported values from the group's outside inputs. */
function buildComposite({ root, nodes, exported }: Group): readonly Variable[] {
  const results = [root.outputs[0], ...exported];
  // Outside inputs, in the order a depth-first walk from the results meets them.
  const outside: Variable[] = [];
  const visit = (v: Variable): void => {
    if (v.owner && nodes.has(v.owner)) v.owner.inputs.forEach(visit);
    else if (!outside.includes(v)) outside.push(v);
  };
  results.forEach(visit);

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
    if (v.owner && nodes.has(v.owner)) expr = nodeExpr(v.owner, v.owner.inputs.map(exprOf));
    else if (isConstant(v) && inlined(v)) expr = { const: v.value.data[0], dtype: v.dtype };
    else expr = { input: inputs.indexOf(v) };
    memo.set(v, expr);
    return expr;
  };
  const op = new Composite(
    results.map(exprOf),
    inputs.map((v) => v.dtype),
  );
  const fused = op.makeNode(...inputs).outputs;
  fused.forEach((o, k) => (o.name = results[k].name));
  return fused;
}

export const fusion: GraphRewrite = {
  name: 'fusion',
  applyGraph(fgraph: FunctionGraph): void {
    const order = fgraph.toposort();
    const position = new Map(order.map((n, k) => [n, k]));
    for (const root of [...order].reverse()) {
      if (!fgraph.has(root) || !isFusable(root)) continue;
      const group = collectGroup(root, fgraph, position);
      if (group.nodes.size < 2) continue;
      const fused = buildComposite(group);
      // The composite takes the root's place in the order its later checks rely on.
      position.set(fused[0].owner!, position.get(root)!);
      fgraph.replaceAll(
        [root.outputs[0], ...group.exported].map((v, k) => [v, fused[k]] as const),
        'fusion',
      );
    }
  },
};
