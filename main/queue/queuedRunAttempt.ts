// One attempt of one queued run on a worker: fetch what the run reads into scratch space, resume
// from the run's newest checkpoint if there is one, execute it with the lab's own run worker in a
// child process (main/workers/runProcess.ts — the same loop, seeds and checkpoints as a local
// run), and stream every report to the coordinator in order. While it runs, it watches for a
// cancel from the coordinator, a coordinator that is gone, this worker shutting down, and a lost
// lock (another worker has taken the run over); each ends the child in its own way.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DelayedError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunExit } from '../lab/runExecutor.ts';
import { startRunProcess } from '../workers/runProcess.ts';
import { getBlob } from './blobs.ts';
import { localRunSpec, parseQueuedRun, resolveTrainerModule, type QueuedRun } from './queuedRun.ts';
import { queueKeys } from './queueKeys.ts';
import { readLatestCheckpoint, RunEventWriter, type RunEvent } from './runEvents.ts';

export interface AttemptContext {
  redis: Redis;
  /** The name runs record as their host. */
  name: string;
  engineVersion: string;
  scratchDirectory: string;
  keepSeconds: number;
  pollMs: number;
  workerEntry?: string;
  log(line: string): void;
  /** True once this worker is shutting down: running runs go back to the queue. */
  stopping(): boolean;
  /** True once BullMQ could not renew the job's lock: another worker may have it now. */
  lockLost(jobId: string): boolean;
  /** How long a worker of another engine version, or without the run's backend, leaves a job
   * before it may look again. */
  mismatchDelayMs: number;
  /** The backends runs may ask for here (a run whose experiment chose another is left queued). */
  backends: readonly string[];
}

export interface AttemptResult {
  status: RunExit['status'];
  step: number;
}

type Ending = 'finished' | 'cancelled' | 'abandoned' | 'handedBack' | 'superseded';

/** A failure already reported to the coordinator (or one it must not hear about: a superseded attempt). */
class ReportedFailure extends Error {}

/** Gives the job back to the queue (no attempt used up) and tells BullMQ not to touch it further. */
async function handBack(job: Job, token: string | undefined, afterMs: number): Promise<never> {
  await job.moveToDelayed(Date.now() + afterMs, token);
  throw new DelayedError();
}

async function fetchInputs(
  context: AttemptContext,
  run: QueuedRun,
  directory: string,
): Promise<Record<string, string>> {
  const paths: Record<string, string> = {};
  for (const [name, input] of Object.entries(run.inputs)) {
    const data = await getBlob(context.redis, input.blob, `input "${name}" (artifact ${input.artifactId})`);
    const path = join(directory, `${name}.${input.format}`);
    writeFileSync(path, data);
    paths[name] = path;
  }
  return paths;
}

