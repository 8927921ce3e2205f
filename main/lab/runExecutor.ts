// Where a run executes is not the lab's business: it hands a RunSpec to a RunExecutor and
// listens. The local worker pool (main/workers/) implements this; a queue of remote workers can
// implement it too, and the experiment runner does not change.
import type { ResolvedArtifact, RunLoop, SelectionMetric } from './runPlan.ts';
import type { TrainerEnvironment } from './trainers/trainer.ts';

/** Everything a worker needs to execute one run, and nothing it would have to look up. */
export interface RunSpec {
  runId: number;
  /** Module the worker imports to find the trainer (see trainers/registry.ts). */
  trainerModuleUrl: string;
  trainerName: string;
  /** The kind's run config, as stored; the trainer validates it before use. */
  config: unknown;
  loop: RunLoop;
  selection: SelectionMetric;
  seed: number;
  inputs: Record<string, ResolvedArtifact>;
  /** Directory for this run's checkpoint files. */
  checkpointDirectory: string;
  /** Directory for the artifacts the run leaves (a trained model). */
  artifactDirectory: string;
  /**
   * What the run computes on (its experiment's choice; the worker process sets LAB_BACKEND to it).
   * Absent: the default of the machine it executes on (a `lab worker --backend`'s, else cpu).
   */
  backend?: string;
  /** Continue from this checkpoint file instead of starting at step 0. */
  resumeFrom?: string;
  /** How often buffered metric points are sent, in ms. */
  metricIntervalMs?: number;
}

/** An artifact a run wrote, as its worker announces it. */
export interface WrittenArtifact {
  name: string;
  format: string;
  path: string;
  bytes: number;
  step: number;
  meta: Record<string, unknown>;
}

export type RunEndStatus = 'completed' | 'diverged' | 'cancelled';

export interface RunHandlers {
  /** `host`: where the run executes, when that is not this machine (a queue worker's name). */
  started?(environment: TrainerEnvironment & { host?: string }, fromStep: number): void;
  /** Points as [nameIndex, step, wallTime, value] quadruples; names index into `names`. */
  metrics?(names: string[], packed: Float64Array): void;
  checkpoint?(step: number, path: string, bytes: number): void;
  artifact?(artifact: WrittenArtifact): void;
}

export interface RunExit {
  status: RunEndStatus | 'failed';
  reason: string | null;
  step: number;
  result: Record<string, number | null> | null;
}

export interface ExecutingRun {
  readonly exit: Promise<RunExit>;
  /** Asks the run to stop at its next step (it checkpoints); forces it after a grace period. */
  cancel(): void;
}

export interface RunExecutor {
  /** Runs that may execute at once. */
  readonly size: number;
  /** Queues a run; it starts when the executor has room. */
  run(spec: RunSpec, handlers: RunHandlers): ExecutingRun;
}
