// The compile time of the unrolled learning-to-learn graph (quad_meta, unroll 20) on the cpu
// backend, split into its phases: building the graph and T.fn's rewrites, then the first call's
// lowering to a native program (the first call minus a steady-state call). The engine keeps
// lowered programs in memory only, per compiled function, so a new process pays all of it again:
// "re-use in a new process" is this same number until an on-disk program cache exists.
// A program that prints numbers (its own process, as a section of `npm run bench`).
import { loadNativeAddon } from '../native/addon.ts';
import { cpuBackend, cpuBackendAvailable } from '../engine/backends/cpu/index.ts';
import { fmt, medianSeconds } from './timing.ts';
import { quadMeta } from './workloads/quadMeta.ts';

const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;

function main(): void {
  if (!cpuBackendAvailable()) {
    loadNativeAddon(); // throws the addon's own message (not built, or failed to load)
  }
  loadNativeAddon().setThreads(1);
  let t = process.hrtime.bigint();
  const w = quadMeta(cpuBackend);
  const build = seconds(t);
  t = process.hrtime.bigint();
  w.run();
  const firstCall = seconds(t);
  const steady = medianSeconds(w.run, 2, 7);
  const lowering = Math.max(0, firstCall - steady);
  console.log('unrolled L2L graph (quad_meta, unroll 20), cpu backend, one thread:');
  console.log(`  graph + T.fn rewrites   ${fmt(build)}`);
  console.log(
    `  first-call lowering     ${fmt(lowering)} (first call ${fmt(firstCall)} − steady call ${fmt(steady)})`,
  );
  console.log(`  compile time in all     ${fmt(build + lowering)} (goal ≤ 0.5 s)`);
  console.log(
    `  re-use in a new process ${fmt(build + lowering)}: no on-disk program cache yet, a new process compiles again (goal ≤ 50 ms)`,
  );
}

main();
