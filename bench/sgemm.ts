// The engine's single-thread sgemm at 1024³: one compiled T.dot on the given backend, timed per
// call (input binding and the fresh output array included, as a user sees it): the median call's
// rate and the fastest call's.
import * as T from '../engine/index.ts';
import type { Backend } from '../engine/backends/backend.ts';
import { median, timedCalls } from './timing.ts';

export interface SgemmRate {
  /** GFLOP/s of the median call: the figure printed beside PyTorch's. */
  gflops: number;
  /** GFLOP/s of the fastest call: the machine's peak for this product, what a floor is built on
   * (a shared machine's other load only ever slows a call down). */
  peakGflops: number;
}

export function sgemmGflops(backend: Backend, size = 1024): SgemmRate {
  const a = T.matrix('a');
  const b = T.matrix('b');
  const product = T.fn([a, b], T.dot(a, b), { backend });
  const av = T.randn([size, size], { seed: 1 });
  const bv = T.randn([size, size], { seed: 2 });
  const times = timedCalls(() => product(av, bv), 3, 15);
  const flops = 2 * size ** 3;
  return { gflops: flops / median(times) / 1e9, peakGflops: flops / Math.min(...times) / 1e9 };
}
