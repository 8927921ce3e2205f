// Benchmark (not a test): what the run queue costs. On this machine, a private redis-server on a
// loopback port, then
//   1. the overhead per run: one tiny run at a time, N times, on the local pool and through the
//      queue (coordinator here, one `lab worker` process): the difference is the queue's share
//      (enqueue, a worker's pickup, reports over Redis, completion);
//   2. throughput: 200 tiny runs over 4 `lab worker` processes (one run each at a time) against
//      the local pool with 4 processes, in runs per second.
// Tiny runs (10 steps of nothing) make the lab's own costs — a process per run, IPC, Redis — the
// whole of what is measured. Prints the machine's load with the numbers; the last line is JSON.
//
//   node bench/queue.ts [runs=200] [workers=4] [sequential=10]
//
// This file is also the trainer module the runs import (guarded by import.meta.main).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createExperimentFromDefinition } from '../main/lab/createExperiment.ts';
import { runExperiment } from '../main/lab/experimentRunner.ts';
import { parseDefinition } from '../main/lab/loadDefinition.ts';
import type { RunExecutor } from '../main/lab/runExecutor.ts';
import { registerTrainerModule } from '../main/lab/trainers/registry.ts';
import { CountingTrainer, countingTrainer } from './countingTrainer.ts';
import { projectRoot } from '../main/paths.ts';
import { parseQueueAddress } from '../main/queue/queueAddress.ts';
import { QueueExecutor } from '../main/queue/queueExecutor.ts';
import { openLabDatabase, type LabDatabase } from '../main/store/labDatabase.ts';
import { WorkerPool } from '../main/workers/workerPool.ts';
import { redisServerBinary, startRedisServer } from '../test/integration/queue/redisServer.ts';

class TinyTrainer extends CountingTrainer {
  init(): void {}
  step() {
    this.steps++;
    return { loss: 1 / this.steps };
  }
  evaluate() {
    return { val_loss: 1 / (this.steps + 1) };
  }
}

export const trainers = [
  countingTrainer('bench-tiny-run', 'Benchmark only: 10 steps of nothing', () => new TinyTrainer()),
];

const trainerModule = fileURLToPath(import.meta.url);

function definition(runs: number): string {
  return [
    'version: 1',
    'kind: optimizer-comparison',
    'experiment:',
    '  name: queue-benchmark',
    '  problem: { name: bench-tiny-run }',
    '  training: { steps: 10, evalEvery: 5, checkpointEvery: 10 }',
    '  optimizers: [{ name: sgd, lr: 0.1 }]',
    `  report: { seeds: ${Math.max(2, runs)} }`,
  ].join('\n');
}

/** Seconds to run `runs` tiny runs (as one experiment) on `executor`. */
async function timeRuns(lab: LabDatabase, executor: RunExecutor, runs: number): Promise<number> {
  const experiment = createExperimentFromDefinition(
    lab,
    await parseDefinition(definition(runs), 'queue-benchmark.yaml'),
  );
  const started = performance.now();
  const result = await runExperiment(experiment.id, { lab, executor });
  if (result.status !== 'completed')
    throw new Error(`benchmark experiment ${result.status}: ${result.reason}`);
  return (performance.now() - started) / 1000;
}

/** Seconds per run when runs go one after another (2 per experiment: the smallest report). */
async function secondsPerRun(lab: LabDatabase, executor: RunExecutor, experiments: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < experiments; i++) total += await timeRuns(lab, executor, 2);
  return total / (experiments * 2);
}

function startWorker(url: string, name: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      join(projectRoot, 'bin', 'lab.js'),
      'worker',
      '--queue',
      url,
      '--jobs',
      '1',
      '--name',
      name,
      '--trainers',
      trainerModule,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Taking runs from')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code}:\n${output}`)));
  });
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.exitCode !== null) return resolve();
          w.once('exit', () => resolve());
          w.kill('SIGINT');
        }),
    ),
  );
}

