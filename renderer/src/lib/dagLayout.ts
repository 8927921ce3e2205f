// A directed acyclic graph laid out top to bottom with dagre: boxes of given sizes, edges as
// polylines. The compiled-graph view and the roadmap graph both draw with it.
import dagre from '@dagrejs/dagre';

export interface DagNodeInput {
  id: string;
  width: number;
  height: number;
}

export interface DagEdgeInput {
  from: string;
  to: string;
}

export interface DagLayout {
  /** Top-left corner of each box. */
  positions: Map<string, { x: number; y: number }>;
  /** Each edge's polyline, in the order the edges were given. */
  edges: { x: number; y: number }[][];
  width: number;
  height: number;
}

export function layoutDag(
  nodes: readonly DagNodeInput[],
  edges: readonly DagEdgeInput[],
  spacing: { nodes?: number; ranks?: number } = {},
): DagLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({
    rankdir: 'TB',
    nodesep: spacing.nodes ?? 24,
    ranksep: spacing.ranks ?? 36,
    marginx: 16,
    marginy: 16,
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) g.setNode(node.id, { width: node.width, height: node.height });
  edges.forEach((edge, i) => g.setEdge(edge.from, edge.to, {}, `e${i}`));
  dagre.layout(g);
  const positions = new Map(
    nodes.map((node) => {
      const placed = g.node(node.id);
      return [node.id, { x: placed.x - node.width / 2, y: placed.y - node.height / 2 }];
    }),
  );
  const drawn = edges.map((edge, i) =>
    (g.edge(edge.from, edge.to, `e${i}`)?.points ?? []).map((p: { x: number; y: number }) => ({
      x: p.x,
      y: p.y,
    })),
  );
  const size = g.graph();
  return { positions, edges: drawn, width: size.width ?? 0, height: size.height ?? 0 };
}
