// `npm run bench`: the engine's workloads against PyTorch on this machine, one thread each.
//   1. the ingest benchmark (bench/ingest.ts), the app benchmark (bench/app.ts: latency from a
//      worker's point to the page's chart, frame time while 8 runs stream) and the queue benchmark
//      (bench/queue.ts: overhead per run and 200 tiny runs over 4 `lab worker`s through BullMQ on a
//      private redis-server, against the local pool) and the distillation benchmark
//      (bench/distillation.ts: a student's step with its mentor's forward pass in one compiled
//      function, and with cached mentor logits, against PyTorch) and the conv net benchmark
//      (bench/convnet.ts: a conv net's training step against PyTorch, and the im2col memory) and the
//      roadmap benchmark (bench/roadmap.ts: a teacher's decision against a learner step, and a
//      200-skill roadmap validated and laid out), as their own sections;
//   2. quad_meta, mnist_meta, mnist_step (../shared/bench/torch_ref.py's workloads, written with
//      the engine's nn/optim in bench/workloads/) on the cpu backend, medians over repeats with
//      torch_ref.py's protocol; the PyTorch reference run in the same invocation;
//   3. sgemm GFLOP/s at 1024³ for the engine and for torch; the same workloads with two threads
//      (engine threads on, torch.set_num_threads(2) on two OpenBLAS threads); the compile time of
//      the unrolled L2L graph (bench/compileTime.ts, its own process);
//   4. the meta-training kind's meta-iterations (against the same torch numbers), the memory of
//      MNIST meta-training and the paper-scale wall clock (bench/metaTraining.ts; `--paper-scale`
//      runs a whole l2l-paper quadratics meta-training instead of estimating it).
// `npm run bench -- --profile` adds each workload's per-step kernel times (bench/profile.ts);
// `-- --workloads` runs only parts 2 and 3. The one-thread comparison with PyTorch+OpenBLAS runs
// in paired rounds (`-- --rounds N`, default 5; bench/pairedRounds.ts): in each, every workload
// on the engine and then in a PyTorch process kept open (bench/torchSession.ts), back to back, both
// from the workload's starting state; its speedup is the median of the rounds' ratios, its
// seconds the medians.
// The LAST line is one JSON object:
//   {"quad_meta": {"lab_s", "torch_s", "speedup", "torch_openblas_s", "speedup_openblas"},
//    "mnist_meta": {…}, "mnist_step": {…}, "meta_training_quad": {…}, "meta_training_mnist": {…}}
// (torch_s and speedup null without torch or the reference BLAS; the openblas pair null without
// OpenBLAS), and
//   "two_threads": {workload: {"lab_s", "torch_openblas_s"}},
//   "floors": {workload: {"gflop", "floor_s", "lab_over_floor", "goal_over_floor"}} (bench/floor.ts;
// empty on the js backend). torch+openblas — the comparison
// the tables lead with — is Debian's PyTorch with OpenBLAS's libblas.so.3 first on the library
// path of its process only; torch is the same PyTorch with Debian's reference BLAS (libblas3) put
// first the same way, a second, labelled column. A program that prints numbers, not a test.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { loadNativeAddon } from '../native/addon.ts';
import { projectRoot } from '../native/paths.ts';
import { cpuBackend, cpuBackendAvailable } from '../engine/backends/cpu/index.ts';
import { jsBackend } from '../engine/backends/js.ts';
import type { Backend } from '../engine/backends/backend.ts';
import { recordingCpu } from '../engine/backends/cpu/recording.ts';
import { metaTrainingSection } from './metaTraining.ts';
import { floorTable, programGemmFlops } from './floor.ts';
import { printProfile } from './profile.ts';
import { kernelPeakGflops, sgemmGflops } from './sgemm.ts';
import { fmt, medianSeconds } from './timing.ts';
import { pairedResult, roundLines, roundsOption } from './pairedRounds.ts';
import {
  workloadSummary,
  summaryColumns,
  summaryHeader,
  twoColumns,
  type WorkloadSummary,
} from './speedup.ts';
import {
  openBlasDirectory,
  referenceBlasDirectory,
  runTorchReference,
  type TorchReference,
} from './torch.ts';
import { openTorchSession } from './torchSession.ts';
import { mnistMeta } from './workloads/mnistMeta.ts';
import { mnistStep } from './workloads/mnistStep.ts';
import { quadMeta } from './workloads/quadMeta.ts';
import type { Workload } from './workloads/workload.ts';

