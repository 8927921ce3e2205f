// The coordinator's RunExecutor over BullMQ: each run becomes a job on the queue of this engine
// version, and whatever worker takes it — on this machine or another — reports back through the
// run's Redis stream. This side turns those reports into the same handler calls the local pool
// makes: checkpoint and artifact bytes are written under the coordinator's own directories and
// recorded exactly as a local run's, metric points keep their steps (the store writes them with
// INSERT OR REPLACE by run, metric and step, so an attempt that repeats steps after a retry
// replaces them instead of adding). The experiment runner does not know the difference.
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { engineVersion as thisEngineVersion } from '../../engine/info.ts';
import type { ExecutingRun, RunExecutor, RunExit, RunHandlers, RunSpec } from '../lab/runExecutor.ts';
import { writeFileAtomically } from '../workers/atomicFile.ts';
import { checkpointPath, readCheckpointFile } from '../workers/checkpointFile.ts';
import {
  PresenceHeartbeat,
  listWorkers,
  unservedBackendMessage,
  waitingRunsMessage,
  type CoordinatorPresence,
} from './presence.ts';
import { queuedRunOf } from './queuedRun.ts';
import {
  bullPrefix,
  defaultKeepSeconds,
  newSessionId,
  queueKeys,
  runJobId,
  runQueueName,
} from './queueKeys.ts';
import type { QueueAddress } from './queueAddress.ts';
import { checkRedis, closeRedis, openRedis } from './redisClient.ts';
import { parseStreamEntries, writeLatestCheckpoint, type StreamEntry } from './runEvents.ts';

export interface QueueExecutorOptions {
  address: QueueAddress;
  /** The engine version runs need (default: this checkout's). Workers of another version leave them. */
  engineVersion?: string;
  /** Attempts per run before it ends failed (a run that crashes every time). Default 3. */
  attempts?: number;
  /** Wait before the first retry, doubling after each (BullMQ's exponential backoff). Default 1000 ms. */
  backoffMs?: number;
  /** How often job states are checked (failed after its last attempt, lost). Default 1000 ms. */
  pollMs?: number;
  /** How long a cancelled running run may take to confirm before it is given up. Default 30 s. */
  cancelGraceMs?: number;
  /** How long runs wait before the executor says why (no compatible worker). Default 15 s. */
  waitingNoticeMs?: number;
  /** How long the lab's keys (streams, checkpoints, blobs) outlive their last write. Default 7 days. */
  keepSeconds?: number;
  /** Where to say what happens on the queue (retries, take-overs, waiting runs). Default: stderr. */
  log?: (line: string) => void;
}

interface Connections {
  redis: Redis;
  /** Its own connection: XREAD BLOCK holds it while it waits. */
  reader: Redis;
  queue: Queue;
  heartbeat: PresenceHeartbeat;
}

interface TrackedRun {
  jobId: string;
  spec: RunSpec;
  handlers: RunHandlers;
  /** On the queue (the job exists), so its state can be polled. */
  enqueued: boolean;
  /** Stream position read so far. */
  lastId: string;
  /** The attempt whose reports count (the last one that started), and its last entry number. */
  attempt: string | null;
  seq: number;
  step: number;
  queuedAt: number;
  cancelRequested: boolean;
  cancelDeadline: number | null;
  finish(exit: RunExit): void;
  finished: boolean;
}

const blockMs = 250;
const waitingStates = new Set(['waiting', 'delayed', 'prioritized', 'wait']);

function firstLine(text: string): string {
  return text.split('\n')[0];
}

export class QueueExecutor implements RunExecutor {
  /** No limit here: runs are queued at once, and the workers decide how many execute. */
  readonly size = Number.POSITIVE_INFINITY;
  readonly address: QueueAddress;
  readonly engineVersion: string;
  readonly queueName: string;
  readonly session = newSessionId();
  private readonly options: QueueExecutorOptions;
  private readonly log: (line: string) => void;
  private readonly keepSeconds: number;
  private readonly connections: Promise<Connections>;
  private readonly runs = new Map<string, TrackedRun>();
  private executions = 0;
  private pumping: Promise<void> | null = null;
  private closed = false;
  private lastWaitingNotice = 0;
  private lastReadError = 0;

  /** Connects and checks the server first, so a wrong URL or password is an error here, not per run. */
  static async connect(options: QueueExecutorOptions): Promise<QueueExecutor> {
    const executor = new QueueExecutor(options);
    try {
      await executor.connections;
    } catch (error) {
      await executor.close();
      throw error;
    }
    return executor;
  }

