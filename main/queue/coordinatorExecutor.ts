// Where a coordinator's runs execute, from its command-line options: the local worker pool, or
// the queue (`--queue`), optionally with this machine taking part as a worker (`--jobs` with
// `--queue`), so local and remote workers mix on one experiment.
import { hostname } from 'node:os';
import type { RunExecutor } from '../lab/runExecutor.ts';
import { WorkerPool } from '../workers/workerPool.ts';
import { parseQueueAddress, queueEnvironment } from './queueAddress.ts';
import { QueueExecutor } from './queueExecutor.ts';
import { QueueWorker } from './queueWorker.ts';

export interface CoordinatorOptions {
  /** A redis:// URL; default $LAB_QUEUE; neither: the local pool. */
  queue?: string;
  /** Without a queue: the pool's size. With one: runs this machine executes too (default none). */
  jobs?: number;
  /** Attempts per queued run before it fails. */
  attempts?: number;
  /** With a queue and jobs: the local worker's stall time (see QueueWorkerOptions.stallMs). */
  stallMs?: number;
  log: (line: string) => void;
}

export interface CoordinatorExecutor {
  executor: RunExecutor;
  /** One line for the start of a run: where runs execute. */
  description: string;
  close(): Promise<void>;
}

export function queueUrlOption(queue: string | undefined): string | undefined {
  return queue ?? (process.env[queueEnvironment.url] || undefined);
}

export async function openCoordinatorExecutor(options: CoordinatorOptions): Promise<CoordinatorExecutor> {
  const url = queueUrlOption(options.queue);
  if (!url) {
    const pool = new WorkerPool({ size: options.jobs });
    return { executor: pool, description: `${pool.size} worker process(es)`, close: async () => undefined };
  }
  const address = parseQueueAddress(url);
  const executor = await QueueExecutor.connect({ address, attempts: options.attempts, log: options.log });
  let local: QueueWorker | null = null;
  if (options.jobs) {
    try {
      local = await QueueWorker.start({
        address,
        concurrency: options.jobs,
        stallMs: options.stallMs,
        log: (line) => options.log(`local worker: ${line}`),
      });
    } catch (error) {
      await executor.close();
      throw error;
    }
  }
  return {
    executor,
    description:
      `runs queued at ${address.display} (${executor.queueName})` +
      (local
        ? `, ${options.jobs} of them at a time on this machine (${hostname()}) too`
        : ', for `lab worker`s to take'),
    async close() {
      await local?.stop();
      await executor.close();
    },
  };
}
