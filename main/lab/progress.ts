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
  /** Latest value of each `mastery/<skill>` metric the run logs (roadmap runs), by skill, in roadmap order. */
  mastery?: Record<string, number>;
  /** Sent once, as the run starts: what the researcher should know about where it computes. */
  warning?: string;
}

export interface ExperimentProgress {
  type: 'experiment';
  experimentId: number;
  status: ExperimentStatus;
  runsFinished: number;
  /** Runs the experiment needs as far as known now. */
  runsPlanned: number;
  /** False while later runs depend on results (they are planned as those arrive). */
  planComplete: boolean;
  reason: string | null;
}

export type ProgressEvent = RunProgress | ExperimentProgress;
export type ProgressListener = (event: ProgressEvent) => void;