/** The n-th command-line number (a whole number ≥ `min`), or `fallback` when it is not given. */
function countArgument(index: number, name: string, fallback: number, min: number): number {
  const text = process.argv[index];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(
      `bench/queue.ts: ${name} must be a whole number ≥ ${min}, got "${text}" ` +
        `(usage: node bench/queue.ts [runs=200] [workers=4] [sequential=10])`,
    );
  }
  return value;
}

async function main(): Promise<void> {
  const runs = countArgument(2, 'runs', 200, 2);
  const workerCount = countArgument(3, 'workers', 4, 1);
  // Runs one at a time go two per experiment (the smallest report), so an even count.
  const sequential = 2 * Math.ceil(countArgument(4, 'sequential', 10, 2) / 2);
  if (!existsSync(redisServerBinary)) {
    console.log(
      `queue benchmark skipped: ${redisServerBinary} not found (apt-get install redis-server, or set LAB_TEST_REDIS_SERVER)`,
    );
    return;
  }
  const directory = mkdtempSync(join(tmpdir(), 'lab-bench-queue-'));
  const server = await startRedisServer();
  const workers: ChildProcess[] = [];
  let executor: QueueExecutor | undefined;
  try {
    await registerTrainerModule(trainerModule);
    const lab = openLabDatabase(join(directory, 'lab.db'));
    const address = parseQueueAddress(server.url, {});
    executor = await QueueExecutor.connect({ address, log: () => undefined });
    console.log(
      `run queue (BullMQ on Redis, loopback) vs the local pool · ` +
        `${availableParallelism()} cores · load ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );

    workers.push(await startWorker(server.url, 'bench-1'));
    const pool1 = new WorkerPool({ size: 1 });
    await timeRuns(lab, pool1, 2); // warm the compile cache for both sides
    await timeRuns(lab, executor, 2);
    const localPerRun = await secondsPerRun(lab, pool1, sequential / 2);
    const queuedPerRun = await secondsPerRun(lab, executor, sequential / 2);
    console.log(`overhead per run (one at a time, ${sequential} runs each, 10 steps per run)`);
    console.log(
      `  local pool ${(localPerRun * 1000).toFixed(0)} ms/run · queue, 1 worker ${(queuedPerRun * 1000).toFixed(0)} ms/run`,
    );
    console.log(`  the queue's share: ${((queuedPerRun - localPerRun) * 1000).toFixed(0)} ms per run`);

    for (let i = 2; i <= workerCount; i++) workers.push(await startWorker(server.url, `bench-${i}`));
    const localSeconds = await timeRuns(lab, new WorkerPool({ size: workerCount }), runs);
    const queuedSeconds = await timeRuns(lab, executor, runs);
    console.log(`throughput: ${runs} tiny runs, ${workerCount} at a time`);
    console.log(
      `  local pool (${workerCount} processes) ${localSeconds.toFixed(2)} s = ${(runs / localSeconds).toFixed(1)} runs/s · ` +
        `queue (${workerCount} workers) ${queuedSeconds.toFixed(2)} s = ${(runs / queuedSeconds).toFixed(1)} runs/s`,
    );
    console.log(
      `  load after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    lab.close();
    console.log(
      JSON.stringify({
        overhead_ms_per_run: Math.round((queuedPerRun - localPerRun) * 1000),
        local_ms_per_run: Math.round(localPerRun * 1000),
        queue_ms_per_run: Math.round(queuedPerRun * 1000),
        runs,
        workers: workerCount,
        local_runs_per_s: Number((runs / localSeconds).toFixed(2)),
        queue_runs_per_s: Number((runs / queuedSeconds).toFixed(2)),
      }),
    );
  } finally {
    await executor?.close();
    await stopWorkers(workers);
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

// Not a top-level await: main() imports this very module as the trainer module, which must be
// able to finish evaluating first (with an await here, the import waits for main() forever).
if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
