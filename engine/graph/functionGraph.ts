// FunctionGraph: the graph a compiled function computes, owned by the compiler (Theano's
// FunctionGraph). It holds a clone of the user's graph between the inputs and the outputs, knows
// every variable's clients, rewires variables for rewrites (`replace`) with type checks, prunes
// nodes nothing uses any more (dead-code elimination happens here, on every replace), and orders
// the nodes for execution, honouring in-place ops: a node that destroys an input runs after
// every other reader of that input.
import { isConstant, isShared, type Apply, type SharedVariable, type Variable } from '../core/graph.ts';
import { cloneGraph, typesCompatible, type Givens } from './clone.ts';

/** A use of a variable: input `index` of `node`, or output `index` of the graph. */
export type Client =
  { readonly node: Apply; readonly index: number } | { readonly node: 'output'; readonly index: number };

/** One applied rewrite, for printers and tests. The labels are rendered when first read: most
 * records are never printed, and a fused composite's label is long. */
export class RewriteRecord {
  readonly rewrite: string;
  private readonly old: Variable;
  private readonly replacement: Variable;

  constructor(rewrite: string, old: Variable, replacement: Variable) {
    this.rewrite = rewrite;
    this.old = old;
    this.replacement = replacement;
  }

  /** What was replaced, as printers label it. */
  get replaced(): string {
    return this.old.toString();
  }

  /** What replaced it. */
  get by(): string {
    return this.replacement.toString();
  }
}

export class FunctionGraph {
  readonly inputs: readonly Variable[];
  private outputList: Variable[];
  private readonly nodeSet = new Set<Apply>();
  private readonly clientMap = new Map<Variable, Client[]>();
  readonly history: RewriteRecord[] = [];
  private order: Apply[] | null = null;
  /** Shared variables whose new value is an output (position in `outputs`). */
  private readonly updates = new Map<SharedVariable, number>();

  /**
   * A graph over a clone of the user's graph (with `givens` substituted), so rewrites never
   * touch what the user holds. Every leaf the outputs depend on must be an input, a constant or
   * a shared variable.
   */
  static fromUserGraph(
    inputs: readonly Variable[],
    outputs: readonly Variable[],
    givens: Givens = [],
  ): FunctionGraph {
    return new FunctionGraph(inputs, cloneGraph(inputs, outputs, givens));
  }

  /** A graph over these very nodes (no clone): for graphs the compiler built itself. */
  constructor(inputs: readonly Variable[], outputs: readonly Variable[]) {
    const seen = new Set<Variable>();
    for (const v of inputs) {
      if (seen.has(v)) throw new Error(`fn: input ${v.toString()} is listed twice`);
      if (isConstant(v) || isShared(v) || v.owner) {
        const what = isConstant(v) ? 'a constant' : isShared(v) ? 'a shared variable' : 'computed by a node';
        throw new Error(
          `fn: input ${v.toString()} is ${what}; inputs must be free variables (T.matrix('x'), …). ` +
            'Use givens to substitute a value for a computed variable.',
        );
      }
      seen.add(v);
    }
    this.inputs = Object.freeze([...inputs]);
    for (const v of inputs) this.clientMap.set(v, []);
    this.outputList = [];
    outputs.forEach((v, i) => {
      this.importVariable(v);
      this.outputList.push(v);
      this.clientsOf(v).push({ node: 'output', index: i });
    });
  }

  get outputs(): readonly Variable[] {
    return this.outputList;
  }

  /** Declare that outputs[first + k] is the new value of targets[k] (a function's updates). */
  declareUpdates(targets: readonly SharedVariable[], first: number): void {
    targets.forEach((t, k) => this.updates.set(t, first + k));
  }

  /** The variable that becomes `shared`'s next value, if the graph updates it. */
  updateValueOf(shared: SharedVariable): Variable | undefined {
    const at = this.updates.get(shared);
    return at === undefined ? undefined : this.outputList[at];
  }

  /** The nodes, in no particular order (see `toposort` for execution order). */
  get nodes(): ReadonlySet<Apply> {
    return this.nodeSet;
  }

  clients(v: Variable): readonly Client[] {
    return this.clientMap.get(v) ?? [];
  }

