// Benchmark: metric ingest into SQLite while runs train. Worker processes (one per core) run a
// synthetic trainer that reports many metrics per step; the points travel over IPC in packed
// batches into the main process's MetricWriter, which commits them every ~100 ms. Prints the
// end-to-end rate, and the writer alone (no IPC) for comparison. Goal: ≥ 200,000 points/s.
//
//   npm run bench            (or: node bench/ingest.ts [steps-per-run] [metrics-per-step])
//
// This file is also the trainer module its workers import (guarded by import.meta.main).
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createExperimentFromDefinition } from '../main/lab/createExperiment.ts';
import { parseDefinition } from '../main/lab/loadDefinition.ts';
import { runExperiment } from '../main/lab/experimentRunner.ts';
import { registerTrainerModule } from '../main/lab/trainers/registry.ts';
import { CountingTrainer, countingTrainer } from './countingTrainer.ts';
import type { OptimizerRunConfig } from '../main/lab/kinds/optimizerComparison/runConfig.ts';
import { openLabDatabase } from '../main/store/labDatabase.ts';
import { MetricWriter } from '../main/store/metricWriter.ts';
import { WorkerPool } from '../main/workers/workerPool.ts';

/** Emits `metricsPerStep` cheap synthetic metrics per step: the cost measured is the lab's, not training's. */
class SyntheticMetricsTrainer extends CountingTrainer {
  private names: string[] = [];

  init(config: OptimizerRunConfig): void {
    const count = Number(config.problem.metricsPerStep);
    this.names = Array.from({ length: count - 1 }, (_, i) => `grad_norm/layer${i}`);
  }

  step() {
    this.steps++;
    const metrics: Record<string, number> = { loss: 1 / Math.sqrt(this.steps) };
    for (let i = 0; i < this.names.length; i++) metrics[this.names[i]] = Math.sin(this.steps * (i + 1));
    return metrics as { loss: number } & Record<string, number>;
  }

  evaluate() {
    return { val_loss: 1 / Math.sqrt(this.steps + 1) };
  }
}

export const trainers = [
  countingTrainer(
    'bench-synthetic-metrics',
    'Benchmark only: many cheap metrics per step',
    () => new SyntheticMetricsTrainer(),
    { metricsPerStep: { type: 'integer', minimum: 1, default: 20 } },
  ),
];

function rate(points: number, seconds: number): string {
  return `${Math.round(points / seconds).toLocaleString('en-US')} points/s`;
}

/** CPU seconds this process used since `start`: on a shared machine, wall time alone misleads. */
function cpuSeconds(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 40_000);
  const metricsPerStep = Number(process.argv[3] ?? 20);
  const workers = availableParallelism();
  const directory = mkdtempSync(join(tmpdir(), 'lab-bench-ingest-'));
  try {
    await registerTrainerModule(fileURLToPath(import.meta.url));
    const lab = openLabDatabase(join(directory, 'lab.db'));
    const yaml = [
      'version: 1',
      'kind: optimizer-comparison',
      'experiment:',
      '  name: ingest-benchmark',
      `  problem: { name: bench-synthetic-metrics, metricsPerStep: ${metricsPerStep} }`,
      `  training: { steps: ${steps}, evalEvery: 1000, checkpointEvery: ${steps} }`,
      '  optimizers: [{ name: sgd, lr: 0.1 }]',
      `  report: { seeds: ${Math.max(2, workers)} }`,
    ].join('\n');
    const experiment = createExperimentFromDefinition(
      lab,
      await parseDefinition(yaml, 'ingest-benchmark.yaml'),
    );
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    const result = await runExperiment(experiment.id, { lab, executor: new WorkerPool({ size: workers }) });
    const seconds = (performance.now() - started) / 1000;
    const mainCpu = cpuSeconds(cpuStart);
    const { n } = lab.db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number };
    if (result.status !== 'completed')
      throw new Error(`benchmark experiment ${result.status}: ${result.reason}`);
    console.log(
      `metric ingest while training (${Math.max(2, workers)} runs, ${workers} worker processes, IPC → batched SQLite)`,
    );
    console.log(
      `  ${n.toLocaleString('en-US')} points in ${seconds.toFixed(2)} s: ${rate(n, seconds)}  (goal ≥ 200,000 points/s)`,
    );
    console.log(`  main process: ${mainCpu.toFixed(2)} CPU s, i.e. ${rate(n, mainCpu)} of its CPU time`);

    // The writer alone, in one process, no IPC: the ceiling the pipeline above runs against.
    const writer = new MetricWriter(lab.db, { intervalMs: 60_000 });
    const total = 2_000_000;
    const writerStart = performance.now();
    const writerCpuStart = process.cpuUsage();
    for (let i = 0; i < total; i++) {
      writer.add(1_000_000, `m${i % metricsPerStep}`, Math.floor(i / metricsPerStep), Date.now(), i);
      if (i % 20_000 === 19_999) writer.flush();
    }
    writer.close();
    const writerSeconds = (performance.now() - writerStart) / 1000;
    const writerCpu = cpuSeconds(writerCpuStart);
    console.log(`MetricWriter alone (in-process, batches of 20,000)`);
    console.log(
      `  ${total.toLocaleString('en-US')} points in ${writerSeconds.toFixed(2)} s: ${rate(total, writerSeconds)}` +
        ` (${rate(total, writerCpu)} of CPU time)`,
    );
    console.log(
      `load average (1 min) at the end: ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`,
    );
    lab.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

// Not a top-level await: main() imports this very module as the trainer module, which must be
// able to finish evaluating first.
if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