/** Issue #18's goal for the meta workloads: this many times PyTorch+OpenBLAS's speed, one thread. */
const SPEEDUP_GOAL = 5;

/** torch_ref.py's warm-up and repeat counts per workload. */
const protocol: Record<string, { warm: number; n: number }> = {
  quad_meta: { warm: 3, n: 15 },
  mnist_meta: { warm: 2, n: 7 },
  mnist_step: { warm: 20, n: 200 },
};

/**
 * Median seconds per call of `w` timed as torch_ref.py times it: from the workload's starting
 * state (its weights and optimizer moments as created), warm-up calls, then n timed ones. Each
 * PyTorch run starts a fresh process; without the restart a later round would time the engine
 * hundreds of training steps further on, where mnist_step's denormals make a step ~1.7× dearer.
 */
function timedFromStart(w: Workload): number {
  w.restart();
  return medianSeconds(w.run, protocol[w.name].warm, protocol[w.name].n);
}

/**
 * Runs the workload's warm-up calls and waits for the composites that became hot to be compiled
 * (engine/backends/cpu/compiledComposites.ts), so no timing includes the interpreted calls before
 * them or a compiler sharing the CPU.
 */
function compileHotComposites(w: Workload): void {
  if (!cpuBackendAvailable()) return;
  for (let i = 0; i < protocol[w.name].warm; i++) w.run();
  loadNativeAddon().waitForCompiledComposites();
}

/** Paired rounds of the one-thread comparison with PyTorch+OpenBLAS (bench/pairedRounds.ts): five,
 * as the rounds' own ratios still spread by 2× back to back on this VM. */
const ROUNDS = 5;

/** A benchmark program of its own (its own process), printed as a section. */
function section(name: string): void {
  const program = join(projectRoot, 'bench', `${name}.ts`);
  if (!existsSync(program)) return;
  console.log(`== ${name} (bench/${name}.ts) ==`);
  const r = spawnSync(process.execPath, [program], { stdio: 'inherit', cwd: projectRoot });
  if (r.status !== 0) console.log(`${name} benchmark failed with status ${r.status}`);
  console.log('');
}

function backendForRun(): Backend {
  const choice = process.env.LAB_BENCH_BACKEND ?? 'cpu';
  if (choice === 'js') return jsBackend;
  if (!cpuBackendAvailable()) {
    // Surfaces the addon's own message (not built, or failed to load) and stops.
    loadNativeAddon();
  }
  return cpuBackend;
}

