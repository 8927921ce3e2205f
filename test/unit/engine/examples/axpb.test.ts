import { describe, expect, it, vi } from 'vitest';
import { AXPB, axpb } from '../../../../engine/examples/axpb.ts';
import * as T from '../../../../engine/index.ts';
import { NDArray } from '../../../../engine/index.ts';

describe('AXPB, the user-op example', () => {
  it('two AXPB(4, 5) are equal, hash equally and print as AXPB{a=4, b=5}', () => {
    const p = new AXPB(4, 5);
    const q = new AXPB(4, 5);
    expect(p).not.toBe(q);
    expect(p.equals(q)).toBe(true);
    expect(p.hash()).toBe(q.hash());
    expect(p.toString()).toBe('AXPB{a=4, b=5}');
    expect(p.equals(new AXPB(5, 4))).toBe(false);
    expect(p.hash()).not.toBe(new AXPB(5, 4).hash());
  });

  it('computes a·x + b on any strides; debugprint shows the op', () => {
    const x = T.matrix('x', 'float64');
    const f = T.fn([x], axpb(x, 4, 5), { backend: 'js' });
    const base = NDArray.of(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      'float64',
    );
    const transposed = new NDArray(base.data, [3, 2], [1, 3]);
    expect((f(transposed) as NDArray).toNested()).toEqual([
      [9, 21],
      [13, 25],
      [17, 29],
    ]);
    expect(T.debugprint(axpb(x, 4, 5))).toContain('AXPB{a=4, b=5}');
  });

  it('equal ops on the same input merge into one node when compiled', () => {
    const x = T.vector('x', 'float64');
    const f = T.fn([x], T.add(axpb(x, 4, 5), axpb(x, 4, 5)), { backend: 'js' });
    expect(f.fgraph.toposort().filter((n) => n.op instanceof AXPB)).toHaveLength(1);
    expect((f(NDArray.of([1, -1], 'float64')) as NDArray).toFlat()).toEqual([18, 2]);
  });

  it('its gradient passes verifyGrad', () => {
    T.verifyGrad((x) => axpb(T.mul(x, x), 4, 5), [T.randn([3, 2], { seed: 1, dtype: 'float64' })]);
  });

  it('inferShape answers shape questions: perform never runs for T.shape of its output', () => {
    const perform = vi.spyOn(AXPB.prototype, 'perform');
    const x = T.matrix('x');
    const f = T.fn([x], T.shape(axpb(x, 4, 5)), { backend: 'js' });
    expect((f(NDArray.zeros([7, 3])) as NDArray).toFlat()).toEqual([7, 3]);
    expect(perform).not.toHaveBeenCalled();
    perform.mockRestore();
  });

  it('a wrong input names the op, the input and the line that built it', () => {
    expect(() => axpb(T.vector('i', 'int32'), 4, 5)).toThrow(
      /AXPB\{a=4, b=5\}: needs a float tensor, got i: int32\(\?,\)[\s\S]*axpb\.test\.ts:\d+/,
    );
  });
});
