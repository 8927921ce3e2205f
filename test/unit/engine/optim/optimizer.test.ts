import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { createOptimizer, optimizerKinds, Adam, SGD } from '../../../../engine/optim/index.ts';
import { shared, vector } from '../../../../engine/tensor.ts';

describe('optimizer state and checks', () => {
  it('names state after the optimizer, the parameter and the slot, and reuses it', () => {
    const w = shared(NDArray.zeros([3], 'float64'), 'mlp.0.b');
    const g = vector('g', 'float64');
    const adam = new Adam();
    const first = adam.updates([w], [g]);
    expect(first.map(([s]) => s.name)).toEqual(['adam.step', 'mlp.0.b', 'adam.mlp.0.b.m', 'adam.mlp.0.b.v']);
    const second = adam.updates([w], [g]);
    // Same state variables: a second compiled function continues the same moments.
    expect(second.map(([s]) => s)).toEqual(first.map(([s]) => s));
    expect(adam.state().map((s) => s.name)).toEqual(['adam.step', 'adam.mlp.0.b.m', 'adam.mlp.0.b.v']);
    expect(adam.state()[1].get().dtype).toBe('float64');
  });

  it('plain SGD has no state and no step counter', () => {
    const w = shared(NDArray.zeros([2]), 'w');
    const sgd = new SGD({ lr: 0.1 });
    expect(sgd.updates([w], [vector('g')]).map(([s]) => s.name)).toEqual(['w']);
    expect(sgd.state()).toEqual([]);
  });

  it('explains mismatched or unnamed parameters', () => {
    const w = shared(NDArray.zeros([2]), 'w');
    expect(() => new Adam().updates([w], [])).toThrow(/1 parameters but 0 gradients/);
    expect(() => new Adam().updates([w], [vector('g', 'float64')])).toThrow(/does not match parameter w/);
    expect(() => new Adam().updates([shared(NDArray.zeros([2]))], [vector('g')])).toThrow(/has no name/);
    expect(() => new Adam({ weightDecay: -1 })).toThrow(/weightDecay must be ≥ 0/);
  });

  it('builds every kind by name', () => {
    for (const kind of optimizerKinds) expect(createOptimizer(kind).name).toBe(kind);
    expect(() => createOptimizer('adamw' as 'adam')).toThrow(/unknown optimizer "adamw"/);
  });
});
