// Symbolic reverse-mode differentiation (Theano's T.grad): walk the graph from the cost back to
// the variables asked for, asking each op for the gradients of its inputs given those of its
// outputs, and sum the contributions a variable receives from all its uses.
import { CallSite } from '../core/callSite.ts';
import { isFloat } from '../core/dtype.ts';
import { UndefinedGrad, Variable, type Apply } from '../core/graph.ts';
import { add, cast } from '../ops/math.ts';
import { describe } from '../ops/opError.ts';
import { zerosLike } from '../ops/shapeOps.ts';
import { constant } from '../tensor.ts';
import { gradBuilders } from './builders.ts';

export interface GradOptions {
  /**
   * What to do for a variable the cost does not depend on (or depends on only through
   * stopGradient, comparisons, integer casts…): 'error' (default) or 'zero' (a zero gradient).
   */
  disconnected?: 'zero' | 'error';
}

function gradError(message: string, site: CallSite): Error {
  return new Error(`grad: ${message}\n  (grad called at ${site})`);
}

function builtAt(v: Variable): string {
  return v.owner ? ` (built at ${v.owner.trace})` : '';
}

/** The nodes the cost depends on, inputs before the nodes that use them. */
function ancestors(cost: Variable): Apply[] {
  const order: Apply[] = [];
  const seen = new Set<Apply>();
  const stack: { node: Apply; next: number }[] = [];
  const push = (v: Variable): void => {
    if (v.owner && !seen.has(v.owner)) {
      seen.add(v.owner);
      stack.push({ node: v.owner, next: 0 });
    }
  };
  push(cost);
  // Iterative DFS: deep graphs (long unrolled loops) must not overflow the JS stack.
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.node.inputs.length) push(top.node.inputs[top.next++]);
    else order.push(stack.pop()!.node);
  }
  return order;
}

export function grad(cost: Variable, wrt: Variable, options?: GradOptions): Variable;
export function grad(cost: Variable, wrt: readonly Variable[], options?: GradOptions): Variable[];
export function grad(
  cost: Variable,
  wrt: Variable | readonly Variable[],
  options: GradOptions = {},
): Variable | Variable[] {
  // Where grad was called, named only if an error needs it (formatting a stack costs ~0.5 ms,
  // and an unrolled meta-iteration calls grad once per step).
  const site = new CallSite();
  const disconnected = options.disconnected ?? 'error';
  if (!(cost instanceof Variable))
    throw gradError(`the cost must be a symbolic Variable, got ${String(cost)}`, site);
  if (cost.ndim !== 0) {
    throw gradError(
      `the cost must be a scalar (0-d), but ${describe(cost)} has ${cost.ndim} dimension(s)${builtAt(cost)}. ` +
        'Reduce it first, e.g. T.mean(cost) or T.sum(cost).',
      site,
    );
  }
  if (!isFloat(cost.dtype)) {
    throw gradError(`the cost must be float32 or float64, got ${describe(cost)}${builtAt(cost)}`, site);
  }
  const targets = wrt instanceof Variable ? [wrt] : [...wrt];
  targets.forEach((w, i) => {
    if (!(w instanceof Variable)) {
      const what =
        w === null || w === undefined ? String(w) : `a ${(w as object).constructor?.name ?? typeof w}`;
      throw gradError(
        `wrt[${i}] is ${what}, not a symbolic Variable (pass the T.matrix/T.shared variables themselves)`,
        site,
      );
    }
    if (!isFloat(w.dtype))
      throw gradError(`cannot differentiate with respect to ${describe(w)}: it is not a float tensor`, site);
  });

  const order = ancestors(cost);
  // Forward: which variables depend on some wrt (only their gradients are worth building).
  const wanted = new Set<Variable>(targets);
  for (const node of order) {
    if (node.inputs.some((u) => wanted.has(u))) node.outputs.forEach((o) => wanted.add(o));
  }

  const contributions = new Map<Variable, Variable[]>([[cost, [constant(1, cost.dtype)]]]);
  const total = (v: Variable): Variable | null => {
    const parts = contributions.get(v);
    if (!parts || parts.length === 0) return null;
    const sum = parts.reduce((a, b) => add(a, b));
    return sum.dtype === v.dtype ? sum : cast(sum, v.dtype);
  };

  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    if (!node.outputs.some((o) => wanted.has(o))) continue;
    const outputGrads = node.outputs.map(total);
    if (outputGrads.every((g) => g === null)) continue;
    const op = node.op;
    if (!op.grad) {
      throw gradError(
        `${op.toString()} has no gradient (its op defines no grad method), and the cost depends on ` +
          `${targets.map((t) => t.toString()).join(', ')} through it (node built at ${node.trace})`,
        site,
      );
    }
    const entries = op.grad(node, outputGrads, gradBuilders);
    if (entries.length !== node.inputs.length) {
      throw gradError(
        `${op.toString()}.grad returned ${entries.length} entries for ${node.inputs.length} inputs`,
        site,
      );
    }
    entries.forEach((g, i) => {
      const input = node.inputs[i];
      if (!wanted.has(input) || g === null) return;
      if (g instanceof UndefinedGrad) {
        throw gradError(
          `the gradient of ${op.toString()} with respect to its input ${i} (${describe(input)}) is undefined: ` +
            `${g.reason} (node built at ${node.trace})`,
          site,
        );
      }
      if (g.ndim !== input.ndim) {
        throw gradError(
          `${op.toString()}.grad gave ${describe(g)} for input ${i} (${describe(input)}): wrong rank (node built at ${node.trace})`,
          site,
        );
      }
      const parts = contributions.get(input) ?? [];
      parts.push(g);
      contributions.set(input, parts);
    });
  }

  const results = targets.map((w) => {
    const g = total(w);
    if (g) return g;
    if (disconnected === 'zero') return zerosLike(w);
    const why = !order.some((n) => n.inputs.includes(w))
      ? 'the cost does not depend on it'
      : 'the cost depends on it only through non-differentiable paths (stopGradient, comparisons, integer casts)';
    throw gradError(
      `${describe(w)} is disconnected from the cost ${describe(cost)}${builtAt(cost)}: ${why}. ` +
        "Pass {disconnected: 'zero'} to get a zero gradient instead.",
      site,
    );
  });
  return wrt instanceof Variable ? results[0] : results;
}
