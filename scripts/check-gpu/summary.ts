// The GPU check's last words: a table per suite (passed, failed, not run), the failures one line
// each, and the benchmark against PyTorch eager on the same GPU. Returns the exit status.
import type { KindRow } from './kindsChild.ts';
import type { BenchRow, MetaTrainingRow, TestEvent } from './results.ts';

export interface CheckOutcome {
  readonly device: string;
  readonly nvrtc: boolean;
  /** Every registered test's name, in order. */
  readonly tests: readonly string[];
  readonly events: readonly TestEvent[];
  readonly bench: readonly BenchRow[];
  /** The quick presets' first runs on cpu and on cuda (kindsChild.ts). */
  readonly kinds: readonly KindRow[];
  /** How many presets the kinds check has (a crash leaves fewer rows). */
  readonly kindCount: number;
  /** Null when it failed or ran past its budget (its validations are in the log above). */
  readonly metaTraining: MetaTrainingRow | null;
  readonly seconds: number;
}

const time = (s: number | null): string =>
  s === null ? '—' : s < 1e-3 ? `${(s * 1e6).toFixed(0)} µs` : `${(s * 1e3).toFixed(2)} ms`;

export function printSummary(o: CheckOutcome): number {
  const outcome = new Map<number, { ok: boolean; error?: string; seconds: number; gpuPrograms: number }>();
  for (const e of o.events) {
    if (e.kind === 'end')
      outcome.set(e.i, { ok: e.ok, error: e.error, seconds: e.seconds, gpuPrograms: e.gpuPrograms });
    if (e.kind === 'lost') outcome.set(e.i, { ok: false, error: e.error, seconds: 0, gpuPrograms: 0 });
  }
  const suites = new Map<
    string,
    { passed: number; failed: number; notRun: number; seconds: number; gpuPrograms: number }
  >();
  o.tests.forEach((name, i) => {
    const suite = name.split(' > ')[0];
    const s = suites.get(suite) ?? { passed: 0, failed: 0, notRun: 0, seconds: 0, gpuPrograms: 0 };
    suites.set(suite, s);
    const r = outcome.get(i);
    if (!r) s.notRun++;
    else {
      s.seconds += r.seconds;
      s.gpuPrograms += r.gpuPrograms;
      if (r.ok) s.passed++;
      else s.failed++;
    }
  });
  const failures = [...outcome].filter(([, r]) => !r.ok);
  console.log(
    JSON.stringify({
      device: o.device,
      nvrtc: o.nvrtc,
      failed: failures.length,
      bench: o.bench,
      metaTraining: o.metaTraining,
    }),
  );
  console.log('\n==== check:gpu summary ====');
  console.log(
    `device: ${o.device}; NVRTC ${o.nvrtc ? 'found' : 'not found (interpreted composites, nvcc for CUDA ops)'}`,
  );
  if (failures.length > 0) {
    console.log(`\nfailed (${failures.length}):`);
    for (const [i, r] of failures)
      console.log(
        `  [${i}] ${o.tests[i].slice(0, 90)}\n      ${(r.error ?? '').split('\n')[0].slice(0, 200)}`,
      );
  }
  console.log(`\n${'suite'.padEnd(60)}passed  failed  not run seconds  differential programs on the GPU`);
  for (const [name, s] of suites)
    console.log(
      `${name.slice(0, 58).padEnd(60)}${String(s.passed).padEnd(8)}${String(s.failed).padEnd(8)}${String(s.notRun).padEnd(8)}${s.seconds.toFixed(1).padEnd(9)}${s.gpuPrograms}`,
    );
  console.log(
    '\nworkload    engine(cuda) torch eager speedup gpu time   first call  loss vs cpu  steps host nvrtc graph replay = steps',
  );
  for (const r of o.bench) {
    const speedup = r.torch === null ? '—' : `${(r.torch / r.lab).toFixed(2)}×`;
    console.log(
      `${r.name.padEnd(12)}${time(r.lab).padEnd(13)}${time(r.torch).padEnd(12)}${speedup.padEnd(8)}${time(r.gpu).padEnd(11)}${time(r.first).padEnd(12)}` +
        `${r.lossRelDiff.toExponential(1).padEnd(13)}${String(r.steps).padEnd(6)}${String(r.hostSteps).padEnd(5)}` +
        `${String(r.nvrtcKernels).padEnd(6)}${(r.graphReplayed ? 'replayed' : 'no').padEnd(9)}${r.replayAgrees ? 'yes' : 'NO'}`,
    );
  }
  if (o.bench.length < 3)
    console.log(`(${3 - o.bench.length} workload(s) did not finish: see the log above)`);
  console.log(
    '\npreset (first run)             trainer                   first loss cuda / cpu            time per step cuda / cpu   final metric cuda / cpu',
  );
  for (const k of o.kinds) {
    const pair = (a: number | null | undefined, b: number | null | undefined) =>
      `${a === null || a === undefined ? '—' : a.toPrecision(6)} / ${b === null || b === undefined ? '—' : b.toPrecision(6)}`;
    console.log(
      `${k.preset.padEnd(31)}${k.trainer.padEnd(26)}${pair(k.losses[0], k.cpuLosses[0]).padEnd(33)}` +
        `${`${time(k.secondsPerStep)} / ${time(k.cpuSecondsPerStep)}`.padEnd(27)}${k.selectionMetric} ${pair(k.selection, k.cpuSelection)}` +
        `${k.ok ? '' : `  FAILED: ${(k.error ?? '').split('\n')[0].slice(0, 160)}`}`,
    );
  }
  const kindsFailed = o.kinds.filter((k) => !k.ok).length;
  const kindCount = o.kindCount;
  const m = o.metaTraining;
  console.log(
    m
      ? `\nl2l-paper quadratics meta-training, one seed on ${m.backend}: ${m.seconds.toFixed(1)} s wall clock, ` +
          `${m.metaIterations} meta-iterations, best validation loss ${m.bestValLoss.toFixed(4)} (${m.stopped})`
      : '\nl2l-paper quadratics meta-training on cuda: did not finish (its validations so far are in the log above)',
  );
  const notRun = o.tests.length - outcome.size;
  const replayDiffers = o.bench.filter((r) => !r.replayAgrees).map((r) => r.name);
  if (replayDiffers.length > 0)
    console.log(`graph replay and step-by-step launches disagree on: ${replayDiffers.join(', ')}`);
  const verdict =
    replayDiffers.length > 0
      ? 'GRAPH REPLAY DISAGREES'
      : failures.length > 0
        ? `${failures.length} FAILED`
        : kindsFailed > 0 || o.kinds.length < kindCount
          ? `TESTS PASSED, ${kindsFailed} OF ${kindCount} PRESETS FAILED OR DID NOT RUN ON THE GPU`
          : notRun > 0
            ? `PASSED, ${notRun} NOT RUN (time budget)`
            : o.bench.length < 3
              ? 'TESTS PASSED, BENCHMARK INCOMPLETE'
              : 'ALL PASSED';
  console.log(`\n${verdict} in ${o.seconds.toFixed(0)} s`);
  const allKinds = kindsFailed === 0 && o.kinds.length === kindCount;
  return failures.length === 0 &&
    notRun === 0 &&
    o.bench.length === 3 &&
    replayDiffers.length === 0 &&
    allKinds
    ? 0
    : 1;
}
