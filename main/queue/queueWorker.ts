// `lab worker`'s engine: a BullMQ worker on the queue of this checkout's engine version, taking up
// to `concurrency` runs at once, each executed by queuedRunAttempt.ts in its own child process.
// BullMQ keeps a lock on every job it holds and renews it while this process lives; a worker that
// dies (kill -9, machine gone) stops renewing, and another worker's stalled-job check puts the
// job back on the queue, where the next worker resumes it from the run's newest checkpoint.
import { mkdirSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { availableBackends, backendDevice, engineVersion as thisEngineVersion } from '../../engine/info.ts';
import { labBackend } from '../lab/trainers/engineTrainer.ts';
import {
  incompatibleCoordinatorMessage,
  listCoordinators,
  PresenceHeartbeat,
  type WorkerPresence,
} from './presence.ts';
import { executeQueuedRunAttempt, type AttemptResult } from './queuedRunAttempt.ts';
import { bullPrefix, defaultKeepSeconds, queueKeys, runQueueName } from './queueKeys.ts';
import type { QueueAddress } from './queueAddress.ts';
import { checkRedis, closeRedis, openRedis } from './redisClient.ts';

export interface QueueWorkerOptions {
  address: QueueAddress;
  /** What runs record as their host (default: this machine's host name). */
  name?: string;
  /** Runs at once, one child process each (default: one per core). */
  concurrency?: number;
  /** Where attempts keep their inputs and checkpoints while they run (default: the OS temp dir). */
  scratchDirectory?: string;
  /** The engine version whose runs this worker takes (default: this checkout's). */
  engineVersion?: string;
  /**
   * How long a worker that stopped answering keeps its runs before another takes them over
   * (BullMQ's lock duration; the stalled check runs every half of it). Default 30 s.
   */
  stallMs?: number;
  /** Take-overs a run may need before it ends failed (BullMQ's maxStalledCount). Default 2. */
  maxStalls?: number;
  /** How often a running run checks for a cancel, a gone coordinator or shutdown. Default 1000 ms. */
  pollMs?: number;
  keepSeconds?: number;
  /** runWorker's location when the lab is bundled (see WorkerPool). */
  workerEntry?: string;
  /**
   * The backends runs may ask for here (default: every backend that loads on this machine). A run
   * whose experiment chose another stays on the queue for a worker that has it.
   */
  backends?: readonly string[];
  log?: (line: string) => void;
}

export class QueueWorker {
  readonly name: string;
  readonly id: string;
  readonly engineVersion: string;
  readonly queueName: string;
  readonly concurrency: number;
  readonly device: string;
  readonly backends: readonly string[];
  private readonly options: QueueWorkerOptions;
  private readonly log: (line: string) => void;
  private readonly lostLocks = new Set<string>();
  /** Jobs this worker has said it lost (kept: BullMQ's errors about them come after the attempt). */
  private readonly announcedLost = new Set<string>();
  private readonly reportedCoordinators = new Set<string>();
  private redis: Redis | null = null;
  private worker: Worker | null = null;
  private heartbeat: PresenceHeartbeat | null = null;
  private compatibilityTimer: NodeJS.Timeout | null = null;
  private active = 0;
  private stopping = false;

  /** Checks the server (clear errors for a wrong URL or password), then starts taking runs. */
  static async start(options: QueueWorkerOptions): Promise<QueueWorker> {
    const worker = new QueueWorker(options);
    await worker.open();
    return worker;
  }

  private constructor(options: QueueWorkerOptions) {
    this.options = options;
    this.name = options.name ?? hostname();
    this.id = `${this.name}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.engineVersion = options.engineVersion ?? thisEngineVersion;
    this.queueName = runQueueName(this.engineVersion);
    this.concurrency = Math.max(1, options.concurrency ?? availableParallelism());
    // What the lab's runs execute on here (cpu even on a GPU box unless `--backend cuda` asked for
    // the GPU: see labBackend), not merely the fastest backend that loads, so that nobody reads
    // `cuda` and expects GPU runs.
    const backend = labBackend();
    this.device = `${backend}/${backendDevice(backend)}`;
    this.backends = options.backends ?? availableBackends();
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
  }

  private async open(): Promise<void> {
    const { address } = this.options;
    const check = await checkRedis(address);
    for (const warning of check.warnings) this.log(`warning: ${warning}`);
    const scratchDirectory = this.options.scratchDirectory ?? join(tmpdir(), 'curriculum-lab-worker');
    mkdirSync(scratchDirectory, { recursive: true });
    const redis = openRedis(address, `lab-worker-${this.id}`, this.log);
    this.redis = redis;
    const stallMs = this.options.stallMs ?? 30_000;
    const context = {
      redis,
      name: this.name,
      engineVersion: this.engineVersion,
      scratchDirectory,
      keepSeconds: this.options.keepSeconds ?? defaultKeepSeconds,
      pollMs: this.options.pollMs ?? 1000,
      workerEntry: this.options.workerEntry,
      log: this.log,
      stopping: () => this.stopping,
      lockLost: (jobId: string) => this.lostLocks.has(jobId),
      mismatchDelayMs: 10_000,
      backends: this.backends,
    };
    const presence = (): WorkerPresence => ({
      id: this.id,
      name: this.name,
      host: hostname(),
      pid: process.pid,
      engineVersion: this.engineVersion,
      device: this.device,
      backends: [...this.backends],
      queue: this.queueName,
      concurrency: this.concurrency,
      active: this.active,
      since: Date.now(),
    });
    this.heartbeat = new PresenceHeartbeat(redis, queueKeys.worker(this.id), presence, {
      ttlSeconds: 30,
      everyMs: 10_000,
    });
    await this.heartbeat.beat();
    this.worker = new Worker<unknown, AttemptResult>(
      this.queueName,
      async (job: Job, token?: string) => {
        this.active++;
        try {
          return await executeQueuedRunAttempt(job, token, context);
        } finally {
          this.active--;
          this.lostLocks.delete(job.id!);
        }
      },
      {
        connection: redis,
        prefix: bullPrefix,
        name: this.name,
        concurrency: this.concurrency,
        lockDuration: stallMs,
        stalledInterval: Math.max(500, Math.round(stallMs / 2)),
        maxStalledCount: this.options.maxStalls ?? 2,
      },
    );
    this.worker.on('lockRenewalFailed', (jobIds: string[]) => {
      for (const id of jobIds) {
        if (!this.announcedLost.has(id)) {
          this.announcedLost.add(id);
          this.log(
            `lost job ${id} to another worker: this worker was cut off from Redis (or frozen) for longer ` +
              'than its stall time, so the run was taken over from its last checkpoint; this copy stops',
          );
        }
        this.lostLocks.add(id);
      }
    });
    this.worker.on('error', (error: Error) => {
      if (this.stopping) return;
      // BullMQ's words for a job said lost above, at every renewal and at its end: said once is enough.
      const job = /(?:renew lock|Lock mismatch|Missing lock) for job (\S+?)\.?(?:\s|$)/.exec(
        error.message,
      )?.[1];
      if (job !== undefined && this.announcedLost.has(job)) return;
      this.log(`queue: ${error.message}`);
    });
    this.worker.on('stalled', (jobId: string) => {
      this.log(
        `job ${jobId} had stalled (its worker stopped answering): back on the queue, resumed from its last checkpoint`,
      );
    });
    await this.reportIncompatibleCoordinators();
    this.compatibilityTimer = setInterval(() => void this.reportIncompatibleCoordinators(), 60_000);
    this.compatibilityTimer.unref();
  }

  /** Says once per coordinator when its runs are for another engine version (they wait for others). */
  private async reportIncompatibleCoordinators(): Promise<void> {
    if (!this.redis || this.redis.status !== 'ready') return;
    try {
      for (const coordinator of await listCoordinators(this.redis)) {
        if (coordinator.engineVersion === this.engineVersion) continue;
        if (this.reportedCoordinators.has(coordinator.session)) continue;
        this.reportedCoordinators.add(coordinator.session);
        this.log(incompatibleCoordinatorMessage(coordinator, this.engineVersion));
      }
    } catch {
      // Only a message: the next round tries again.
    }
  }

  get activeRuns(): number {
    return this.active;
  }

  /**
   * Stops taking runs. Running ones stop at their next step and go back to the queue (without
   * using up an attempt), where another worker resumes them from their last checkpoint.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.compatibilityTimer) clearInterval(this.compatibilityTimer);
    await this.worker?.close();
    await this.heartbeat?.stop();
    if (this.redis) await closeRedis(this.redis);
  }
}
