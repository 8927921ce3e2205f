// siblingFusion: composites over one index space that read the same arrays, or one the other's
// outputs, become one composite with the outputs of both. `fusion` grows each group up from one
// consumer, so siblings stay apart: the LSTM backward's four gate gradients are four kernels
// reading the cell state's gradient and the saved gates (fusion will not absorb a multi-output
// producer, and the gradients have no common consumer but the concatenation). Merged, the saved
// activations cross memory once instead of once per kernel: on the unrolled L2L graph they come
// from L3, and those kernels are bound by it. The same scalar operations run on the same values,
// so the results keep their bits.
import type { Apply, Variable } from '../core/graph.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';
import { Composite, type CompositeExpr } from '../ops/composite.ts';
import { isBroadcastAgainst, MAX_OPERANDS, MAX_REGISTERS } from './fusion.ts';
import type { GraphRewrite } from './rewrite.ts';
import { sameSymbolicShape } from './symbolicShape.ts';

export function isComposite(node: Apply): boolean {
  return node.op instanceof Composite && node.op.inplace === undefined;
}

/** Reads of `v` by composites, whole-size ones only: a shared scalar or bias row saves nothing. */
function compositeReaders(v: Variable, size: Variable, fgraph: FunctionGraph): Apply[] {
  if (isBroadcastAgainst(v, size)) return [];
  return fgraph.clients(v).flatMap((c) => (c.node !== 'output' && isComposite(c.node) ? [c.node] : []));
}

/**
 * How far apart in the order two merged composites may be. Siblings worth merging run close
 * together (the gate gradients of one time step); a distant partner would keep the host's inputs
 * alive and its readers waiting until then, and the searches below grow with the distance.
 */
const MAX_DISTANCE = 64;

/** Composites at most MAX_DISTANCE after `host` in `position` order, of its index space, that read its outputs or a whole-size input of it. */
function partners(host: Apply, fgraph: FunctionGraph, position: ReadonlyMap<Apply, number>): Apply[] {
  const size = host.outputs[0];
  const at = position.get(host)!;
  const found = new Set<Apply>();
  for (const v of [...host.outputs, ...host.inputs]) {
    for (const node of compositeReaders(v, size, fgraph)) {
      const distance = (position.get(node) ?? -1) - at;
      if (
        node !== host &&
        distance > 0 &&
        distance <= MAX_DISTANCE &&
        sameSymbolicShape(node.outputs[0], size)
      )
        found.add(node);
    }
  }
  return [...found].sort((a, b) => position.get(a)! - position.get(b)!);
}

/**
 * Does an input of `later` (other than `host`'s outputs) depend on `host`? Then the merged node
 * would read its own result: a cycle. The search follows `host`'s readers and stops at `later`'s
 * place in the order, past which no input of `later` is made.
 */
function feedsInto(
  host: Apply,
  later: Apply,
  fgraph: FunctionGraph,
  position: ReadonlyMap<Apply, number>,
): boolean {
  const limit = position.get(later)!;
  const producers = new Set(later.inputs.flatMap((v) => (v.owner && v.owner !== host ? [v.owner] : [])));
  if (producers.size === 0) return false;
  const seen = new Set<Apply>();
  const stack = [host];
  while (stack.length > 0) {
    for (const out of stack.pop()!.outputs) {
      for (const c of fgraph.clients(out)) {
        if (c.node === 'output' || seen.has(c.node) || (position.get(c.node) ?? Infinity) >= limit) continue;
        if (producers.has(c.node)) return true;
        seen.add(c.node);
        stack.push(c.node);
      }
    }
  }
  return false;
}

export function mapInputs(expr: CompositeExpr, input: (i: number) => CompositeExpr): CompositeExpr {
  if ('input' in expr) return input(expr.input);
  if ('const' in expr) return expr;
  return { ...expr, args: expr.args.map((a) => mapInputs(a, input)) };
}

/**
 * The native kernel's limits (fusion.ts) for expressions that share subtrees: the kernel computes
 * a repeated subtree once (it hash-conses the trees), so the registers are bounded by the
 * distinct subexpressions, not by the expanded trees that `fusion` counts.
 */