  /** Connects in the background; if that fails, each run fails with the reason. Prefer connect(). */
  constructor(options: QueueExecutorOptions) {
    this.options = options;
    this.address = options.address;
    this.engineVersion = options.engineVersion ?? thisEngineVersion;
    this.queueName = runQueueName(this.engineVersion);
    this.keepSeconds = options.keepSeconds ?? defaultKeepSeconds;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.connections = this.open();
    this.connections.catch(() => undefined);
  }

  private async open(): Promise<Connections> {
    const check = await checkRedis(this.address);
    for (const warning of check.warnings) this.log(`warning: ${warning}`);
    const redis = openRedis(this.address, `lab-coordinator-${this.session}`, this.log);
    const reader = openRedis(this.address, `lab-coordinator-${this.session}-reader`);
    const queue = new Queue(this.queueName, { connection: redis, prefix: bullPrefix });
    // Connection trouble is reported once by openRedis; BullMQ would print each error raw.
    queue.on('error', () => undefined);
    const presence: CoordinatorPresence = {
      session: this.session,
      host: hostname(),
      pid: process.pid,
      engineVersion: this.engineVersion,
      queue: this.queueName,
      since: Date.now(),
    };
    // Workers drop the runs of a coordinator whose key has expired (it is gone: nobody would record them).
    const heartbeat = new PresenceHeartbeat(redis, queueKeys.coordinator(this.session), () => presence, {
      ttlSeconds: 60,
      everyMs: 5000,
    });
    await heartbeat.beat();
    return { redis, reader, queue, heartbeat };
  }

  run(spec: RunSpec, handlers: RunHandlers): ExecutingRun {
    const jobId = runJobId(this.session, spec.runId, ++this.executions);
    let resolveExit!: (exit: RunExit) => void;
    const exit = new Promise<RunExit>((resolve) => (resolveExit = resolve));
    const run: TrackedRun = {
      jobId,
      spec,
      handlers,
      enqueued: false,
      lastId: '0-0',
      attempt: null,
      seq: 0,
      step: 0,
      queuedAt: Date.now(),
      cancelRequested: false,
      cancelDeadline: null,
      finished: false,
      finish: (result) => {
        if (run.finished) return;
        run.finished = true;
        this.runs.delete(jobId);
        resolveExit(result);
        void this.forget(jobId);
      },
    };
    this.enqueue(run).catch((error: Error) =>
      run.finish({
        status: 'failed',
        reason: `could not queue run ${spec.runId} at ${this.address.display}: ${error.message}`,
        step: run.step,
        result: null,
      }),
    );
    return { exit, cancel: () => void this.cancel(run).catch((error: Error) => this.log(error.message)) };
  }

  private async enqueue(run: TrackedRun): Promise<void> {
    const { redis, queue } = await this.connections;
    const { spec, jobId } = run;
    const data = await queuedRunOf(spec, {
      redis,
      engineVersion: this.engineVersion,
      coordinator: this.session,
      coordinatorHost: hostname(),
      keepSeconds: this.keepSeconds,
    });
    if (spec.resumeFrom) {
      // Where the first attempt starts: the newest checkpoint this coordinator recorded.
      const { header } = readCheckpointFile(spec.resumeFrom);
      await writeLatestCheckpoint(redis, jobId, header.step, readFileSync(spec.resumeFrom), this.keepSeconds);
      run.step = header.step;
    }
    if (run.cancelRequested) {
      run.finish({
        status: 'cancelled',
        reason: 'cancelled before it started',
        step: run.step,
        result: null,
      });
      return;
    }
    this.runs.set(jobId, run);
    await queue.add(`run ${spec.runId}`, data, {
      jobId,
      attempts: this.options.attempts ?? 3,
      backoff: { type: 'exponential', delay: this.options.backoffMs ?? 1000 },
      removeOnComplete: true,
      removeOnFail: { age: this.keepSeconds },
    });
    run.enqueued = true;
    this.ensurePump();
    if (run.cancelRequested) await this.cancel(run);
  }