export async function executeQueuedRunAttempt(
  job: Job,
  token: string | undefined,
  context: AttemptContext,
): Promise<AttemptResult> {
  const jobId = job.id!;
  const run = parseQueuedRun(job.data);
  const label = `run ${run.runId} of ${run.coordinatorHost}`;
  if (run.engineVersion !== context.engineVersion) {
    context.log(
      `${label} needs engine ${run.engineVersion}; this worker has engine ${context.engineVersion}. ` +
        'Left on the queue for a compatible worker.',
    );
    return handBack(job, token, context.mismatchDelayMs);
  }
  if (run.backend !== undefined && !context.backends.includes(run.backend)) {
    context.log(
      `${label} computes on ${run.backend} (its experiment's choice); this worker has ` +
        `${context.backends.join(', ')}. Left on the queue for a worker that has ${run.backend}.`,
    );
    return handBack(job, token, context.mismatchDelayMs);
  }
  const attempt = `${context.name}#${job.attemptsStarted}.${randomBytes(2).toString('hex')}`;
  const events = new RunEventWriter(context.redis, jobId, attempt, context.keepSeconds);
  const [cancelMark, coordinatorAlive] = await Promise.all([
    context.redis.get(queueKeys.cancel(jobId)),
    context.redis.exists(queueKeys.coordinator(run.coordinator)),
  ]);
  if (cancelMark !== null || coordinatorAlive === 0) {
    const reason =
      cancelMark !== null
        ? 'cancelled before it started'
        : `its coordinator on ${run.coordinatorHost} is gone`;
    context.log(`${label}: not started — ${reason}`);
    await events.write({ type: 'exit', exit: { status: 'cancelled', reason, step: 0, result: null } });
    return { status: 'cancelled', step: 0 };
  }

  const scratch = mkdtempSync(join(context.scratchDirectory, `${jobId}-`));
  try {
    const inputDirectory = join(scratch, 'inputs');
    mkdirSync(inputDirectory, { recursive: true });
    const inputs = await fetchInputs(context, run, inputDirectory);
    const checkpoint = await readLatestCheckpoint(context.redis, jobId);
    let resumeFrom: string | undefined;
    if (checkpoint) {
      resumeFrom = join(scratch, 'resume.ckpt');
      writeFileSync(resumeFrom, checkpoint.data);
      await events.write({
        type: 'note',
        message: `${context.name} resumes it from the checkpoint at step ${checkpoint.step}`,
      });
    }
    const spec = localRunSpec(run, {
      trainerModuleUrl: resolveTrainerModule(run.trainer),
      inputs,
      checkpointDirectory: join(scratch, 'checkpoints'),
      artifactDirectory: join(scratch, 'artifacts'),
      resumeFrom,
    });

    // Reports leave in the order the run made them: a checkpoint after the points before it.
    let forwarding: Promise<void> = Promise.resolve();
    let forwardError: Error | null = null;
    const forward = (make: () => RunEvent) => {
      forwarding = forwarding
        .then(() => events.write(make()))
        .catch((error: Error) => void (forwardError ??= error));
    };
    let lastCheckpointPath: string | null = null;
    const running = startRunProcess(
      spec,
      {
        started: (environment, fromStep) => {
          context.log(`${label}: started at step ${fromStep} (${environment.backend}/${environment.device})`);
          forward(() => ({
            type: 'started',
            environment: { ...environment, host: context.name },
            fromStep,
            worker: context.name,
          }));
        },
        metrics: (names, packed) => forward(() => ({ type: 'metrics', names, packed })),
        checkpoint: (step, path) =>
          forward(() => {
            const data = readFileSync(path);
            // Only the newest checkpoint is needed here: the coordinator keeps its own copies.
            if (lastCheckpointPath && lastCheckpointPath !== path)
              rmSync(lastCheckpointPath, { force: true });
            lastCheckpointPath = path;
            return { type: 'checkpoint', step, data };
          }),
        artifact: (written) =>
          forward(() => {
            const { path, ...artifact } = written;
            return { type: 'artifact', artifact, data: readFileSync(path) };
          }),
      },
      { workerEntry: context.workerEntry },
    );

    let ending: Ending = 'finished';
    let checking = false;
    const watch = setInterval(() => {
      if (checking || ending !== 'finished') return;
      if (context.lockLost(jobId)) ending = 'superseded';
      else if (context.stopping()) ending = 'handedBack';
      if (ending !== 'finished') return running.cancel();
      checking = true;
      Promise.all([
        context.redis.exists(queueKeys.cancel(jobId)),
        context.redis.exists(queueKeys.coordinator(run.coordinator)),
      ])
        .then(([cancelled, alive]) => {
          if (ending !== 'finished') return;
          if (cancelled === 1) ending = 'cancelled';
          else if (alive === 0) ending = 'abandoned';
          if (ending !== 'finished') running.cancel();
        })
        .catch(() => undefined)
        .finally(() => (checking = false));
    }, context.pollMs);

    let exit: RunExit;
    try {
      exit = await running.exit;
    } finally {
      clearInterval(watch);
    }
    await forwarding;
    if (forwardError) throw forwardError;
    // Everything the run left has been sent: its files go before the coordinator hears the end.
    rmSync(scratch, { recursive: true, force: true });

    switch (ending as Ending) {
      case 'superseded':
        throw new ReportedFailure(
          `${context.name} lost the run's lock (cut off from Redis?); another worker continues it`,
        );
      case 'handedBack':
        context.log(`${label}: handed back to the queue at step ${exit.step} (this worker is stopping)`);
        await events.write({
          type: 'note',
          message: `${context.name} stopped at step ${exit.step}; the run goes back to the queue and resumes from its last checkpoint`,
        });
        return handBack(job, token, 0);
      case 'abandoned':
        exit = {
          ...exit,
          status: 'cancelled',
          reason: `its coordinator on ${run.coordinatorHost} is gone; \`lab resume\` there continues it`,
        };
        break;
      case 'cancelled':
      case 'finished':
        break;
    }
    if (exit.status === 'failed') {
      const attempts = job.opts.attempts ?? 1;
      const attemptNumber = job.attemptsMade + 1;
      context.log(`${label}: attempt ${attemptNumber} of ${attempts} failed: ${exit.reason}`);
      await events.write({
        type: 'attemptFailed',
        reason: exit.reason ?? 'failed',
        attempt: attemptNumber,
        attempts,
      });
      // BullMQ retries it after its backoff, or fails the job with this reason after the last attempt.
      throw new ReportedFailure(`${exit.reason ?? 'failed'} (on worker ${context.name})`);
    }
    context.log(
      `${label}: ${exit.status} at step ${exit.step}${exit.reason ? ` — ${exit.reason.split('\n')[0]}` : ''}`,
    );
    await events.write({ type: 'exit', exit });
    return { status: exit.status, step: exit.step };
  } catch (error) {
    if (error instanceof DelayedError || error instanceof ReportedFailure) throw error;
    // The attempt could not start (an input gone, a trainer this machine lacks): it counts as one.
    const reason = `${(error as Error).message} (on worker ${context.name})`;
    const attempts = job.opts.attempts ?? 1;
    context.log(`${label}: attempt ${job.attemptsMade + 1} of ${attempts} failed: ${reason}`);
    await events
      .write({ type: 'attemptFailed', reason, attempt: job.attemptsMade + 1, attempts })
      .catch(() => undefined);
    throw new ReportedFailure(reason);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
