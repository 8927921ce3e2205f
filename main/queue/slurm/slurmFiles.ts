// The shared directory a Slurm-driven experiment lives in (for clusters without Redis): the
// coordinator writes each run's spec there, an array task executes it and appends what the run
// reports, and the coordinator reads that back into the lab database. Everything is a plain file
// on the cluster's shared filesystem; nothing needs a server.
//
//   <dir>/experiment.json              the database and experiment it belongs to
//   <dir>/stage-<k>.sbatch             the job array of stage k (submit with sbatch)
//   <dir>/stage-<k>/tasks.json         array index → run id
//   <dir>/runs/run-<id>/spec.json      the RunSpec, with paths inside the run's directory
//   <dir>/runs/run-<id>/events.ndjson  what the run reported, one JSON object a line
//   <dir>/runs/run-<id>/exit.json      how it ended (written last: its presence means done)
//   <dir>/logs/                        the tasks' stdout and stderr
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunExit, WrittenArtifact } from '../../lab/runExecutor.ts';
import type { TrainerEnvironment } from '../../lab/trainers/trainer.ts';
import { UserError } from '../../userError.ts';

export interface SlurmExperiment {
  version: 1;
  /** Absolute path of the lab database the experiment is in. */
  database: string;
  experimentId: number;
  /** Trainer modules loaded besides the built-in ones (--trainers). */
  trainers: string[];
}

/** One line of events.ndjson. Metric points are the packed float64 bytes in base64 (exact). */
export type SlurmRunEvent =
  | { type: 'started'; environment: TrainerEnvironment & { host: string }; fromStep: number }
  | { type: 'metrics'; names: string[]; packed: string }
  | { type: 'checkpoint'; step: number; path: string; bytes: number }
  | { type: 'artifact'; artifact: WrittenArtifact };

export function slurmPaths(directory: string) {
  const run = (runId: number) => join(directory, 'runs', `run-${runId}`);
  const stage = (k: number) => join(directory, `stage-${k}`);
  return {
    directory,
    experiment: join(directory, 'experiment.json'),
    logs: join(directory, 'logs'),
    run,
    spec: (runId: number) => join(run(runId), 'spec.json'),
    events: (runId: number) => join(run(runId), 'events.ndjson'),
    exit: (runId: number) => join(run(runId), 'exit.json'),
    stage,
    tasks: (k: number) => join(stage(k), 'tasks.json'),
    script: (k: number) => join(directory, `stage-${k}.sbatch`),
  };
}

export type SlurmPaths = ReturnType<typeof slurmPaths>;

export function readSlurmExperiment(directory: string): SlurmExperiment {
  const path = slurmPaths(directory).experiment;
  if (!existsSync(path)) {
    throw new UserError(
      `${directory} is not a Slurm experiment directory (it has no experiment.json): start one with ` +
        '`lab slurm <file.yaml> --out <dir>`',
    );
  }
  return JSON.parse(readFileSync(path, 'utf8')) as SlurmExperiment;
}

/** The stages written so far (1, 2, …). */
export function slurmStages(directory: string): number[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .map((name) => /^stage-(\d+)\.sbatch$/.exec(name)?.[1])
    .filter((k): k is string => k !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export function readRunExit(paths: SlurmPaths, runId: number): RunExit | null {
  const path = paths.exit(runId);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as RunExit) : null;
}

export function readRunEvents(paths: SlurmPaths, runId: number): SlurmRunEvent[] {
  const path = paths.events(runId);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SlurmRunEvent);
}

export function packedToBase64(packed: Float64Array): string {
  return Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength).toString('base64');
}

export function packedFromBase64(text: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float64Array(copy.buffer);
}
