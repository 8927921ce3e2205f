// A compiled function's graph laid out for reading: apply nodes (ops, fused composites, transfers,
// JavaScript steps) and the graph's leaves (inputs, shared variables, constants) as boxes; the
// intermediate variables between two ops become the edges' labels, as Theano's pydotprint drew
// them. Dagre lays it out top to bottom in data-flow order.
import type { GraphJson, GraphNode } from '../../../main/api/labApi.ts';
import { layoutDag } from './dagLayout.ts';

export type BoxKind = 'op' | 'composite' | 'js' | 'transfer' | 'input' | 'shared' | 'constant' | 'output';

export interface LaidOutNode {
  id: string;
  kind: BoxKind;
  label: string;
  detail: string;
  node: GraphNode | null;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidOutEdge {
  from: string;
  to: string;
  label: string;
  points: { x: number; y: number }[];
}

export interface GraphLayout {
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
  width: number;
  height: number;
}

const charWidth = 6.6;

function boxKind(node: GraphNode): BoxKind {
  if (node.kind !== 'apply') return node.kind === 'variable' ? 'op' : node.kind;
  if (node.transfer) return 'transfer';
  if (node.js) return 'js';
  if (node.composite) return 'composite';
  return 'op';
}

/** Op labels can be long (a composite's whole expression): cut for the box, whole in the detail. */
function shorten(label: string, max = 48): string {
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

export function layoutGraph(graph: GraphJson): GraphLayout {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const producers = new Map<string, string>(); // variable id → apply id
  const consumers = new Map<string, { apply: string; index: number }[]>();
  for (const edge of graph.edges) {
    const from = byId.get(edge.from);
    if (from?.kind === 'apply') producers.set(edge.to, edge.from);
    else
      consumers.set(edge.from, [...(consumers.get(edge.from) ?? []), { apply: edge.to, index: edge.index }]);
  }

  const boxes = new Map<string, Omit<LaidOutNode, 'x' | 'y'>>();
  const addBox = (box: Omit<LaidOutNode, 'x' | 'y' | 'width' | 'height'>) => {
    const width = Math.max(56, Math.ceil(box.label.length * charWidth) + 20);
    boxes.set(box.id, { ...box, width, height: 28 });
  };

  for (const node of graph.nodes) {
    if (node.kind === 'apply') {
      addBox({ id: node.id, kind: boxKind(node), label: shorten(node.label), detail: node.label, node });
    } else if (node.kind !== 'variable') {
      addBox({
        id: node.id,
        kind: node.kind,
        label: shorten(node.label, 32),
        detail: `${node.label}: ${node.type ?? ''}`,
        node,
      });
    }
  }
  graph.outputs.forEach((id, i) => {
    addBox({
      id: `out:${id}`,
      kind: 'output',
      label: `output ${i}`,
      detail: byId.get(id)?.type ?? '',
      node: byId.get(id) ?? null,
    });
  });

  const links: { from: string; to: string; label: string }[] = [];
  for (const [variable, uses] of consumers) {
    const v = byId.get(variable);
    // An intermediate value: the edge runs from the op that made it; a leaf is its own box.
    const source = v?.kind === 'variable' ? producers.get(variable) : variable;
    if (!source) continue;
    for (const use of uses)
      links.push({ from: source, to: use.apply, label: v?.kind === 'variable' ? (v.type ?? '') : '' });
  }
  graph.outputs.forEach((id) => {
    const source = byId.get(id)?.kind === 'variable' ? producers.get(id) : id;
    if (source) links.push({ from: source, to: `out:${id}`, label: byId.get(id)?.type ?? '' });
  });

  const laid = layoutDag([...boxes.values()], links);
  const nodes = [...boxes.values()].map((box) => ({ ...box, ...laid.positions.get(box.id)! }));
  const edges = links.map((link, i) => ({ ...link, points: laid.edges[i] }));
  return { nodes, edges, width: laid.width, height: laid.height };
}
