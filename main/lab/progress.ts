// Progress of experiments and runs, as the main process streams it to the CLI and the renderer.
import type { ExperimentStatus, RunStatus } from '../store/records.ts';

export interface RunProgress {
  type: 'run';
  experimentId: number;
  runId: number;
  label: string;
  phase: string;
  status: RunStatus;
  step: number;
  steps: number;
  /** Latest training loss, if any yet. */
  loss: number | null;
  reason: string | null;
}

export interface ExperimentProgress {
  type: 'experiment';
  experimentId: number;
  status: ExperimentStatus;
  runsFinished: number;
  runsPlanned: number;
  reason: string | null;
}

export type ProgressEvent = RunProgress | ExperimentProgress;
export type ProgressListener = (event: ProgressEvent) => void;
