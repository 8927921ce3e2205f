// mnist_meta's backward pass runs as one row-block chain on one thread — each time step's weight
// gradients a product of their own (engine/rewrite/gemm.ts), the steps over the 15,910-float
// parameter gradient run before it (engine/compile/schedule.ts) — and keeps the bits of the same
// program run without chains: on two threads every step runs over all its rows, and the kernels
// sum in the same order on any thread count.
import { describe, expect, it } from 'vitest';
import { recordingCpu } from '../../../engine/backends/cpu/recording.ts';
import { mnistMeta } from '../../../bench/workloads/mnistMeta.ts';
import { loadNativeAddon } from '../../../native/addon.ts';

/** Three meta-iterations on `threads` threads: their losses, the trained weights and the longest
 * row-block chain the program ran. */
function threeIterations(threads: number) {
  const addon = loadNativeAddon();
  addon.setThreads(threads);
  const { backend, prepared } = recordingCpu();
  const w = mnistMeta(backend);
  w.run();
  addon.waitForCompiledComposites();
  w.restart();
  const values = [0, 1, 2].map(() => Array.from(w.run().data));
  for (const [, p] of w.params) values.push(Array.from(p.get().data));
  return { values, longestChain: Math.max(...prepared[0].rowChains()) };
}

describe('mnist_meta on one thread', () => {
  it('runs its backward pass as one row-block chain, with the bits of its steps run apart', () => {
    const addon = loadNativeAddon();
    const before = addon.getThreads();
    try {
      const chained = threeIterations(1);
      const apart = threeIterations(2);
      // 19 of the 20 time steps, ~12 steps each
      expect(chained.longestChain).toBeGreaterThanOrEqual(200);
      expect(apart.longestChain).toBe(0);
      const differing = chained.values.findIndex((v, i) =>
        v.some((x, j) => !Object.is(x, apart.values[i][j])),
      );
      expect(differing).toBe(-1);
    } finally {
      addon.setThreads(before);
    }
  }, 180_000);
});
