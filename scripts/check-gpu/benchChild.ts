// The benchmark process of the GPU check: the `npm run bench` workloads on the cuda backend
// (medians after warm-up, torch_ref.py's protocol), each first checked against the cpu backend
// on the same inputs, then PyTorch eager on the same GPU via torch_ref.py.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../../engine/backends/backend.ts';
import { cpuBackend } from '../../engine/backends/cpu/index.ts';
import { cudaBackend, type CudaExecutable } from '../../engine/backends/cuda/index.ts';
import { medianSeconds } from '../../bench/timing.ts';
import { mnistMeta } from '../../bench/workloads/mnistMeta.ts';
import { mnistStep } from '../../bench/workloads/mnistStep.ts';
import { quadMeta } from '../../bench/workloads/quadMeta.ts';
import type { Workload } from '../../bench/workloads/workload.ts';
import { appendRecord, type BenchRow } from './results.ts';

const protocol: Record<string, { warm: number; n: number }> = {
  quad_meta: { warm: 3, n: 15 },
  mnist_meta: { warm: 2, n: 7 },
  mnist_step: { warm: 20, n: 200 },
};

const workloads: Record<string, (backend: Backend) => Workload> = {
  quad_meta: quadMeta,
  mnist_meta: mnistMeta,
  mnist_step: mnistStep,
};

function torchOnGpu(bundleDir: string): Record<string, number> | string {
  const script = join(bundleDir, 'torch_ref.py');
  if (!existsSync(script)) return `${script} is not in the bundle`;
  const r = spawnSync(process.env.LAB_PYTHON ?? 'python3', [script, '1', 'cuda'], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (r.status !== 0) return `torch_ref.py failed (${r.status}): ${(r.stderr || r.stdout).slice(-600)}`;
  const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number | string>;
  console.log(`PyTorch ${String(result.torch)} eager on the same GPU`);
  return Object.fromEntries(Object.keys(protocol).map((name) => [name, result[`${name}_s`] as number]));
}

/** A fresh workload on the GPU, its executable, with graph replay on or off. */
function onGpu(name: string, graphs: boolean): { w: Workload; e: () => CudaExecutable } {
  const prepared: CudaExecutable[] = [];
  const backend: Backend = {
    ...cudaBackend,
    prepare(program, shared) {
      const e = cudaBackend.prepare(program, shared) as CudaExecutable;
      e.graphs = graphs;
      prepared.push(e);
      return e;
    },
  };
  return { w: workloads[name](backend), e: () => prepared[prepared.length - 1] };
}

/**
 * The losses of `calls` calls replaying the CUDA graph (its steps ordered by data alone, so
 * independent ones run concurrently) against the same calls launched step by step: equal to the
 * bit, or the graph's ordering lost a dependency.
 */
function replayAgreesWithSteps(name: string, calls: number): boolean {
  const [graph, steps] = [onGpu(name, true), onGpu(name, false)];
  let agree = true;
  for (let i = 0; i < calls; i++) {
    const [a, b] = [graph.w.run().toFlat()[0], steps.w.run().toFlat()[0]];
    if (!Object.is(a, b)) {
      console.log(`${name}: call ${i}: graph replay gave loss ${a}, step-by-step launches ${b}`);
      agree = false;
    }
  }
  return agree && graph.e().stats().graphReplayed;
}

function measure(name: string): Omit<BenchRow, 'torch'> {
  // Same inputs and the same initial weights on both backends: the first calls' losses agree.
  const reference = workloads[name](cpuBackend).run().toFlat()[0];
  const gpu = onGpu(name, true);
  const w = gpu.w;
  const t = performance.now();
  const loss = w.run().toFlat()[0];
  const first = (performance.now() - t) / 1000;
  const { warm, n } = protocol[name];
  const lab = medianSeconds(w.run, warm, n);
  const e = gpu.e();
  const stats = e.stats();
  const gpuMs = (): number[] =>
    Array.from({ length: n }, () => (w.run(), e.stats().lastRunGpuMs)).sort((a, b) => a - b);
  const graphGpu = gpuMs();
  // The same program launched step by step, to see what replaying the CUDA graph gains.
  e.graphs = false;
  const eager = medianSeconds(w.run, warm, n);
  const eagerGpu = gpuMs();
  e.graphs = true;
  console.log(
    `${name}: first-call loss ${loss} (cpu backend ${reference}); per call: graph replay ${(lab * 1e3).toFixed(3)} ms ` +
      `(GPU ${graphGpu[n >> 1].toFixed(3)} ms), step by step ${(eager * 1e3).toFixed(3)} ms (GPU ${eagerGpu[n >> 1].toFixed(3)} ms)`,
  );
  printProfile(name, e, w.run);
  return {
    name,
    lab,
    first,
    gpu: graphGpu[n >> 1] / 1e3,
    replayAgrees: replayAgreesWithSteps(name, 4),
    eager,
    lossRelDiff: Math.abs(loss - reference) / Math.max(1e-30, Math.abs(reference)),
    steps: e.program.steps.length,
    hostSteps: e.hostSteps.filter(Boolean).length,
    nvrtcKernels: stats.nvrtcKernels,
    graphReplayed: stats.graphReplayed,
  };
}

/** Where the GPU time of one call goes: the steps' kernels summed by kind, slowest first. */
function printProfile(name: string, e: CudaExecutable, run: () => unknown): void {
  e.profile(true);
  for (let i = 0; i < 3; i++) run();
  const { runs, stepMs } = e.profile(false);
  const byKind = new Map<string, { ms: number; count: number }>();
  e.program.steps.forEach((step, i) => {
    const key = `${step.opName.replace(/\{.*/, '')} ${step.outputs[0]?.shape.join('×') ?? ''}`;
    const k = byKind.get(key) ?? { ms: 0, count: 0 };
    k.ms += stepMs[i] / runs;
    k.count++;
    byKind.set(key, k);
  });
  const total = [...byKind.values()].reduce((t, k) => t + k.ms, 0);
  console.log(`profile ${name}: ${total.toFixed(2)} ms of kernels per call (eager, events between steps)`);
  for (const [key, k] of [...byKind].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12))
    console.log(`  ${k.ms.toFixed(3).padStart(8)} ms  ${String(k.count).padStart(4)}×  ${key}`);
}

export function runBenchmark(file: string, bundleDir: string): number {
  const rows: Omit<BenchRow, 'torch'>[] = [];
  for (const name of Object.keys(workloads)) {
    try {
      rows.push(measure(name));
    } catch (error) {
      console.log(`benchmark ${name} failed: ${String((error as Error).stack ?? error)}`);
    }
  }
  const torch = torchOnGpu(bundleDir);
  if (typeof torch === 'string') console.log(`PyTorch reference skipped: ${torch}`);
  for (const row of rows)
    appendRecord(file, { ...row, torch: typeof torch === 'string' ? null : (torch[row.name] ?? null) });
  return 0;
}