async function main(): Promise<void> {
  // --workloads: only the engine-against-PyTorch tables and the compile time (the quick loop while
  // working on engine speed); the other sections and the meta-training kind are skipped.
  const workloadsOnly = process.argv.includes('--workloads');
  if (!workloadsOnly)
    for (const name of ['ingest', 'app', 'queue', 'distillation', 'convnet', 'roadmap']) section(name);
  const backend = backendForRun();
  let isa = '';
  if (backend === cpuBackend) {
    const addon = loadNativeAddon();
    addon.setThreads(1);
    isa = `, GEMM ${addon.isaInfo().selected}`;
  }
  console.log(`== engine workloads vs PyTorch (one thread, backend ${backend.name}${isa}) ==`);
  // On a shared machine the load says how much the absolute times are stretched (both sides alike).
  console.log(`load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`);
  // --profile: per-step kernel times after each workload's timing (cpu backend only).
  const profiling = process.argv.includes('--profile') && backend === cpuBackend;
  // The cpu backend records the programs it prepares: the profile reads their steps, the floor
  // their matrix products.
  const { backend: timed, prepared } = backend === cpuBackend ? recordingCpu() : { backend, prepared: [] };
  const workloads: Workload[] = [quadMeta(timed), mnistMeta(timed), mnistStep(timed)];
  const lab: Record<string, number> = {};
  const flops: Record<string, number> = {};
  for (const w of workloads) {
    const { n } = protocol[w.name];
    const t = process.hrtime.bigint();
    w.run(); // first call: lowering and program creation, reported apart from the timing
    const firstCall = Number(process.hrtime.bigint() - t) / 1e9;
    compileHotComposites(w);
    if (prepared.length > 0) flops[w.name] = programGemmFlops(prepared[prepared.length - 1].program);
    lab[w.name] = timedFromStart(w);
    console.log(
      `${w.name}: ${fmt(lab[w.name])} per call (median of ${n}; first call with lowering ${fmt(firstCall)})`,
    );
    if (profiling) printProfile(w, prepared[prepared.length - 1], Math.min(n, 5));
  }
  if (backend === cpuBackend) {
    const c = loadNativeAddon().compiledCompositesStats();
    console.log(
      `composites compiled to C: ${c.queued} hot, ${c.compiled} built, ${c.loaded} loaded from the cache, ${c.failed} failed` +
        (c.lastError ? ` (last: ${c.lastError})` : ''),
    );
  }
  // Paired rounds with PyTorch+OpenBLAS, one thread: in each round, each workload on the engine
  // and then in a PyTorch process kept open (bench/torchSession.ts), back to back, both from the
  // workload's starting state. The whole reference also runs once, for its BLAS and the table's
  // other columns.
  const openBlas = openBlasDirectory();
  const noOpenBlas = { missing: 'OpenBLAS not installed (apt-get install libopenblas0-pthread)' };
  const rounds = roundsOption(process.argv, ROUNDS);
  const firstOpenBlas = openBlas ? runTorchReference(openBlas) : noOpenBlas;
  const session = 'missing' in firstOpenBlas ? firstOpenBlas : await openTorchSession(openBlas, 1);
  const labRounds: Record<string, number[]> = Object.fromEntries(
    workloads.map((w) => [w.name, 'missing' in session ? [lab[w.name]] : []]),
  );
  const openBlasRounds: Record<string, number[]> = {};
  for (let r = 0; r < rounds && !('missing' in session); r++) {
    for (const w of workloads) {
      labRounds[w.name].push(timedFromStart(w));
      const { warm, n } = protocol[w.name];
      (openBlasRounds[w.name] ??= []).push(await session.time(w.name, warm, n));
    }
  }
  if (!('missing' in session)) session.close();
  const labSgemm = sgemmGflops(backend);
  console.log(
    `engine sgemm 1024³: ${labSgemm.gflops.toFixed(1)} GFLOP/s (fastest call ${labSgemm.peakGflops.toFixed(1)})`,
  );
  const kernelPeak = backend === cpuBackend ? kernelPeakGflops(loadNativeAddon()) : null;
  if (kernelPeak !== null)
    console.log(`engine sgemm in cache (480×64×256): fastest ${kernelPeak.toFixed(1)} GFLOP/s`);
  // Two threads: a user has every core. The first call already lowered each program.
  const labTwo: Record<string, number> = {};
  if (backend === cpuBackend) {
    loadNativeAddon().setThreads(2);
    for (const w of workloads) labTwo[w.name] = timedFromStart(w);
    loadNativeAddon().setThreads(1);
  }

  // Torch with OpenBLAS's libblas.so.3 put first for its process (the fair comparison), then with
  // the reference BLAS's (Debian's default before OpenBLAS is installed), each where installed.
  const referenceBlas = referenceBlasDirectory();
  const noReferenceBlas = { missing: "Debian's reference BLAS not installed (apt-get install libblas3)" };
  const references: [string, number, TorchReference | { missing: string }][] = [
    ['torch+openblas', 1, firstOpenBlas],
    ['torch (reference BLAS)', 1, referenceBlas ? runTorchReference(referenceBlas) : noReferenceBlas],
    ['torch+openblas', 2, openBlas ? runTorchReference(openBlas, 2) : noOpenBlas],
  ];
  for (const [name, threads, torch] of references) {
    const label = `${name}, ${threads === 1 ? 'one thread' : `${threads} threads`}`;
    if ('missing' in torch) console.log(`${label} skipped: ${torch.missing}`);
    else {
      // (the reference-BLAS process maps OpenBLAS too, for LAPACK: its kernels are not the sgemm's)
      const core = torch.blasCore && name === 'torch+openblas' ? `, OpenBLAS kernels ${torch.blasCore}` : '';
      console.log(`${label}: PyTorch ${torch.version} (${torch.python}), BLAS ${torch.blas}${core}`);
      console.log(
        `${label} sgemm 1024³: ${torch.sgemmGflops.toFixed(1)} GFLOP/s (fastest call ${torch.sgemmPeakGflops.toFixed(1)})`,
      );
    }
  }
  const [, torchSeconds, openBlasTwo] = references.map(([, , t]) => ('missing' in t ? null : t.seconds));
  const openBlasReference = references[0][2];
  const paired = Object.fromEntries(
    workloads.map((w) => [w.name, pairedResult(labRounds[w.name], openBlasRounds[w.name])]),
  );
  // PyTorch+OpenBLAS's seconds as the rest of the report reads them: the medians over the rounds
  const openBlasSeconds =
    'missing' in firstOpenBlas
      ? null
      : Object.fromEntries(
          workloads.flatMap((w) => {
            const seconds = paired[w.name].torchSeconds;
            return seconds === null ? [] : [[w.name, seconds]];
          }),
        );

  const summary: Record<string, WorkloadSummary> = {};
  console.log('');
  if (openBlasSeconds) {
    console.log(`paired rounds with torch+openblas, one thread (engine / torch = speedup):`);
    for (const line of roundLines(
      { lab: labRounds, torch: openBlasRounds },
      workloads.map((w) => w.name),
      fmt,
    ))
      console.log(line);
    console.log('');
  }
  console.log(
    summaryHeader(`workload (one thread)`, 21) +
      (openBlasSeconds ? `   (openblas: medians of ${rounds} paired rounds, speedup the median ratio)` : ''),
  );
  for (const w of workloads) {
    const p = paired[w.name];
    summary[w.name] = workloadSummary(
      p.labSeconds,
      torchSeconds?.[w.name],
      p.torchSeconds ?? undefined,
      p.speedup,
    );
    console.log(`${w.name.padEnd(21)} ${summaryColumns(summary[w.name])}`);
  }
  const twoThreads: Record<string, { lab_s: number; torch_openblas_s: number | null }> = {};
  if (backend === cpuBackend) {
    console.log('');
    console.log(`${'workload (two threads)'.padEnd(22)} engine        torch+openblas  speedup`);
    for (const w of workloads) {
      twoThreads[w.name] = { lab_s: labTwo[w.name], torch_openblas_s: openBlasTwo?.[w.name] ?? null };
      console.log(`${w.name.padEnd(22)} ${twoColumns(labTwo[w.name], openBlasTwo?.[w.name])}`);
    }
  }
  let floors = {};
  if (Object.keys(flops).length === workloads.length) {
    const rows = workloads.map((w) => ({
      workload: w.name,
      flops: flops[w.name],
      labSeconds: paired[w.name].labSeconds,
      torchSeconds: openBlasSeconds?.[w.name] ?? null,
    }));
    const torchPeak = 'missing' in openBlasReference ? null : openBlasReference.sgemmPeakGflops;
    const rates = [
      { gflops: kernelPeak, source: "the engine's micro-kernel on an in-cache 480×64×256 product" },
      { gflops: labSgemm.peakGflops, source: "the engine's fastest 1024³ call" },
      { gflops: torchPeak, source: "PyTorch+OpenBLAS's fastest 1024³ call" },
    ];
    const table = floorTable(rows, rates, SPEEDUP_GOAL);
    console.log('');
    for (const line of table.lines) console.log(line);
    floors = table.summary;
  }
  console.log('');
  section('compileTime');
  const metaTraining = workloadsOnly ? {} : await metaTrainingSection(torchSeconds, openBlasSeconds);
  console.log(`load average at the end ${loadavg()[0].toFixed(2)}`);
  console.log(JSON.stringify({ ...summary, ...metaTraining, two_threads: twoThreads, floors }));
}

await main();
