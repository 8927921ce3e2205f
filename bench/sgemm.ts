// The engine's single-thread sgemm at 1024³: one compiled T.dot on the given backend, timed per
// call (input binding and the fresh output array included, as a user sees it).
import * as T from '../engine/index.ts';
import type { Backend } from '../engine/backends/backend.ts';
import { medianSeconds } from './timing.ts';

export function sgemmGflops(backend: Backend, size = 1024): number {
  const a = T.matrix('a');
  const b = T.matrix('b');
  const product = T.fn([a, b], T.dot(a, b), { backend });
  const av = T.randn([size, size], { seed: 1 });
  const bv = T.randn([size, size], { seed: 2 });
  const seconds = medianSeconds(() => product(av, bv), 3, 15);
  return (2 * size ** 3) / seconds / 1e9;
}
