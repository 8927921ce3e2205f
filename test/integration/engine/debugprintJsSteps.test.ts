// debugprint marks the steps a backend really runs as JavaScript segments: the cpu backend
// bridges Fill to its native kernel although the program lowers it to `js`, while a user op
// with only a TypeScript perform (AXPB) stays a JavaScript segment.
import { describe, expect, it } from 'vitest';
import * as T from '../../../engine/index.ts';
import { AXPB } from '../../../engine/examples/axpb.ts';

function stepLines(backend: 'cpu' | 'js'): string[] {
  const x = T.matrix('x');
  const f = T.fn([x], [T.onesLike(x).mul(T.sum(x)), new AXPB(4, 5).apply(x)], { backend });
  f(T.NDArray.from([1, 2, 3, 4], [2, 2]));
  return f
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
});
