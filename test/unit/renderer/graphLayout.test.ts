import { describe, expect, it } from 'vitest';
import * as T from '../../../engine/index.ts';
import { layoutGraph } from '../../../renderer/src/lib/graphLayout.ts';

describe('the graph view layout', () => {
  it('draws ops and leaves as boxes, intermediate values as edges, in data-flow order', () => {
    const x = T.vector('x');
    const W = T.shared(T.NDArray.from([1, 2, 3, 4], [2, 2]), 'W');
    const f = T.fn([x], T.sum(T.sigmoid(T.dot(W, x)).mul(2)), { backend: 'js' });
    f(T.NDArray.from([1, 1], [2]));
    const graph = T.toJSON(f);
    const layout = layoutGraph(graph);
    const applies = graph.nodes.filter((n) => n.kind === 'apply').length;
    const leaves = graph.nodes.filter(
      (n) => n.kind === 'input' || n.kind === 'shared' || n.kind === 'constant',
    ).length;
    expect(layout.nodes).toHaveLength(applies + leaves + graph.outputs.length);
    const byLabel = (pattern: RegExp) => layout.nodes.find((n) => pattern.test(n.label))!;
    // Data flows downwards: x and W above the product, the product above the sum, the output last.
    const dot = byLabel(/^(Dot|Gemv|Gemm)/);
    expect(byLabel(/^x$/).y).toBeLessThan(dot.y);
    expect(byLabel(/^W$/).y).toBeLessThan(dot.y);
    expect(byLabel(/^output 0$/).y).toBeGreaterThan(byLabel(/^Reduce/).y);
    // Every edge has a drawn path; edges between ops carry the value's type.
    expect(layout.edges.every((e) => e.points.length >= 2)).toBe(true);
    expect(layout.edges.some((e) => /float32/.test(e.label))).toBe(true);
    expect(layout.nodes.some((n) => n.kind === 'composite')).toBe(true);
    expect(layout.width).toBeGreaterThan(0);
  });

  it('cuts long op labels in the box and keeps them whole in the detail', () => {
    const x = T.vector('x');
    const long = T.tanh(T.exp(T.sigmoid(T.sqr(x.add(1).mul(3)))).sub(x.div(7)));
    const f = T.fn([x], long, { backend: 'js' });
    const layout = layoutGraph(T.toJSON(f));
    const composite = layout.nodes.find((n) => n.kind === 'composite')!;
    expect(composite.label.length).toBeLessThanOrEqual(48);
    expect(composite.detail.length).toBeGreaterThan(composite.label.length);
  });
});
