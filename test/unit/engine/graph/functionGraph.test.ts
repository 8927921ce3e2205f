import { describe, expect, it } from 'vitest';
import { FunctionGraph } from '../../../../engine/graph/functionGraph.ts';
import { add, exp, log, mul } from '../../../../engine/ops/math.ts';
import { matrix, vector } from '../../../../engine/tensor.ts';

const x = matrix('x', 'float64');
const y = matrix('y', 'float64');

describe('FunctionGraph', () => {
  it('clones the user’s graph, so rewiring never touches it', () => {
    const e = exp(x);
    const out = add(e, y);
    const fg = FunctionGraph.fromUserGraph([x, y], [out]);
    expect(fg.outputs[0]).not.toBe(out);
    const cloneAdd = fg.outputs[0].owner!;
    fg.replace(cloneAdd.inputs[0], log(x), 'test');
    expect(out.owner!.inputs[0]).toBe(e);
    expect(fg.toposort().map((n) => n.op.toString())).toEqual(['Elemwise{log}', 'Elemwise{add}']);
  });

  it('tracks clients, prunes what nothing reads any more (dead code), and keeps a history', () => {
    const e = exp(exp(x));
    const fg = FunctionGraph.fromUserGraph([x, y], [mul(e, y)]);
    const cloneE = fg.outputs[0].owner!.inputs[0];
    expect(fg.clients(cloneE)).toHaveLength(1);
    expect(fg.nodes.size).toBe(3);
    fg.replace(cloneE, y, 'dropExp');
    expect(fg.nodes.size).toBe(1);
    expect(fg.clients(y)).toHaveLength(2);
    expect(fg.history.map(({ rewrite, replaced, by }) => ({ rewrite, replaced, by }))).toEqual([
      { rewrite: 'dropExp', replaced: 'Elemwise{exp}.out', by: 'y' },
    ]);
  });

  it('refuses a replacement of another type, naming the rewrite', () => {
    const fg = FunctionGraph.fromUserGraph([x], [exp(x)]);
    expect(() => fg.replace(fg.outputs[0], vector('v', 'float64'), 'badRewrite')).toThrow(
      /rewrite badRewrite: cannot replace .* with v \(float64\(\?,\)\)/,
    );
  });

  it('detects a cycle a rewrite introduced', () => {
    const fg = FunctionGraph.fromUserGraph([x], [exp(exp(x))]);
    const inner = fg.outputs[0].owner!.inputs[0];
    fg.replace(inner, exp(fg.outputs[0]), 'loop');
    expect(() => fg.toposort()).toThrow(/cycle .* after rewrite loop/);
  });

  it('rejects inputs that are not free variables', () => {
    expect(() => FunctionGraph.fromUserGraph([exp(x)], [x])).toThrow(/computed by a node/);
  });
});
