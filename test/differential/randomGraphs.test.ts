// Random composite graphs (randomGraph.ts), forward and gradients: js float64 vs cpu float32, and
// the js gradients vs an independent float64 reverse-mode (recipeReference.ts).
import { describe, it } from 'vitest';
import { runDifferential } from './harness.ts';
import { randomRecipe, recipeCase, recipeValues } from './randomGraph.ts';
import { expectReferenceGradients } from './recipeReference.ts';

const SEEDS = 60;

describe('random composite graphs agree between js (float64) and cpu (float32)', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}`, () => {
      const recipe = randomRecipe(seed);
      const values = recipeValues(recipe);
      runDifferential(recipeCase(`random graph ${seed}`, recipe, values));
      expectReferenceGradients(`random graph ${seed}`, recipe, values);
    });
  }
});
