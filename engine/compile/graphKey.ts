// What identifies a compiled function's graph across processes, for the on-disk program cache
// (programCache.ts): a hash of the graph the user built — every node's op class and props, how
// the nodes connect, every type, the constants' bytes, which leaf is which input and which shared
// variable — and of what the function does with it (outputs, updates). Two graphs with the same
// key compile to the same programs. Variable names and call sites do not enter it: they change
// messages, not results.
import { createHash } from 'node:crypto';
import {
  isConstant,
  isShared,
  type Constant,
  type Op,
  type SharedVariable,
  type Variable,
} from '../core/graph.ts';

export interface GraphKey {
  /** Hex SHA-256 of the graph's canonical form and `context`. */
  readonly key: string;
  /** The shared variables the graph reads or updates, in the order the key numbers them. */
  readonly shared: readonly SharedVariable[];
}

/**
 * The source of the op's class and of each class it extends up to Op: a user's op class that
 * changes its code gets another key even when its name and props stay the same.
 */
function classSource(op: Op): string {
  const parts: string[] = [];
  for (let c = op.constructor; c && c.name !== 'Op'; c = Object.getPrototypeOf(c) as typeof c) {
    parts.push(Function.prototype.toString.call(c));
  }
  return parts.join('\n');
}

/** A constant's bytes: written out when small (most are scalars), digested when large. */
function constantText(v: Constant): string {
  const data = v.value.data;
  if (data.length <= 16) return Array.from(data, (x) => (Object.is(x, -0) ? '-0' : String(x))).join(',');
  return createHash('sha256')
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');
}

/**
 * The key of the function computing `roots` (its outputs, then one update value per target) from
 * `inputs`, or null when the graph cannot be cached: an op that says so (user ops whose behaviour
 * lives outside their class and props), or a free variable that is not an input (compiling it
 * reports that error). `context` is everything else the programs depend on (the engine's and the
 * backend's builds, the rewrite mode).
 */
export function graphKey(
  inputs: readonly Variable[],
  roots: readonly Variable[],
  updateTargets: readonly SharedVariable[],
  context: string,
): GraphKey | null {
  const ids = new Map<Variable, number>();
  const inputPosition = new Map(inputs.map((v, i) => [v, i]));
  const shared: SharedVariable[] = [];
  const classes = new Map<object, number>();
  const lines: string[] = [context];
  const name = (v: Variable): number => ids.get(v)!;
  const define = (v: Variable, text: string): void => {
    ids.set(v, ids.size);
    lines.push(text);
  };
  /** The op's class by number, its source written out the first time it appears. */
  const classOf = (op: Op): number => {
    let id = classes.get(op.constructor);
    if (id === undefined) {
      id = classes.size;
      classes.set(op.constructor, id);
      lines.push(`class ${id} ${classSource(op)}`);
    }
    return id;
  };
  const leaf = (v: Variable): boolean => {
    const position = inputPosition.get(v);
    if (position !== undefined) define(v, `i${position} ${v.type.toString()}`);
    else if (isShared(v)) {
      define(v, `s${shared.length} ${v.type.toString()}`);
      shared.push(v);
    } else if (isConstant(v)) define(v, `c ${v.type.toString()} ${constantText(v)}`);
    else return false;
    return true;
  };

  // Iterative post-order (unrolled graphs are deep), as cloneGraph walks them.
  for (const root of roots) {
    const stack: Variable[] = [root];
    while (stack.length > 0) {
      const v = stack[stack.length - 1];
      if (ids.has(v)) {
        stack.pop();
        continue;
      }
      if (!v.owner || inputPosition.has(v) || isShared(v) || isConstant(v)) {
        stack.pop();
        if (!leaf(v)) return null;
        continue;
      }
      const node = v.owner;
      const args = node.inputs;
      let pending = false;
      for (let i = args.length - 1; i >= 0; i--) {
        if (!ids.has(args[i])) {
          stack.push(args[i]);
          pending = true;
        }
      }
      if (pending) continue;
      stack.pop();
      if (!node.op.programCacheable) return null;
      let line = `n ${classOf(node.op)} ${node.op.hash()} (`;
      for (let i = 0; i < args.length; i++) line += `${i > 0 ? ',' : ''}${name(args[i])}`;
      line += ') ->';
      for (const o of node.outputs) line += ` ${o.type.toString()}`;
      lines.push(line);
      for (const o of node.outputs) ids.set(o, ids.size);
    }
  }
  lines.push(`roots ${roots.map(name).join(',')}`);
  for (const target of updateTargets) if (!ids.has(target)) leaf(target);
  lines.push(`updates ${updateTargets.map(name).join(',')}`);
  return { key: createHash('sha256').update(lines.join('\n')).digest('hex'), shared };
}
