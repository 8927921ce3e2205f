// Tie-heavy random composite graphs (randomGraph.ts: inputs drawn from {-1, -½, 0, ½, 1}, more
// max/min/maximum/minimum, and a last value stacked with itself and reduced by max or min), so
// equal values meet in the ops whose gradient depends on which one wins. Each seed is checked
// twice: js (float64) against cpu (float32), as every random graph, and the js gradients against
// recipeReference.ts, an independent float64 reverse-mode with PyTorch's tie conventions.
import { describe, it } from 'vitest';
import { runDifferential } from './harness.ts';
import { randomRecipe, recipeCase, recipeValues } from './randomGraph.ts';
import { expectReferenceGradients } from './recipeReference.ts';

const SEEDS = 40;

describe('tie-heavy random composite graphs', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}: js (float64) vs cpu (float32), and js gradients vs the float64 reference`, () => {
      const recipe = randomRecipe(seed, 12, true);
      const values = recipeValues(recipe, true);
      const name = `tie-heavy random graph ${seed}`;
      runDifferential(recipeCase(name, recipe, values));
      expectReferenceGradients(name, recipe, values);
    });
  }
});
