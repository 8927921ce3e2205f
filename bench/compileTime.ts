// The compile time of the unrolled learning-to-learn graph (quad_meta, unroll 20) on the cpu
// backend, split into its phases: building the graph and T.fn's rewrites, then lowering it to a
// native program and preparing that (`fn.prepare`, what the first call does before it runs).
// The first run's extra time over a steady run (first touch of the program's working memory) is
// printed apart: it is execution, not compilation. The engine keeps lowered programs in memory
// only, per compiled function, so a new process pays all of it again: "re-use in a new process"
// is the compile time until an on-disk program cache exists.
// A program that prints numbers (its own process, as a section of `npm run bench`).
import { loadNativeAddon } from '../native/addon.ts';
import { bytesPerElement } from '../engine/core/dtype.ts';
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
  w.fn.prepare(...w.nextInputs());
  const lowering = seconds(t);
  t = process.hrtime.bigint();
  w.run();
  const firstRun = seconds(t);
  const steady = medianSeconds(w.run, 2, 7);
  const temps = w.fn.lastProgram!.buffers.filter((b) => b.role === 'temp');
  const tempMiB = temps.reduce((sum, b) => sum + b.size * bytesPerElement(b.dtype), 0) / 2 ** 20;
  console.log('unrolled L2L graph (quad_meta, unroll 20), cpu backend, one thread:');
  console.log(`  graph + T.fn rewrites   ${fmt(build)}`);
  console.log(`  lowering + prepare      ${fmt(lowering)}`);
  console.log(`  compile time in all     ${fmt(build + lowering)} (goal ≤ 0.5 s)`);
  console.log(
    `  first run               ${fmt(firstRun)}, steady run ${fmt(steady)}: the first pays ${fmt(Math.max(0, firstRun - steady))} more (first touch of ${temps.length} temporaries, ${tempMiB.toFixed(1)} MiB)`,
  );
  console.log(
    `  re-use in a new process ${fmt(build + lowering)}: no on-disk program cache yet, a new process compiles again (goal ≤ 50 ms)`,
  );
}

main();