  has(node: Apply): boolean {
    return this.nodeSet.has(node);
  }

  /**
   * Make `replacement` compute what `old` computed: every client of `old` reads `replacement`
   * instead. `reason` names the rewrite (kept in `history`).
   */
  replace(old: Variable, replacement: Variable, reason: string): void {
    if (old === replacement) return;
    if (!typesCompatible(old.type, replacement.type)) {
      throw new Error(
        `rewrite ${reason}: cannot replace ${old.toString()} (${old.type.toString()}) with ` +
          `${replacement.toString()} (${replacement.type.toString()}); the rewrite must keep dtype and rank`,
      );
    }
    // Clients are taken before importing: the replacement's own subgraph may read `old`
    // (replacing x by f(x)), and that use must stay.
    const previous = [...this.clients(old)];
    const added = this.importVariable(replacement);
    if (old.owner) for (const node of added) node.site = old.owner.site;
    const target = this.clientsOf(replacement);
    for (const client of previous) {
      if (client.node === 'output') this.outputList[client.index] = replacement;
      else client.node.setInput(client.index, replacement);
      target.push(client);
    }
    this.clientMap.set(old, []);
    if (old.owner) this.pruneIfDead(old.owner);
    this.history.push(new RewriteRecord(reason, old, replacement));
    this.order = null;
  }

  /** Replace each pair in turn (a rewrite of a multi-output node). */
  replaceAll(pairs: ReadonlyArray<readonly [Variable, Variable]>, reason: string): void {
    for (const [old, replacement] of pairs) this.replace(old, replacement, reason);
  }

  /**
   * Execution order: every node after the nodes computing its inputs and, for a node that
   * destroys an input, after every other reader of that input (and of views of it).
   */
  toposort(): readonly Apply[] {
    if (this.order) return this.order;
    const roots = this.outputList.map((v) => v.owner).filter((n): n is Apply => n !== null);
    const sorted = this.postOrder(roots);
    if (!Array.isArray(sorted)) throw this.cycleError(sorted.cycle);
    this.order = sorted;
    return sorted;
  }

  /**
   * `nodes` in an order valid among themselves (each after those of its dependencies that are in
   * the list, destroyed inputs' readers included), or null when they depend on each other in a
   * cycle. For a rewrite that knows every other node keeps its place: re-sorting a window of the
   * order costs that window, not the whole graph (the in-place phase on unrolled graphs).
   */
  orderAmong(nodes: readonly Apply[]): Apply[] | null {
    const members = new Set(nodes);
    const sorted = this.postOrder(nodes, (n) => members.has(n));
    return Array.isArray(sorted) ? sorted : null;
  }

  /** Depth-first post-order from `roots` over their dependencies (those `include` accepts, when
   * given), or the node at which a cycle closed. */
  private postOrder(roots: readonly Apply[], include?: (n: Apply) => boolean): Apply[] | { cycle: Apply } {
    const order: Apply[] = [];
    const state = new Map<Apply, 'visiting' | 'done'>();
    for (const root of roots) {
      const stack: { node: Apply; deps: Apply[] | null; next: number }[] = [
        { node: root, deps: null, next: 0 },
      ];
      while (stack.length > 0) {
        const frame = stack[stack.length - 1];
        if (frame.deps === null) {
          if (state.get(frame.node) === 'done') {
            stack.pop();
            continue;
          }
          state.set(frame.node, 'visiting');
          const deps = this.dependencies(frame.node);
          frame.deps = include ? deps.filter(include) : deps;
        }
        if (frame.next < frame.deps.length) {
          const dep = frame.deps[frame.next++];
          const s = state.get(dep);
          if (s === 'visiting') return { cycle: dep };
          if (s !== 'done') stack.push({ node: dep, deps: null, next: 0 });
          continue;
        }
        state.set(frame.node, 'done');
        order.push(frame.node);
        stack.pop();
      }
    }
    return order;
  }

