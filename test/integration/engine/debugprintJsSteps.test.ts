// debugprint (and toJSON, for the app's graph view) marks the steps a backend really runs as
// JavaScript segments: the cpu backend bridges Fill to its native kernel although the program
// lowers it to `js`, while a user op with only a TypeScript perform (AXPB) stays a JavaScript
// segment.
import { describe, expect, it } from 'vitest';
import * as T from '../../../engine/index.ts';
import { AXPB } from '../../../engine/examples/axpb.ts';

function compiled(backend: 'cpu' | 'js') {
  const x = T.matrix('x');
  const f = T.fn([x], [T.onesLike(x).mul(T.sum(x)), new AXPB(4, 5).apply(x).mul(2).add(1)], { backend });
  f(T.NDArray.from([1, 2, 3, 4], [2, 2]));
  return f;
}

function stepLines(backend: 'cpu' | 'js'): string[] {
  return compiled(backend)
    .debugprint()
    .split('\n')
    .filter((line) => /^ {2}\d+: /.test(line));
}

describe('debugprint of a compiled function', () => {
  it('marks only the steps the cpu backend runs in JavaScript', () => {
    const lines = stepLines('cpu');
    expect(lines.find((l) => l.includes('Fill{'))).not.toMatch(/\[js\]/);
    expect(lines.find((l) => l.includes('AXPB{a=4, b=5}'))).toMatch(/\[js\]/);
    expect(lines.find((l) => l.includes('Reduce{'))).toMatch(/\(reduce\)/);
  });

  it('falls back to the program’s own kernels for a backend without its own account', () => {
    const lines = stepLines('js');
    expect(lines.find((l) => l.includes('Fill{'))).toMatch(/\[js\]/);
    expect(lines.find((l) => l.includes('AXPB{a=4, b=5}'))).toMatch(/\[js\]/);
  });

  it('marks the same in the graph JSON, with fused composites, and only for the function as compiled', () => {
    const f = compiled('cpu');
    const applies = T.toJSON(f).nodes.filter((n) => n.kind === 'apply');
    const flagged = (flag: 'js' | 'composite') => applies.filter((n) => n.kind === 'apply' && n[flag]);
    expect(flagged('js').map((n) => n.label)).toEqual(['AXPB{a=4, b=5}']);
    expect(flagged('composite').length).toBeGreaterThan(0);
    // The symbolic graph, before rewrites: no composites, and nothing is said about backends.
    const symbolic = T.toJSON(f.fgraph.outputs).nodes;
    expect(symbolic.some((n) => n.kind === 'apply' && n.js)).toBe(false);
  });
});
