import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import { transpose } from '../../../../engine/ops/dimshuffle.ts';
import { dot } from '../../../../engine/ops/linalg.ts';
import { add, exp, mul, sigmoid } from '../../../../engine/ops/math.ts';
import { debugprint } from '../../../../engine/printing/debugprint.ts';
import { pprint } from '../../../../engine/printing/pprint.ts';
import { toJSON } from '../../../../engine/printing/toJSON.ts';
import { constant, matrix, shared } from '../../../../engine/tensor.ts';

const x = matrix('x');
const y = matrix('y');

describe('debugprint', () => {
  it('prints a tree with ids, a shared subtree once and then by id, types on request', () => {
    const e = exp(x);
    const text = debugprint(add(e, mul(e, y)), { types: true });
    expect(text.split('\n')).toEqual([
      'Elemwise{add} [id A] <float32(?, ?)>',
      ' |Elemwise{exp} [id B] <float32(?, ?)>',
      ' | |x [id C] <float32(?, ?)>',
      ' |Elemwise{mul} [id D] <float32(?, ?)>',
      ' | |Elemwise{exp} [id B] <float32(?, ?)>',
      ' | |y [id E] <float32(?, ?)>',
    ]);
  });

  it('prints a compiled function’s graph, its updates and its program with shapes', () => {
    const W = shared(
      NDArray.of([
        [1, 2],
        [3, 4],
      ]),
      'W',
    );
    const f = fn([x], sigmoid(dot(x, W)), { updates: [[W, mul(W, 2)]] });
    expect(f.debugprint()).toContain('not run yet');
    f(NDArray.of([[1, 0]]));
    const text = f.debugprint({ shapes: true });
    expect(text).toContain('update W:');
    expect(text).toMatch(/Gemm\{alpha=1, beta=0, transA=false, transB=false\} \[id \w+\] \(1, 2\)/);
    expect(text).toMatch(/b\d+: shared 0 float32\[4\]/);
    expect(text).toMatch(/0: Gemm\{.*\} \(gemm\) {2}b\d+\(1, 2\), b\d+\(2, 2\) -> b\d+\(1, 2\)/);
  });
});

describe('pprint', () => {
  it('prints infix arithmetic and calls', () => {
    expect(pprint(add(x, mul(constant(2), y)))).toBe('(x + (2.0 * y))');
    const W = matrix('W');
    expect(pprint(sigmoid(dot(x, W)))).toBe('sigmoid(dot(x, W))');
    expect(pprint(dot(transpose(x), y))).toBe('dot(x.T, y)');
  });
});

describe('toJSON', () => {
  it('lists variables and apply nodes with edges both ways', () => {
    const out = exp(add(x, y));
    const graph = toJSON(out);
    const applies = graph.nodes.filter((n) => n.kind === 'apply').map((n) => n.label);
    expect(applies.sort()).toEqual(['Elemwise{add}', 'Elemwise{exp}']);
    expect(
      graph.nodes
        .filter((n) => n.kind === 'input')
        .map((n) => n.label)
        .sort(),
    ).toEqual(['x', 'y']);
    expect(graph.edges).toHaveLength(5);
    expect(graph.outputs).toEqual([`v${out.id}`]);
    expect(JSON.parse(JSON.stringify(graph))).toEqual(graph);
  });
});
