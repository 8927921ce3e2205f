// The GPU check, bundled into one file by scripts/check-gpu/build.ts and run by run.sh on a GPU
// machine that has no Node.js toolchain: every op and random composite graphs against the js
// float64 reference, forward and gradients (the differential suites, their native side on the
// GPU), the GPU backend and user-op tests, then the benchmark workloads against PyTorch eager on
// the same GPU. Prints a summary table last. Exit status: 0 all passed, 1 a test failed,
// 2 no usable GPU (nothing could be checked).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cudaBackend, cudaStatus } from '../../engine/backends/cuda/index.ts';
import { registeredTests } from '../../test/gpu/shim/vitest.ts';
import { medianSeconds } from '../../bench/timing.ts';
import { mnistMeta } from '../../bench/workloads/mnistMeta.ts';
import { mnistStep } from '../../bench/workloads/mnistStep.ts';
import { quadMeta } from '../../bench/workloads/quadMeta.ts';
import '../../test/gpu/backend.test.ts';
import '../../test/gpu/userOps.test.ts';
import '../../test/differential/elementwise.test.ts';
import '../../test/differential/reductionsLinalg.test.ts';
import '../../test/differential/nnetShape.test.ts';
import '../../test/differential/randomGraphs.test.ts';
import '../../test/differential/sharedState.test.ts';
import '../../test/differential/errors.test.ts';

const here = dirname(fileURLToPath(import.meta.url));

interface SuiteResult {
  passed: number;
  failed: number;
  /** Not run: the tests' time budget was spent (the benchmark and the summary still run). */
  notRun: number;
  seconds: number;
}

/** Seconds the tests may take, so that the whole check stays under 8 minutes. */
const testBudgetSeconds = Number(process.env.LAB_CHECK_GPU_TEST_SECONDS ?? 330);

const fmt = (s: number | null): string =>
  s === null ? '—' : s < 1e-3 ? `${(s * 1e6).toFixed(0)} µs` : `${(s * 1e3).toFixed(2)} ms`;

function runTests(): Map<string, SuiteResult> {
  const suites = new Map<string, SuiteResult>();
  const began = performance.now();
  for (const t of registeredTests()) {
    const suite = t.name.split(' > ')[0];
    const r = suites.get(suite) ?? { passed: 0, failed: 0, notRun: 0, seconds: 0 };
    suites.set(suite, r);
    if ((performance.now() - began) / 1000 > testBudgetSeconds) {
      r.notRun++;
      continue;
    }
    const started = performance.now();
    try {
      t.run();
      r.passed++;
    } catch (error) {
      r.failed++;
      console.log(
        `FAIL ${t.name}\n  ${String((error as Error).stack ?? error)
          .split('\n')
          .slice(0, 6)
          .join('\n  ')}`,
      );
    }
    r.seconds += (performance.now() - started) / 1000;
  }
  return suites;
}

const protocol: Record<string, { warm: number; n: number }> = {
  quad_meta: { warm: 3, n: 15 },
  mnist_meta: { warm: 2, n: 7 },
  mnist_step: { warm: 20, n: 200 },
};

function torchOnGpu(): { seconds: Record<string, number>; version: string } | { missing: string } {
  const script = join(here, 'torch_ref.py');
  if (!existsSync(script)) return { missing: `${script} is not in the bundle` };
  const r = spawnSync(process.env.LAB_PYTHON ?? 'python3', [script, '1', 'cuda'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0)
    return { missing: `torch_ref.py failed (${r.status}): ${(r.stderr || r.stdout).slice(-600)}` };
  const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number | string>;
  const seconds: Record<string, number> = {};
  for (const name of Object.keys(protocol)) seconds[name] = result[`${name}_s`] as number;
  return { seconds, version: String(result.torch) };
}

function benchmark(): { name: string; lab: number; first: number; torch: number | null }[] {
  const rows = [quadMeta(cudaBackend), mnistMeta(cudaBackend), mnistStep(cudaBackend)].map((w) => {
    const t = performance.now();
    w.run(); // lowering, program creation and kernel compilation, reported apart
    const first = (performance.now() - t) / 1000;
    const { warm, n } = protocol[w.name];
    return { name: w.name, lab: medianSeconds(w.run, warm, n), first, torch: null as number | null };
  });
  const torch = torchOnGpu();
  if ('missing' in torch) console.log(`PyTorch reference skipped: ${torch.missing}`);
  else {
    console.log(`PyTorch ${torch.version} eager on the same GPU`);
    for (const r of rows) r.torch = torch.seconds[r.name] ?? null;
  }
  return rows;
}

function main(): number {
  if (process.argv.includes('--list')) {
    // What the bundle would run (works without a GPU: the bundle's sanity check).
    for (const t of registeredTests()) console.log(t.name);
    console.log(`${registeredTests().length} GPU checks`);
    return 0;
  }
  const status = cudaStatus();
  if (!status.available) {
    console.log(`check:gpu — no GPU: ${status.reason}`);
    console.log('Nothing was checked. Run this bundle on a machine with an NVIDIA GPU and driver.');
    return 2;
  }
  console.log(`check:gpu on ${status.device}`);
  const started = performance.now();
  const suites = runTests();
  let rows: ReturnType<typeof benchmark> = [];
  try {
    rows = benchmark();
  } catch (error) {
    console.log(`benchmark failed: ${String((error as Error).stack ?? error)}`);
  }
  const failed = [...suites.values()].reduce((n, r) => n + r.failed, 0);
  const notRun = [...suites.values()].reduce((n, r) => n + r.notRun, 0);
  console.log(JSON.stringify({ device: status.device, nvrtc: status.nvrtc, failed, notRun, bench: rows }));
  console.log('\n==== check:gpu summary ====');
  console.log(
    `device: ${status.device}; NVRTC ${status.nvrtc ? 'found' : 'not found (interpreted composites, nvcc for CUDA ops)'}`,
  );
  console.log('suite'.padEnd(70) + 'passed  failed  not run seconds');
  for (const [name, r] of suites) {
    console.log(
      `${name.slice(0, 68).padEnd(70)}${String(r.passed).padEnd(8)}${String(r.failed).padEnd(8)}${String(r.notRun).padEnd(8)}${r.seconds.toFixed(1)}`,
    );
  }
  console.log('\nworkload     engine (cuda)  first call    torch eager   speedup');
  for (const r of rows) {
    const speedup = r.torch === null ? '—' : `${(r.torch / r.lab).toFixed(2)}×`;
    console.log(
      `${r.name.padEnd(13)}${fmt(r.lab).padEnd(15)}${fmt(r.first).padEnd(14)}${fmt(r.torch).padEnd(14)}${speedup}`,
    );
  }
  console.log(
    `\n${failed === 0 ? (notRun === 0 ? 'ALL PASSED' : `PASSED, ${notRun} NOT RUN (time budget)`) : `${failed} FAILED`} ` +
      `in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return failed === 0 && notRun === 0 ? 0 : 1;
}

process.exitCode = main();
