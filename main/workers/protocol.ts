// Messages between the main process and a run's worker process (structured-clone IPC, so
// metric batches cross as one Float64Array instead of thousands of JSON objects).
import type { TrainerEnvironment, TrainerRunConfig } from '../lab/trainers/trainer.ts';

export interface WorkerRunSpec {
  runId: number;
  /** Module the worker imports to find the trainer (see trainers/registry.ts). */
  trainerModuleUrl: string;
  trainerName: string;
  config: TrainerRunConfig;
  seed: number;
  /** Directory for this run's checkpoint files. */
  checkpointDirectory: string;
  /** Continue from this checkpoint file instead of starting at step 0. */
  resumeFrom?: string;
  /** How often buffered metric points are sent, in ms. */
  metricIntervalMs?: number;
}

export type MainToWorker = { type: 'start'; spec: WorkerRunSpec } | { type: 'cancel' };

export type RunEndStatus = 'completed' | 'diverged' | 'cancelled';

export type WorkerToMain =
  | { type: 'started'; environment: TrainerEnvironment; fromStep: number }
  /** Points as [nameIndex, step, wallTime, value] quadruples; names index into `names`. */
  | { type: 'metrics'; names: string[]; packed: Float64Array }
  | { type: 'checkpoint'; step: number; path: string; bytes: number }
  | {
      type: 'finished';
      status: RunEndStatus;
      step: number;
      reason: string | null;
      result: Record<string, number | null>;
    }
  | { type: 'error'; message: string };
