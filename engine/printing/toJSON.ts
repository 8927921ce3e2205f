// A graph as plain JSON for the renderer's graph view: variables and apply nodes as vertices,
// data flow as edges (variable → node for inputs, node → variable for outputs).
import { isConstant, isShared, type Apply, type Variable } from '../core/graph.ts';
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

export function toJSON(outputs: Variable | readonly Variable[]): GraphJSON {
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
    nodes.push({ id: aid, kind: 'apply', label: node.op.toString(), op: node.op.name, trace: node.trace });
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