  /** Every variable that reads the same memory as `v`: v and, transitively, the views of it. */
  aliasesOf(v: Variable): Variable[] {
    const out: Variable[] = [];
    const stack = [v];
    while (stack.length > 0) {
      const u = stack.pop()!;
      out.push(u);
      for (const c of this.clients(u)) {
        if (c.node === 'output') continue;
        const views = c.node.op.aliasMap?.().views ?? {};
        for (const [o, i] of Object.entries(views)) if (i === c.index) stack.push(c.node.outputs[Number(o)]);
      }
    }
    return out;
  }

  /**
   * The nodes other than `except` that read the memory of `v` (v or a view of it), not counting
   * the view-making ops themselves: the readers an op destroying `v` must wait for.
   */
  readersOf(v: Variable, except: Apply): Apply[] {
    const readers: Apply[] = [];
    for (const alias of this.aliasesOf(v)) {
      for (const c of this.clients(alias)) {
        if (c.node !== 'output' && c.node !== except && !this.isViewOf(c.node, alias)) readers.push(c.node);
      }
    }
    return readers;
  }

  /** The nodes that must run before `node`: its inputs' owners and, when it destroys an input,
   * every other reader of that input's memory. */
  dependencies(node: Apply): Apply[] {
    const deps = node.inputs.map((v) => v.owner).filter((n): n is Apply => n !== null && this.nodeSet.has(n));
    const destroys = node.op.aliasMap?.().destroys ?? {};
    for (const i of Object.values(destroys)) deps.push(...this.readersOf(node.inputs[i], node));
    return deps;
  }

  /** Is `node` a view-making reader of `v` (its outputs are aliases, not reads that end)? */
  private isViewOf(node: Apply, v: Variable): boolean {
    const views = node.op.aliasMap?.().views ?? {};
    return Object.values(views).some((i) => node.inputs[i] === v);
  }

  private cycleError(node: Apply): Error {
    const last = this.history[this.history.length - 1];
    return new Error(
      `FunctionGraph: a cycle through ${node.op.toString()} (built at ${node.trace})` +
        (last ? `, after rewrite ${last.rewrite} replaced ${last.replaced} by ${last.by}` : '') +
        '. A rewrite produced a variable that depends on what it replaced, or an in-place op destroys a value read later.',
    );
  }

  private clientsOf(v: Variable): Client[] {
    let list = this.clientMap.get(v);
    if (!list) {
      list = [];
      this.clientMap.set(v, list);
    }
    return list;
  }

  /** Add the nodes computing `root` that the graph does not hold yet; returns them. */
  private importVariable(root: Variable): Apply[] {
    const added: Apply[] = [];
    const stack: Variable[] = [root];
    const inputSet = new Set(this.inputs);
    while (stack.length > 0) {
      const v = stack.pop()!;
      this.clientsOf(v);
      const node = v.owner;
      if (!node || inputSet.has(v) || this.nodeSet.has(node)) {
        if (!node && !inputSet.has(v) && !isConstant(v) && !isShared(v)) throw this.missingInputError(v);
        continue;
      }
      this.nodeSet.add(node);
      added.push(node);
      for (const o of node.outputs) this.clientsOf(o);
      node.inputs.forEach((u, i) => {
        this.clientsOf(u).push({ node, index: i });
        stack.push(u);
      });
    }
    return added;
  }

  private missingInputError(v: Variable): Error {
    return new Error(
      `fn: the outputs depend on ${v.toString()} (${v.type.toString()}), which is not among the inputs ` +
        `[${this.inputs.map((u) => u.toString()).join(', ')}]. Add it to the inputs, or give it a value with givens.`,
    );
  }

  /** Remove `start` and, transitively, the nodes only it used, once nothing reads their outputs. */
  private pruneIfDead(start: Apply): void {
    const stack = [start];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (!this.nodeSet.has(node) || node.outputs.some((o) => this.clients(o).length > 0)) continue;
      this.nodeSet.delete(node);
      for (const o of node.outputs) this.clientMap.delete(o);
      node.inputs.forEach((u, i) => {
        const list = this.clientMap.get(u);
        if (list) {
          const at = list.findIndex((c) => c.node === node && c.index === i);
          if (at >= 0) list.splice(at, 1);
        }
        if (u.owner) stack.push(u.owner);
      });
    }
  }
}
