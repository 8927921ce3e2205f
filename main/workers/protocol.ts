// Messages between the main process and a run's worker process (structured-clone IPC, so
// metric batches cross as one Float64Array instead of thousands of JSON objects).
import type { RunEndStatus, RunSpec, WrittenArtifact } from '../lab/runExecutor.ts';
import type { TrainerEnvironment } from '../lab/trainers/trainer.ts';
import type { GraphFunction } from '../lab/views/types.ts';

export type MainToWorker =
  | { type: 'start'; spec: RunSpec }
  | { type: 'cancel' }
  /** Build the run's trainer and describe its compiled functions instead of training. */
  | { type: 'describe'; spec: RunSpec };

export type WorkerToMain =
  | { type: 'started'; environment: TrainerEnvironment; fromStep: number }
  /** Points as [nameIndex, step, wallTime, value] quadruples; names index into `names`. */
  | { type: 'metrics'; names: string[]; packed: Float64Array }
  | { type: 'checkpoint'; step: number; path: string; bytes: number }
  | { type: 'artifact'; artifact: WrittenArtifact }
  | {
      type: 'finished';
      status: RunEndStatus;
      step: number;
      reason: string | null;
      result: Record<string, number | null>;
    }
  | { type: 'graphs'; functions: GraphFunction[] }
  | { type: 'error'; message: string };
