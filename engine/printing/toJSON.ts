// A graph as plain JSON for the renderer's graph view: variables and apply nodes as vertices,
// data flow as edges (variable → node for inputs, node → variable for outputs). For a compiled
// function it is the rewritten graph the backend runs, each apply node marked as the backend
// runs it: a fused elementwise composite, a host↔device transfer, or a step run as JavaScript.
import { JS_KERNEL } from '../compile/program.ts';
import { isConstant, isShared, type Apply, type Variable } from '../core/graph.ts';
import { Composite } from '../ops/composite.ts';
import { isTransfer } from '../rewrite/placement.ts';
import type { PrintableFunction } from './debugprint.ts';
import { leafLabel } from './labels.ts';

export type GraphVertex =
  | {
      readonly id: string;
      readonly kind: 'input' | 'constant' | 'shared' | 'variable';
      readonly label: string;
      readonly type: string;
    }
  | {
      readonly id: string;
      readonly kind: 'apply';
      readonly label: string;
      readonly op: string;
      readonly trace: string;
      /** Compiled functions only: the backend runs this node's step as JavaScript (no native kernel). */
      readonly js?: boolean;
      /** Compiled functions only: a host↔device transfer. */
      readonly transfer?: boolean;
      /** A fused elementwise kernel (several scalar ops in one loop). */
      readonly composite?: boolean;
    };

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** Input position (variable → node) or output position (node → variable). */
  readonly index: number;
}

export interface GraphJSON {
  readonly nodes: GraphVertex[];
  readonly edges: GraphEdge[];
  /** Ids of the output variables, in order. */
  readonly outputs: string[];
}

function isCompiled(x: unknown): x is PrintableFunction {
  return typeof x === 'function' && 'fgraph' in x;
}

/** The apply nodes whose program steps this function's backend runs as JavaScript (after its last call). */
function jsNodes(f: PrintableFunction): Set<Apply> {
  const steps = f.lastProgram?.steps ?? [];
  const jsSteps = f.lastExecutable?.jsSteps;
  return new Set(
    steps
      .filter((step, i) => (jsSteps ? jsSteps[i] : step.kernel === JS_KERNEL) && step.node)
      .map((step) => step.node!),
  );
}

export function toJSON(target: Variable | readonly Variable[] | PrintableFunction): GraphJSON {
  const compiled = isCompiled(target) ? target : undefined;
  const outputs = compiled ? compiled.fgraph.outputs : (target as Variable | readonly Variable[]);
  const runsInJs = compiled ? jsNodes(compiled) : new Set<Apply>();
  const roots = Array.isArray(outputs) ? (outputs as readonly Variable[]) : [outputs as Variable];
  const nodes: GraphVertex[] = [];
  const edges: GraphEdge[] = [];
  const seenVariables = new Set<Variable>();
  const seenApplies = new Set<Apply>();
  const vid = (v: Variable): string => `v${v.id}`;

  const stack = [...roots];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (seenVariables.has(v)) continue;
    seenVariables.add(v);
    const kind = isConstant(v) ? 'constant' : isShared(v) ? 'shared' : v.owner ? 'variable' : 'input';
    nodes.push({ id: vid(v), kind, label: v.owner ? v.toString() : leafLabel(v), type: v.type.toString() });
    const node = v.owner;
    if (!node || seenApplies.has(node)) continue;
    seenApplies.add(node);
    const aid = `n${node.outputs[0].id}`;
    nodes.push({
      id: aid,
      kind: 'apply',
      label: node.op.toString(),
      op: node.op.name,
      trace: node.trace,
      ...(node.op instanceof Composite ? { composite: true } : {}),
      ...(compiled && isTransfer(node.op) ? { transfer: true } : {}),
      ...(compiled && runsInJs.has(node) ? { js: true } : {}),
    });
    node.outputs.forEach((o, i) => {
      edges.push({ from: aid, to: vid(o), index: i });
      stack.push(o);
    });
    node.inputs.forEach((u, i) => {
      edges.push({ from: vid(u), to: aid, index: i });
      stack.push(u);
    });
  }
  return { nodes, edges, outputs: roots.map(vid) };
}
