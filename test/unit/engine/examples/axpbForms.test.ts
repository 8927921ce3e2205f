// The seed's AXPB in its three CPU forms — TypeScript perform, expression string, C source —
// computes the same values (against a float64 reference, on js and cpu, strided inputs too),
// has the same gradients (verifyGrad, and equal to each other), answers shape questions without
// running, and two instances with equal props are one node after the merge rewrite.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import '../../../../engine/backends/cpu.ts';
import { AXPB, axpb } from '../../../../engine/examples/axpb.ts';
import { AXPB_C, axpbC } from '../../../../engine/examples/axpbC.ts';
import { axpbExpression } from '../../../../engine/examples/axpbExpression.ts';
import * as T from '../../../../engine/index.ts';
import { NDArray, type Variable } from '../../../../engine/index.ts';

const saved = process.env.LAB_CACHE_DIR;
beforeAll(() => {
  process.env.LAB_CACHE_DIR = mkdtempSync(join(tmpdir(), 'lab-axpb-forms-'));
});
afterAll(() => {
  if (saved === undefined) delete process.env.LAB_CACHE_DIR;
  else process.env.LAB_CACHE_DIR = saved;
});

const forms: [string, (x: Variable, a: number, b: number) => Variable, (op: T.Op) => boolean][] = [
  ['TypeScript', axpb, (op) => op instanceof AXPB],
  ['expression', axpbExpression, (op) => op instanceof T.ElementwiseExpr],
  ['C', axpbC, (op) => op instanceof AXPB_C],
];

describe.each(forms)('AXPB, %s form', (_name, build, isIt) => {
  it('computes a·x + b on js and cpu, strided input included', () => {
    const base = T.randn([3, 4], { seed: 11, dtype: 'float64' });
    const ref = (base.toNested() as number[][]).map((row) => row.map((v) => -1.5 * v + 0.25));
    const transposedRef = ref[0].map((_, j) => ref.map((row) => row[j]));
    for (const backend of ['js', 'cpu'] as const) {
      const x = T.matrix('x', 'float64');
      const f = T.fn([x], [build(x, -1.5, 0.25), build(T.transpose(x), -1.5, 0.25)], { backend });
      const [y, yt] = f(base) as NDArray[];
      expect(y.toNested()).toEqual(ref);
      expect(yt.toNested()).toEqual(transposedRef);
    }
  });

  it('its gradient passes verifyGrad and equals a·gz', () => {
    T.verifyGrad((x) => build(T.mul(x, x), 4, 5), [T.randn([3, 2], { seed: 1, dtype: 'float64' })]);
    const x = T.vector('x', 'float64');
    const w = NDArray.of([1, -2, 3], 'float64');
    const g = T.grad(T.sum(T.mul(build(x, 4, 5), T.constant(w))), x);
    expect((T.fn([x], g, { backend: 'cpu' })(NDArray.of([7, 8, 9], 'float64')) as NDArray).toFlat()).toEqual([
      4, -8, 12,
    ]);
  });

  it('two instances with equal props are one node after merge', () => {
    const x = T.vector('x', 'float64');
    const f = T.fn([x], T.add(build(x, 4, 5), build(x, 4, 5)), {
      backend: 'js',
      mode: { exclude: ['fusion'] },
    });
    expect(f.fgraph.toposort().filter((n) => isIt(n.op))).toHaveLength(1);
    expect((f(NDArray.of([1, -1], 'float64')) as NDArray).toFlat()).toEqual([18, 2]);
  });

  it('its output shape is known without computing it (inferShape: perform never runs)', () => {
    const x = T.matrix('x');
    const y = build(x, 4, 5);
    const perform = vi.spyOn(Object.getPrototypeOf(y.owner!.op) as T.Op, 'perform');
    const f = T.fn([x], T.shape(y), { backend: 'js' });
    expect((f(NDArray.zeros([7, 3])) as NDArray).toFlat()).toEqual([7, 3]);
    expect(perform).not.toHaveBeenCalled();
    perform.mockRestore();
  });
});
