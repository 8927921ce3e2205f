import { describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { Dense } from '../../../../engine/nn/dense.ts';
import { Dropout } from '../../../../engine/nn/dropout.ts';
import { Sequential } from '../../../../engine/nn/sequential.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { matrix } from '../../../../engine/tensor.ts';

const shape = [200, 50];
const ones = NDArray.full(shape, 1, 'float64');

function trainStep(drop: Dropout) {
  const x = matrix('x', 'float64', shape);
  return fn([x], drop.forward(x), { backend: 'js', updates: drop.stateUpdates() });
}

describe('Dropout', () => {
  it('zeroes about p of the elements and scales survivors by 1/(1-p)', () => {
    const out = (trainStep(new Dropout({ p: 0.3, rng: new Rng(1) }))(ones) as NDArray).toFlat();
    const kept = out.filter((v) => v !== 0);
    expect(new Set(kept.map((v) => v.toFixed(12)))).toEqual(new Set([(1 / 0.7).toFixed(12)]));
    // 10,000 Bernoulli(0.7) draws: std of the kept fraction is 0.0046, so ±0.02 is > 4 sigma.
    expect(Math.abs(kept.length / out.length - 0.7)).toBeLessThan(0.02);
    // Inverted dropout keeps the expectation.
    expect(Math.abs(out.reduce((s, v) => s + v, 0) / out.length - 1)).toBeLessThan(0.03);
  });

  it('draws a fresh mask every step, reproducibly from the seed', () => {
    const masks = (seed: number) => {
      const drop = new Dropout({ rng: new Rng(seed) });
      const step = trainStep(drop);
      const a = (step(ones) as NDArray).toFlat();
      const b = (step(ones) as NDArray).toFlat();
      expect(drop.step.get().toFlat()).toEqual([2]);
      return [a, b];
    };
    const [a1, b1] = masks(5);
    const [a2, b2] = masks(5);
    expect(a1).not.toEqual(b1);
    expect(a1).toEqual(a2);
    expect(b1).toEqual(b2);
    expect(masks(6)[0]).not.toEqual(a1);
  });

  it('is the identity in eval mode and for p = 0, and needs a static shape in training', () => {
    const drop = new Dropout({ p: 0.5, rng: new Rng(2) });
    const x = matrix('x', 'float64');
    drop.eval();
    expect(drop.forward(x)).toBe(x);
    expect(drop.stateUpdates()).toEqual([]);
    expect(new Dropout({ p: 0, rng: new Rng(0) }).forward(x)).toBe(x);
    drop.train();
    expect(() => drop.forward(x)).toThrow(/needs a static shape/);
    expect(() => new Dropout({ p: 1, rng: new Rng(0) })).toThrow(/p must be in \[0, 1\)/);
  });

  it('has its counter collected from a containing module', () => {
    const rng = new Rng(3);
    const seq = new Sequential(
      2,
      (name, i) => (i === 0 ? new Dense(4, 4, { name, rng }) : new Dropout({ name, rng, p: 0.2 })),
      { name: 'net' },
    );
    expect(seq.stateUpdates().map(([s]) => s.name)).toEqual(['net.1.step']);
    expect(seq.parameters().map((p) => p.name)).toEqual(['net.0.W', 'net.0.b']);
  });
});
