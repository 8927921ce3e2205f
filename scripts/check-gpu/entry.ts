// The GPU check, bundled into one file by scripts/check-gpu/build.ts and run by run.sh on a GPU
// machine that has no Node.js toolchain: every op and random composite graphs against the js
// float64 reference, forward and gradients (the differential suites, their native side on the
// GPU), the GPU backend and user-op tests, then the benchmark workloads against PyTorch eager on
// the same GPU, the first run of a quick preset of every experiment kind on cpu and on cuda (what
// `lab run --backend cuda` computes), then one whole l2l-paper quadratics meta-training on the
// cuda backend (the wall clock issue #13 asks for). Prints a summary table last. Exit status: 0 all passed, 1 a check failed,
// 2 no usable GPU (nothing could be checked).
//
// GPU time is scarce and new GPU code can crash or hang, so this process only supervises: the
// tests run in child processes (this same file with --tests-from), a test that kills its process
// or runs past LAB_CHECK_GPU_TEST_TIMEOUT seconds is recorded as failed and the next process
// goes on after it, and the benchmark runs in a process of its own. One bad kernel costs one test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cudaStatus } from '../../engine/backends/cuda/index.ts';
import { registeredTests } from '../../test/gpu/shim/vitest.ts';
import { runBenchmark } from './benchChild.ts';
import { paperScaleMetaTraining } from '../../bench/metaTraining.ts';
import * as distillation from '../../main/lab/kinds/distillation/trainers.ts';
import * as metaTraining from '../../main/lab/kinds/metaTraining/trainers.ts';
import * as optimizerComparison from '../../main/lab/kinds/optimizerComparison/trainers.ts';
import * as roadmap from '../../main/lab/kinds/roadmap/trainers.ts';
import { labBackend } from '../../main/lab/trainers/engineTrainer.ts';
import { registerBuiltinTrainersFrom } from '../../main/lab/trainers/registry.ts';
import { kindPresets, runKindChecks, type KindRow } from './kindsChild.ts';
import { appendRecord, readRecords, type BenchRow, type MetaTrainingRow, type TestEvent } from './results.ts';
import { printSummary } from './summary.ts';
import { runChild, superviseTests } from './supervisor.ts';
import { runTestsFrom } from './testsChild.ts';
import '../../test/gpu/backend.test.ts';
import '../../test/gpu/userOps.test.ts';
import '../../test/differential/elementwise.test.ts';
import '../../test/differential/reductionsLinalg.test.ts';
import '../../test/differential/nnetShape.test.ts';
import '../../test/differential/randomGraphs.test.ts';
import '../../test/differential/randomGraphTies.test.ts';
import '../../test/differential/sharedState.test.ts';
import '../../test/differential/errors.test.ts';
import '../../test/differential/convPool.test.ts';

const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);

/** Seconds the tests together may take (and one test), the benchmark, the kinds and the meta-training. */
const testBudgetSeconds = Number(process.env.LAB_CHECK_GPU_TEST_SECONDS ?? 200);
const testTimeoutSeconds = Number(process.env.LAB_CHECK_GPU_TEST_TIMEOUT ?? 30);
const benchBudgetSeconds = Number(process.env.LAB_CHECK_GPU_BENCH_SECONDS ?? 120);
const kindsBudgetSeconds = Number(process.env.LAB_CHECK_GPU_KINDS_SECONDS ?? 120);
const metaTrainingBudgetSeconds = Number(process.env.LAB_CHECK_GPU_META_SECONDS ?? 200);

async function supervise(): Promise<number> {
  const status = cudaStatus();
  if (!status.available) {
    console.log(`check:gpu — no GPU: ${status.reason}`);
    console.log('Nothing was checked. Run this bundle on a machine with an NVIDIA GPU and driver.');
    return 2;
  }
  console.log(`check:gpu on ${status.device}; ${registeredTests().length} tests`);
  const dir = process.env.LAB_CHECK_GPU_RESULTS ?? mkdtempSync(join(tmpdir(), 'lab-check-gpu-'));
  const files = ['tests', 'bench', 'kinds', 'meta-training'].map((n) => join(dir, `${n}.jsonl`));
  const [testsFile, benchFile, kindsFile, metaFile] = files;
  for (const file of files) rmSync(file, { force: true });
  const started = performance.now();
  const command = [process.execPath, '--enable-source-maps', self];
  await superviseTests(testsFile, {
    total: registeredTests().length,
    command,
    budgetSeconds: testBudgetSeconds,
    testTimeoutSeconds,
  });
  const benchDeadline = performance.now() + benchBudgetSeconds * 1000;
  const bench = await runChild(command, ['--bench', benchFile], process.env, () =>
    performance.now() > benchDeadline ? 'budget' : null,
  );
  if (bench.code !== 0) console.log(`the benchmark process ended badly: ${JSON.stringify(bench)}`);
  const kindsDeadline = performance.now() + kindsBudgetSeconds * 1000;
  const kinds = await runChild(command, ['--kinds', kindsFile], process.env, () =>
    performance.now() > kindsDeadline ? 'budget' : null,
  );
  if (kinds.code !== 0) console.log(`the lab's kinds process ended badly: ${JSON.stringify(kinds)}`);
  const metaDeadline = performance.now() + metaTrainingBudgetSeconds * 1000;
  const meta = await runChild(
    command,
    ['--meta-training', metaFile],
    { ...process.env, LAB_BACKEND: 'cuda' },
    () => (performance.now() > metaDeadline ? 'budget' : null),
  );
  if (meta.code !== 0) console.log(`the meta-training process ended badly: ${JSON.stringify(meta)}`);
  return printSummary({
    device: status.device,
    nvrtc: status.nvrtc,
    tests: registeredTests().map((t) => t.name),
    events: readRecords<TestEvent>(testsFile),
    bench: readRecords<BenchRow>(benchFile),
    kinds: readRecords<KindRow>(kindsFile),
    kindCount: kindPresets.length,
    metaTraining: readRecords<MetaTrainingRow>(metaFile)[0] ?? null,
    seconds: (performance.now() - started) / 1000,
  });
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--list') {
    // What the bundle would run (works without a GPU: the bundle's sanity check).
    for (const t of registeredTests()) console.log(t.name);
    console.log(`${registeredTests().length} GPU checks`);
    return 0;
  }
  if (argv[0] === '--tests-from') {
    const only = argv[2] === '--only';
    return runTestsFrom(Number(argv[1]), only ? argv[3] : argv[2], only);
  }
  if (argv[0] === '--bench') return runBenchmark(argv[1], here);
  if (argv[0] === '--meta-training' || argv[0] === '--kinds') {
    // Presets are loaded as the lab loads them, which registers the built-in trainers: here from
    // this bundle, since the project's sources are not beside it.
    await registerBuiltinTrainersFrom([optimizerComparison, metaTraining, distillation, roadmap]);
    if (argv[0] === '--kinds') return runKindChecks(argv[1], labBackend(argv[2] ?? 'cuda'));
    appendRecord(argv[1], await paperScaleMetaTraining());
    return 0;
  }
  return supervise();
}

process.exitCode = await main();