export function fitsOneKernel(exprs: readonly CompositeExpr[], inputs: number): boolean {
  if (inputs + exprs.length > MAX_OPERANDS) return false;
  // Each distinct subexpression gets a number; a node's key is its op and its arguments'
  // numbers (short strings, whatever the depth). A subtree shared by reference is numbered once.
  const ids = new Map<string, number>();
  const seen = new Map<CompositeExpr, number>();
  const id = (e: CompositeExpr): number => {
    const known = seen.get(e);
    if (known !== undefined) return known;
    const key =
      'input' in e
        ? `i${e.input}`
        : 'const' in e
          ? `c${e.const}:${e.dtype}`
          : `${e.op}:${e.dtype ?? ''}(${e.args.map(id).join(',')})`;
    let n = ids.get(key);
    if (n === undefined) ids.set(key, (n = ids.size));
    seen.set(e, n);
    return n;
  };
  exprs.forEach(id);
  const inputKeys = [...ids.keys()].filter((k) => k.startsWith('i')).length;
  return inputs + ids.size - inputKeys <= MAX_REGISTERS;
}

/**
 * One composite computing `host`'s outputs that others still read, then `later`'s, over the
 * inputs of both; `later`'s reads of `host`'s outputs become their expressions. Null when that
 * would not fit one kernel.
 */
function merged(
  host: Apply,
  later: Apply,
  fgraph: FunctionGraph,
): Array<readonly [Variable, Variable]> | null {
  const inputs = [...host.inputs];
  for (const v of later.inputs) if (v.owner !== host && !inputs.includes(v)) inputs.push(v);
  const hostExprs = (host.op as Composite).exprs.map((e) =>
    mapInputs(e, (i) => ({ input: inputs.indexOf(host.inputs[i]) })),
  );
  const laterExprs = (later.op as Composite).exprs.map((e) =>
    mapInputs(e, (i) => {
      const v = later.inputs[i];
      return v.owner === host ? hostExprs[host.outputs.indexOf(v)] : { input: inputs.indexOf(v) };
    }),
  );
  const kept = host.outputs.filter((o) => fgraph.clients(o).some((c) => c.node !== later));
  const results = [...kept, ...later.outputs];
  const exprs = [...kept.map((o) => hostExprs[host.outputs.indexOf(o)]), ...laterExprs];
  if (!fitsOneKernel(exprs, inputs.length)) return null;
  const outputs = new Composite(
    exprs,
    inputs.map((v) => v.dtype),
  ).makeNode(...inputs).outputs;
  return results.map((v, k) => {
    outputs[k].name = v.name;
    return [v, outputs[k]] as const;
  });
}

export const siblingFusion: GraphRewrite = {
  name: 'siblingFusion',
  applyGraph(fgraph: FunctionGraph): void {
    // A valid execution order throughout, so that a partner later in it is never an ancestor of
    // the host: a merged node takes the later one's slot, and the nodes between the two are put
    // in order again among themselves (readers of the host's outputs now follow the merged node).
    const order: (Apply | null)[] = [...fgraph.toposort()];
    const position = new Map(order.map((n, k) => [n!, k]));
    for (const first of [...order]) {
      if (!first || !fgraph.has(first) || !isComposite(first)) continue;
      let host = first;
      for (let grown = true; grown;) {
        grown = false;
        for (const later of partners(host, fgraph, position)) {
          if (feedsInto(host, later, fgraph, position)) continue;
          const replacements = merged(host, later, fgraph);
          if (!replacements) continue;
          const from = position.get(host)!,
            to = position.get(later)!;
          fgraph.replaceAll(replacements, 'siblingFusion');
          const node = replacements[0][1].owner!;
          const window = order.slice(from, to + 1).filter((n): n is Apply => n !== null && fgraph.has(n));
          const sorted = fgraph.orderAmong([...window, node]);
          if (!sorted)
            throw new Error(
              `siblingFusion: merging into ${node.op.toString()} made a cycle (a bug in feedsInto)`,
            );
          for (let k = from; k <= to; k++) order[k] = sorted[k - from] ?? null;
          sorted.forEach((n, k) => position.set(n, from + k));
          host = node;
          grown = true;
          break;
        }
      }
    }
  },
};
