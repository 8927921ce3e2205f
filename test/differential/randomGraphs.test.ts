// Random composite graphs (randomGraph.ts), forward and gradients: js float64 vs cpu float32.
import { describe, it } from 'vitest';
import { runDifferential } from './harness.ts';
import { randomGraphCase } from './randomGraph.ts';

const SEEDS = 60;

describe('random composite graphs agree between js (float64) and cpu (float32)', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}`, () => {
      runDifferential(randomGraphCase(seed));
    });
  }
});