  private async cancel(run: TrackedRun): Promise<void> {
    if (run.finished) return;
    run.cancelRequested = true;
    if (!run.enqueued) return; // enqueue() sees the flag
    const { redis, queue } = await this.connections;
    await redis.set(queueKeys.cancel(run.jobId), 'cancelled', 'EX', this.keepSeconds);
    run.cancelDeadline = Date.now() + (this.options.cancelGraceMs ?? 30_000);
    const job = await queue.getJob(run.jobId);
    const state = job ? await job.getState() : 'unknown';
    if (job && waitingStates.has(state)) {
      try {
        await job.remove();
        run.finish({
          status: 'cancelled',
          reason: 'cancelled before it started',
          step: run.step,
          result: null,
        });
      } catch {
        // A worker took it in the meantime: it sees the cancel mark within a second.
      }
    }
  }

  private ensurePump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      if (this.runs.size > 0) this.ensurePump();
    });
  }

  /** Reads every tracked run's stream and polls job states, until no run is left. */
  private async pump(): Promise<void> {
    const connections = await this.connections;
    let lastPoll = 0;
    while (this.runs.size > 0 && !this.closed) {
      try {
        await this.readEvents(connections);
        if (Date.now() - lastPoll >= (this.options.pollMs ?? 1000)) {
          lastPoll = Date.now();
          await this.pollJobs(connections);
        }
      } catch (error) {
        if (this.closed) break;
        if (Date.now() - this.lastReadError > 30_000) {
          this.lastReadError = Date.now();
          this.log(
            `reading run reports from ${this.address.display} failed (${(error as Error).message}); retrying`,
          );
        }
        await delay(1000);
      }
    }
  }

  private async readEvents({ reader, redis }: Connections): Promise<void> {
    const runs = [...this.runs.values()];
    if (runs.length === 0) return;
    const reply = await reader.xreadBuffer(
      'COUNT',
      500,
      'BLOCK',
      blockMs,
      'STREAMS',
      ...runs.map((r) => queueKeys.events(r.jobId)),
      ...runs.map((r) => r.lastId),
    );
    if (!reply) return;
    const byKey = new Map(runs.map((r) => [queueKeys.events(r.jobId), r]));
    for (const [key, raw] of reply) {
      const run = byKey.get(key.toString());
      if (!run) continue;
      const entries = parseStreamEntries(raw);
      for (const entry of entries) {
        run.lastId = entry.id;
        if (!run.finished) this.handle(run, entry);
      }
      // Read is recorded (in the store, by the handlers): the stream need not keep it.
      if (entries.length > 0) await redis.xdel(key.toString(), ...entries.map((e) => e.id));
    }
  }

  /** Reads what is left in a run's stream without blocking (before deciding it has ended). */
  private async drain({ redis }: Connections, run: TrackedRun): Promise<void> {
    const raw = await redis.xrangeBuffer(queueKeys.events(run.jobId), `(${run.lastId}`, '+');
    for (const entry of parseStreamEntries(raw)) {
      run.lastId = entry.id;
      if (!run.finished) this.handle(run, entry);
    }
  }

  private handle(run: TrackedRun, entry: StreamEntry): void {
    const { event } = entry;
    const { spec, handlers } = run;
    const label = `run ${spec.runId}`;
    try {
      if (event.type === 'note') return this.log(`${label}: ${event.message}`);
      if (event.type === 'attemptFailed') {
        const retried = event.attempt < event.attempts;
        return this.log(
          `${label}: attempt ${event.attempt} of ${event.attempts} failed on ${entry.attempt.split('#')[0]}: ` +
            `${firstLine(event.reason)}${retried ? ' — it is retried from its last checkpoint' : ''}`,
        );
      }
      if (event.type === 'started') {
        if (entry.attempt === run.attempt) return; // the same report twice (a reconnect resent it)
        const takeover = run.attempt !== null;
        run.attempt = entry.attempt;
        run.seq = entry.seq;
        run.step = event.fromStep;
        if (takeover || event.fromStep > 0) {
          this.log(
            `${label} ${takeover ? 'taken over by' : 'started on'} ${event.worker} ` +
              `(${event.environment.backend}/${event.environment.device}) from step ${event.fromStep}`,
          );
        }
        return handlers.started?.(event.environment, event.fromStep);
      }
      // Reports of an attempt that has been superseded, or sent twice, change nothing.
      if (entry.attempt !== run.attempt || entry.seq <= run.seq) return;
      run.seq = entry.seq;
      switch (event.type) {
        case 'metrics':
          for (let i = 1; i < event.packed.length; i += 4) run.step = Math.max(run.step, event.packed[i]);
          return handlers.metrics?.(event.names, event.packed);
        case 'checkpoint': {
          const path = checkpointPath(spec.checkpointDirectory, event.step);
          const bytes = writeFileAtomically(path, [event.data]);
          return handlers.checkpoint?.(event.step, path, bytes);
        }
        case 'artifact': {
          const path = join(spec.artifactDirectory, `${event.artifact.name}.${event.artifact.format}`);
          const bytes = writeFileAtomically(path, [event.data]);
          return handlers.artifact?.({ ...event.artifact, path, bytes });
        }
        case 'exit':
          return run.finish(event.exit);
      }
    } catch (error) {
      this.log(`${label}: recording a ${event.type} report failed: ${(error as Error).message}`);
    }
  }

  private async pollJobs(connections: Connections): Promise<void> {
    const { queue } = connections;
    const runs = [...this.runs.values()].filter((r) => r.enqueued && !r.finished);
    const states = await Promise.all(runs.map((r) => queue.getJobState(r.jobId)));
    // Each waiting run by its experiment's backend (undefined: any worker's default).
    const waiting: (string | undefined)[] = [];
    let oldestWait = Date.now();
    for (const [i, run] of runs.entries()) {
      const state = states[i];
      if (state === 'failed' || state === 'unknown' || state === 'completed') {
        await this.drain(connections, run);
        if (run.finished) continue;
        if (state === 'failed') {
          const job = await queue.getJob(run.jobId);
          run.finish({
            status: 'failed',
            reason:
              `${job?.failedReason || 'failed on the queue'} ` +
              `(gave up after ${job?.attemptsMade ?? '?'} attempt(s) on ${this.address.display})`,
            step: run.step,
            result: null,
          });
        } else if (state === 'unknown') {
          run.finish({
            status: 'failed',
            reason:
              `its job is no longer on the queue at ${this.address.display}: Redis lost its data (restarted without ` +
              'persistence?) or someone removed it. `lab resume <experiment>` continues from the last checkpoint recorded here',
            step: run.step,
            result: null,
          });
        }
        // 'completed' without an exit report: it is on its way (the report precedes completion).
        continue;
      }
      if (run.cancelDeadline !== null && Date.now() > run.cancelDeadline) {
        run.finish({
          status: 'cancelled',
          reason: 'cancelled; its worker did not confirm in time (it stops when it sees the cancel mark)',
          step: run.step,
          result: null,
        });
        continue;
      }
      if (waitingStates.has(state) && run.attempt === null) {
        waiting.push(run.spec.backend);
        oldestWait = Math.min(oldestWait, run.queuedAt);
      }
    }
    const noticeAfter = this.options.waitingNoticeMs ?? 15_000;
    if (
      waiting.length > 0 &&
      Date.now() - oldestWait > noticeAfter &&
      Date.now() - this.lastWaitingNotice > 60_000
    ) {
      this.lastWaitingNotice = Date.now();
      const workers = await listWorkers(connections.redis);
      const { engineVersion, address } = this;
      const message =
        waitingRunsMessage(waiting.length, engineVersion, address.display, workers) ??
        unservedBackendMessage(waiting, engineVersion, address.display, workers);
      if (message) this.log(message);
    }
  }

  /** A finished run's keys go; a mark stays a while so that a straggling attempt stops at once. */
  private async forget(jobId: string): Promise<void> {
    try {
      const { redis } = await this.connections;
      await redis
        .multi()
        .del(queueKeys.events(jobId), queueKeys.checkpoint(jobId))
        .set(queueKeys.cancel(jobId), 'finished', 'EX', 3600)
        .exec();
    } catch {
      // Best effort: the keys expire on their own.
    }
  }

  /** Stops reading. Runs still executing are told to stop (they stay resumable). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const connections = await this.connections.catch(() => null);
    const left = [...this.runs.values()];
    for (const run of left) {
      if (connections)
        await connections.redis
          .set(queueKeys.cancel(run.jobId), 'cancelled', 'EX', 3600)
          .catch(() => undefined);
      run.finish({
        status: 'cancelled',
        reason: 'the coordinator closed its connection to the queue',
        step: run.step,
        result: null,
      });
    }
    if (!connections) return;
    connections.reader.disconnect();
    await this.pumping?.catch(() => undefined);
    await connections.heartbeat.stop();
    await connections.queue.close();
    await closeRedis(connections.redis);
  }
}
