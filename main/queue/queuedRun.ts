// What a queued job carries: the RunSpec without anything that only makes sense on the
// coordinator's disk. Paths become references: the trainer's module by its path inside the
// project (every machine has its own checkout), input artifacts by blob, the directories for
// checkpoints and artifacts by nothing at all (a worker uses scratch space and sends the bytes
// back). The checkpoint to resume from is not in the job but in the run's checkpoint key, where
// a retry also finds the newest one a failed attempt left.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';
import type { RunSpec } from '../lab/runExecutor.ts';
import type { ResolvedArtifact, RunLoop, SelectionMetric } from '../lab/runPlan.ts';
import { findTrainer } from '../lab/trainers/registry.ts';
import { projectRoot } from '../paths.ts';
import { putBlob, type BlobReference } from './blobs.ts';

/** Bumped when the job's shape changes; a worker refuses jobs of another protocol. Protocol 2: a
 * job carries its experiment's backend (a protocol-1 worker would compute it on its own default). */
export const queueProtocol = 2;

export interface QueuedInput extends Omit<ResolvedArtifact, 'path'> {
  blob: BlobReference;
}

export interface QueuedTrainer {
  name: string;
  /** The module's path relative to the project root (posix), when it is inside the project. */
  projectPath: string | null;
  /** Where the coordinator loaded it from: only for messages. */
  coordinatorUrl: string;
}

export interface QueuedRun {
  protocol: number;
  engineVersion: string;
  /** The coordinator session that waits for this run (its presence key says whether it still does). */
  coordinator: string;
  coordinatorHost: string;
  runId: number;
  trainer: QueuedTrainer;
  config: unknown;
  loop: RunLoop;
  selection: SelectionMetric;
  seed: number;
  inputs: Record<string, QueuedInput>;
  metricIntervalMs?: number;
  /** The backend its experiment computes on (`lab run --backend`); absent: the worker's default. */
  backend?: string;
}

/** A module URL as a path inside the project, or null for a module outside it (or not a file). */
export function projectPathOf(moduleUrl: string, root = projectRoot): string | null {
  if (!moduleUrl.startsWith('file:')) return null;
  const path = relative(root, fileURLToPath(moduleUrl));
  if (path === '' || path.startsWith('..') || isAbsolute(path)) return null;
  return path.split(sep).join('/');
}

export interface QueuedRunContext {
  redis: Redis;
  engineVersion: string;
  coordinator: string;
  coordinatorHost: string;
  keepSeconds: number;
}

/** Turns a RunSpec into a job: uploads the inputs it reads, maps its trainer to the project. */
export async function queuedRunOf(spec: RunSpec, context: QueuedRunContext): Promise<QueuedRun> {
  const inputs: Record<string, QueuedInput> = {};
  for (const [name, input] of Object.entries(spec.inputs)) {
    const { path, ...rest } = input;
    inputs[name] = { ...rest, blob: await putBlob(context.redis, readFileSync(path), context.keepSeconds) };
  }
  return {
    protocol: queueProtocol,
    engineVersion: context.engineVersion,
    coordinator: context.coordinator,
    coordinatorHost: context.coordinatorHost,
    runId: spec.runId,
    trainer: {
      name: spec.trainerName,
      projectPath: projectPathOf(spec.trainerModuleUrl),
      coordinatorUrl: spec.trainerModuleUrl,
    },
    config: spec.config,
    loop: spec.loop,
    selection: spec.selection,
    seed: spec.seed,
    inputs,
    metricIntervalMs: spec.metricIntervalMs,
    ...(spec.backend !== undefined && { backend: spec.backend }),
  };
}

/** Checks a job's data before a worker trusts it; throws naming what does not fit. */
export function parseQueuedRun(data: unknown): QueuedRun {
  const run = data as Partial<QueuedRun> | null;
  if (typeof run !== 'object' || run === null) throw new Error('the job carries no run');
  if (run.protocol !== queueProtocol) {
    throw new Error(
      `the job was queued with queue protocol ${String(run.protocol)}, this worker speaks protocol ${queueProtocol}: ` +
        'run coordinator and workers from the same version of the lab',
    );
  }
  const missing = (
    ['engineVersion', 'coordinator', 'runId', 'trainer', 'loop', 'selection', 'seed', 'inputs'] as const
  )
    .filter((field) => run[field] === undefined)
    .join(', ');
  if (missing) throw new Error(`the job's run lacks ${missing}`);
  return run as QueuedRun;
}

/**
 * The module a worker imports for the job's trainer: the same file in this machine's checkout,
 * else a module loaded here with --trainers that provides the trainer. Throws saying how to fix it.
 */
export function resolveTrainerModule(trainer: QueuedTrainer, root = projectRoot): string {
  if (trainer.projectPath !== null) {
    const path = resolve(root, trainer.projectPath);
    const inside = !relative(root, path).startsWith('..');
    if (inside && existsSync(path)) return pathToFileURL(path).href;
  }
  const registered = findTrainer(trainer.name);
  if (registered) return registered.moduleUrl;
  throw new Error(
    `trainer ${trainer.name} is not available on this worker: the coordinator loaded it from ` +
      `${trainer.coordinatorUrl}` +
      (trainer.projectPath !== null
        ? `, which is ${trainer.projectPath} in the project, and this checkout (${root}) has no such file: update it`
        : `, outside the project: copy that module to this machine and start the worker with --trainers <its path>`),
  );
}

/** The RunSpec a worker executes: the job's run with this machine's paths. */
export function localRunSpec(
  run: QueuedRun,
  paths: {
    trainerModuleUrl: string;
    inputs: Record<string, string>;
    checkpointDirectory: string;
    artifactDirectory: string;
    resumeFrom?: string;
  },
): RunSpec {
  const inputs: Record<string, ResolvedArtifact> = {};
  for (const [name, input] of Object.entries(run.inputs)) {
    const { blob: _blob, ...artifact } = input;
    inputs[name] = { ...artifact, path: paths.inputs[name] };
  }
  return {
    runId: run.runId,
    trainerModuleUrl: paths.trainerModuleUrl,
    trainerName: run.trainer.name,
    config: run.config,
    loop: run.loop,
    selection: run.selection,
    seed: run.seed,
    inputs,
    checkpointDirectory: paths.checkpointDirectory,
    artifactDirectory: paths.artifactDirectory,
    resumeFrom: paths.resumeFrom,
    metricIntervalMs: run.metricIntervalMs,
    ...(run.backend !== undefined && { backend: run.backend }),
  };
}
