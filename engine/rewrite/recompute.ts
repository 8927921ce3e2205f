// recompute: a composite output that is an activation of another of its outputs — the LSTM's
// tanh(c), stored beside c — is not stored for the later composites that read it; they read c,
// which is stored anyway, and apply the activation themselves. On the unrolled L2L graph the
// forward cell wrote seven arrays per time step for the backward pass to read back from memory;
// it now writes six, and the backward cell computes tanh(c) from the c it reads instead of
// tanh(c). The same function of the same stored value gives the same bits, so results do not
// change.
import type { Apply, Variable } from '../core/graph.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';
import { Composite, type CompositeExpr } from '../ops/composite.ts';
import type { ScalarOpName } from '../ops/scalar.ts';
import { isBroadcastAgainst } from './fusion.ts';
import type { GraphRewrite } from './rewrite.ts';
import { fitsOneKernel, isComposite, mapInputs } from './siblingFusion.ts';
import { sameSymbolicShape } from './symbolicShape.ts';

/**
 * Activations worth computing again rather than storing and loading: straight-line lane code in
 * compiled composites (a polynomial and, for large inputs, one exponential and one division),
 * cheaper than a stored array's trip through memory on the sizes where memory is the bound.
 */
const RECOMPUTED: ReadonlySet<ScalarOpName> = new Set<ScalarOpName>(['tanh', 'sigmoid']);

/** A canonical text of an expression, so that equal subtrees built apart compare equal. */
function exprKey(e: CompositeExpr): string {
  if ('input' in e) return `i${e.input}`;
  if ('const' in e) return `c${e.const}:${e.dtype}`;
  return `${e.op}:${e.dtype ?? ''}(${e.args.map(exprKey).join(',')})`;
}

/** An output of `node` to stop storing: op(another output), read only by whole-size composites. */
interface Candidate {
  readonly stored: Variable; // the output no longer stored (tanh(c))
  readonly source: Variable; // the output it is computed from (c)
  readonly op: ScalarOpName;
  readonly readers: readonly Apply[];
}

function candidates(node: Apply, fgraph: FunctionGraph): Candidate[] {
  const exprs = (node.op as Composite).exprs;
  const keys = exprs.map(exprKey);
  const found: Candidate[] = [];
  exprs.forEach((e, k) => {
    if (!('op' in e) || e.args.length !== 1 || !RECOMPUTED.has(e.op) || e.dtype !== undefined) return;
    const j = keys.indexOf(exprKey(e.args[0]));
    if (j < 0 || j === k) return;
    const stored = node.outputs[k];
    const source = node.outputs[j];
    const clients = fgraph.clients(stored);
    const readers: Apply[] = [];
    for (const c of clients) {
      if (c.node === 'output' || !isComposite(c.node)) return;
      if (isBroadcastAgainst(stored, c.node.outputs[0]) || !sameSymbolicShape(stored, c.node.outputs[0]))
        return;
      if (!readers.includes(c.node)) readers.push(c.node);
    }
    // Only a gain where the source is stored for readers of its own: otherwise one stored array
    // would take the place of another.
    const sourceReaders = fgraph.clients(source);
    if (readers.length === 0 || sourceReaders.every((c) => c.node !== 'output' && readers.includes(c.node)))
      return;
    found.push({ stored, source, op: e.op, readers });
  });
  return found;
}

/** A reader's new composite and inputs: `source` read in place of `stored`, with `op` applied. */
interface Rewritten {
  readonly op: Composite;
  readonly inputs: readonly Variable[];
}

/** `reader` reading `source` in place of `stored`; null where that would not fit one kernel. */
function readingSource(reader: Apply, { stored, source, op }: Candidate): Rewritten | null {
  const inputs = reader.inputs.filter((v) => v !== stored);
  if (!inputs.includes(source)) inputs.push(source);
  const from = inputs.indexOf(source);
  const exprs = (reader.op as Composite).exprs.map((e) =>
    mapInputs(e, (i) => {
      const v = reader.inputs[i];
      return v === stored ? { op, args: [{ input: from }] } : { input: inputs.indexOf(v) };
    }),
  );
  if (!fitsOneKernel(exprs, inputs.length)) return null;
  return {
    op: new Composite(
      exprs,
      inputs.map((v) => v.dtype),
    ),
    inputs,
  };
}

/** Puts `to`'s node in place of `from`, output by output; returns the new node. */
function replaceNode(from: Apply, to: Rewritten, keep: readonly number[], fgraph: FunctionGraph): Apply {
  const outputs = to.op.makeNode(...to.inputs).outputs;
  outputs.forEach((o, n) => (o.name = from.outputs[keep[n]].name));
  fgraph.replaceAll(
    keep.map((k, n) => [from.outputs[k], outputs[n]] as const),
    'recompute',
  );
  return outputs[0].owner!;
}

const allOutputs = (node: Apply): number[] => node.outputs.map((_, k) => k);

/** `node` without its output `dropped` (which nothing reads any more). */
function withoutOutput(node: Apply, dropped: Variable, fgraph: FunctionGraph): Apply {
  const keep = allOutputs(node).filter((k) => node.outputs[k] !== dropped);
  const exprs = (node.op as Composite).exprs;
  const op = new Composite(
    keep.map((k) => exprs[k]),
    node.inputs.map((v) => v.dtype),
  );
  return replaceNode(node, { op, inputs: node.inputs }, keep, fgraph);
}

export const recompute: GraphRewrite = {
  name: 'recompute',
  applyGraph(fgraph: FunctionGraph): void {
    // The order, with each rewritten reader put in its old place: it may hold candidates too.
    const order = [...fgraph.toposort()];
    for (let at = 0; at < order.length; at++) {
      let node = order[at];
      if (!fgraph.has(node) || !isComposite(node)) continue;
      const tried = new Set<Variable>(); // outputs whose readers could not take the activation
      for (;;) {
        const candidate = candidates(node, fgraph).find((c) => !tried.has(c.stored));
        if (!candidate) break;
        const rewritten = candidate.readers.map((r) => readingSource(r, candidate));
        if (rewritten.some((r) => r === null)) {
          tried.add(candidate.stored);
          continue;
        }
        candidate.readers.forEach((r, k) => {
          const replaced = replaceNode(r, rewritten[k]!, allOutputs(r), fgraph);
          const slot = order.indexOf(r);
          if (slot >= 0) order[slot] = replaced;
        });
        node = order[at] = withoutOutput(node, candidate.stored, fgraph);
      }
    }
  },
};
