// Every Redis key the lab uses, in one place. BullMQ's own keys live under `lab:queue:<queue>:…`;
// the lab's beside them under `lab:run:…`, `lab:blob:…` and `lab:presence:…`, so an ACL user
// limited to `~lab:*` is all the lab needs.
import { randomBytes } from 'node:crypto';

/** BullMQ's key prefix. */
export const bullPrefix = 'lab:queue';

/**
 * The queue of runs for one engine version. A worker takes runs only from the queue of its own
 * version, so a run never lands on a worker whose engine would compute different numbers: it stays
 * queued until a compatible worker comes (and both sides say why in their logs).
 */
export function runQueueName(engineVersion: string): string {
  return `runs-engine-${engineVersion.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/** A run's job: unique per coordinator session and execution, so a resumed run never meets its old job. */
export function runJobId(session: string, runId: number, execution: number): string {
  return `${session}-run${runId}-${execution}`;
}

/** A coordinator session: random, so two lab databases sharing one Redis never share a job id. */
export function newSessionId(): string {
  return `c${randomBytes(6).toString('hex')}`;
}

export const queueKeys = {
  /** Stream of what the run's workers report (started, metrics, checkpoints, artifacts, exit). */
  events: (jobId: string) => `lab:run:${jobId}:events`,
  /** Hash {step, data}: the newest checkpoint, where a retry on another worker resumes from. */
  checkpoint: (jobId: string) => `lab:run:${jobId}:checkpoint`,
  /** Set when the coordinator cancels the run (or has its result and wants stragglers to stop). */
  cancel: (jobId: string) => `lab:run:${jobId}:cancel`,
  /** Content-addressed bytes a run reads (input artifacts), shared by every run that reads them. */
  blob: (sha256: string) => `lab:blob:${sha256}`,
  coordinator: (session: string) => `lab:presence:coordinator:${session}`,
  worker: (id: string) => `lab:presence:worker:${id}`,
  coordinatorPattern: 'lab:presence:coordinator:*',
  workerPattern: 'lab:presence:worker:*',
};

/** How long the lab's own keys outlive their last write unless removed sooner (7 days). */
export const defaultKeepSeconds = 7 * 24 * 3600;
