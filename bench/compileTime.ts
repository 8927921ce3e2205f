// The compile time of the unrolled learning-to-learn graph (quad_meta, unroll 20) on the cpu
// backend, split into its phases: building the graph and its gradient (the user's code), T.fn
// (its rewrites), then lowering to a native program and preparing it (`fn.prepare`, what the
// first call does before it runs). The first run's extra time over a steady run (first touch of
// the program's working memory) is printed apart: it is execution, not compilation.
// Each figure comes from a new process: one with the on-disk program cache off, one that fills
// an empty cache, five that find their program there (re-use in a new process, their median:
// T.fn, the lookup and preparing the cached program; the graph is still built by the user's code).
// A program that prints numbers (its own process, as a section of `npm run bench`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNativeAddon } from '../native/addon.ts';
import { bytesPerElement } from '../engine/core/dtype.ts';
import { cpuBackend, cpuBackendAvailable } from '../engine/backends/cpu/index.ts';
import { fmt, medianSeconds } from './timing.ts';
import { quadMeta } from './workloads/quadMeta.ts';

interface Phases {
  readonly graph: number;
  readonly fn: number;
  readonly lowering: number;
  readonly firstRun: number;
  readonly steady: number;
  readonly temps: number;
  readonly tempMiB: number;
  /** The first run's meta-loss: a cached program must compute the same. */
  readonly loss: number;
  readonly fromCache: boolean;
}

const REUSE_RUNS = 5;

const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;

/** One compile of quad_meta in this process, by phase. */
function measure(): Phases {
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
  const loss = w.run().toFlat()[0];
  const firstRun = seconds(t);
  const steady = medianSeconds(w.run, 2, 7);
  const temps = w.fn.lastProgram!.buffers.filter((b) => b.role === 'temp');
  return {
    graph: build - w.fnSeconds,
    fn: w.fnSeconds,
    lowering,
    firstRun,
    steady,
    temps: temps.length,
    tempMiB: temps.reduce((sum, b) => sum + b.size * bytesPerElement(b.dtype), 0) / 2 ** 20,
    loss,
    fromCache: w.fn.lastProgram!.steps.every((s) => s.node === null),
  };
}

/** `measure()` in a new process with these environment variables. */
function inChild(env: Record<string, string>): Phases {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`compile-time child failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Phases;
}

function main(): void {
  const cacheDir = mkdtempSync(join(tmpdir(), 'lab-program-cache-'));
  try {
    const cold = inChild({ LAB_PROGRAM_CACHE: 'off' });
    const filling = inChild({ LAB_PROGRAM_CACHE: 'on', LAB_PROGRAM_CACHE_DIR: cacheDir });
    // Re-use is short, so one process's GC pause or a noisy neighbour moves it by half: the
    // median of REUSE_RUNS processes, with their range.
    const total = (p: Phases): number => p.fn + p.lowering;
    const reuses = Array.from({ length: REUSE_RUNS }, () =>
      inChild({ LAB_PROGRAM_CACHE: 'on', LAB_PROGRAM_CACHE_DIR: cacheDir }),
    ).sort((a, b) => total(a) - total(b));
    const reuse = reuses[Math.floor(REUSE_RUNS / 2)];
    const allCached = reuses.every((r) => r.fromCache);
    const compile = total(cold);
    console.log('unrolled L2L graph (quad_meta, unroll 20), cpu backend, one thread, each in a new process:');
    console.log(`  graph + gradient (user code)  ${fmt(cold.graph)}`);
    console.log(`  T.fn rewrites                 ${fmt(cold.fn)}`);
    console.log(`  lowering + prepare            ${fmt(cold.lowering)}`);
    console.log(
      `  compile time in all           ${fmt(cold.graph + compile)} with the graph, ${fmt(compile)} without (goal ≤ 0.5 s)`,
    );
    console.log(
      `  first run                     ${fmt(cold.firstRun)}, steady run ${fmt(cold.steady)}: the first pays ${fmt(Math.max(0, cold.firstRun - cold.steady))} more (first touch of ${cold.temps} temporaries, ${cold.tempMiB.toFixed(1)} MiB)`,
    );
    console.log(
      `  filling the program cache     T.fn ${fmt(filling.fn)}, lowering + prepare + writing ${fmt(filling.lowering)}`,
    );
    console.log(
      `  re-use in a new process       ${fmt(total(reuse))} (median of ${REUSE_RUNS} processes, ${fmt(total(reuses[0]))} to ${fmt(total(reuses[REUSE_RUNS - 1]))}; T.fn's cache lookup ${fmt(reuse.fn)}, reading + preparing the program ${fmt(reuse.lowering)}; goal ≤ 50 ms); the graph + gradient still take ${fmt(reuse.graph)}`,
    );
    const same = allCached && reuses.every((r) => r.loss === cold.loss) && filling.loss === cold.loss;
    console.log(
      `  cached program used: ${allCached ? 'yes' : 'NO'}; first meta-loss ${cold.loss} fresh, ${reuse.loss} cached: ${same ? 'the same' : 'DIFFERENT'}`,
    );
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--child')) console.log(JSON.stringify(measure()));
else main();
