// The local RunExecutor: at most `size` runs at once, each in its own process (by default one per
// core: training is CPU-bound, more processes would only contend).
import { availableParallelism } from 'node:os';
import type { ExecutingRun, RunExecutor, RunExit, RunHandlers, RunSpec } from '../lab/runExecutor.ts';
import { startRunProcess, type RunningProcess } from './runProcess.ts';

export class WorkerPool implements RunExecutor {
  readonly size: number;
  private readonly cancelGraceMs: number | undefined;
  private readonly workerEntry: string | undefined;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /** workerEntry: where a bundled build ships runWorker (default: the .ts source next to this file). */
  constructor(options: { size?: number; cancelGraceMs?: number; workerEntry?: string } = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.cancelGraceMs = options.cancelGraceMs;
    this.workerEntry = options.workerEntry;
  }

  /** Queues a run; it starts when a process slot is free. */
  run(spec: RunSpec, handlers: RunHandlers): ExecutingRun {
    let process: RunningProcess | undefined;
    let cancelledBeforeStart = false;
    const exit = this.acquire().then(async () => {
      try {
        if (cancelledBeforeStart) {
          return {
            status: 'cancelled',
            reason: 'cancelled before it started',
            step: 0,
            result: null,
          } satisfies RunExit;
        }
        process = startRunProcess(spec, handlers, {
          cancelGraceMs: this.cancelGraceMs,
          workerEntry: this.workerEntry,
        });
        return await process.exit;
      } finally {
        this.release();
      }
    });
    return {
      exit,
      cancel: () => {
        cancelledBeforeStart = true;
        process?.cancel();
      },
    };
  }

  private acquire(): Promise<void> {
    if (this.active < this.size) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
