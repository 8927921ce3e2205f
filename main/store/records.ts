// What the store hands out: plain objects with parsed JSON, camelCase names and typed statuses.

export const runStatuses = [
  'queued',
  'running',
  'completed',
  'failed',
  'diverged',
  'cancelled',
  'interrupted',
] as const;
export type RunStatus = (typeof runStatuses)[number];

export type ExperimentStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

export interface DefinitionRecord {
  id: number;
  path: string;
  kind: string;
  text: string;
  hash: string;
  createdAt: number;
}

export interface ExperimentRecord {
  id: number;
  definitionId: number;
  kind: string;
  name: string;
  config: unknown;
  status: ExperimentStatus;
  reason: string | null;
  report: unknown;
  ownerPid: number | null;
  ownerHost: string | null;
  cancelRequested: boolean;
  /** Runs the experiment needs as far as its plan knows (null before it was first planned). */
  runsPlanned: number | null;
  /** Whether runsPlanned is all there will be (later runs may depend on results). */
  planComplete: boolean;
  /** What its runs compute on (`cpu`, `cuda`, `js`); null: the default where each run executes. */
  backend: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Where a run executed: enough to reproduce its numbers. */
export interface RunEnvironment {
  engineVersion: string;
  backend: string;
  device: string;
  host: string;
}

/**
 * How the lab drives one run's loop in its worker: steps, evaluation, checkpoints, divergence.
 * The same for every kind; stored with the run.
 */
export interface RunLoop {
  steps: number;
  /** Evaluate every this many steps (and at the last step). */
  evalEvery: number;
  /** Write a checkpoint every this many steps: what `lab resume` continues from. */
  checkpointEvery: number;
  /**
   * A finite training loss, or a finite value of a `min` selection metric, above
   * divergenceFactor × max(1, |its first evaluated value|) ends the run as diverged; null:
   * only non-finite values do.
   */
  divergenceFactor: number | null;
}

/** The evaluation metric a kind chooses on (learning rates, checkpoints, teachers), and its sense. */
export interface SelectionMetric {
  name: string;
  goal: 'min' | 'max';
}

export interface RunRecord {
  id: number;
  experimentId: number;
  planKey: string;
  phase: string;
  label: string;
  trainer: string;
  status: RunStatus;
  reason: string | null;
  /** The kind's run config, as its trainer received it. */
  config: unknown;
  loop: RunLoop;
  selection: SelectionMetric;
  /** Artifacts the run read, by the name its trainer knows them under → artifact id. */
  inputs: Record<string, number>;
  seed: number;
  steps: number;
  step: number;
  environment: RunEnvironment | null;
  result: Record<string, number | null> | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

export interface ArtifactRecord {
  id: number;
  runId: number;
  /** A checkpoint (resume state, pruned) or a model the run leaves for others (kept). */
  kind: 'checkpoint' | 'model';
  /** A model's name within its run (`model`, `optimizer`); null for checkpoints. */
  name: string | null;
  format: string | null;
  path: string;
  step: number;
  bytes: number;
  /** What a reader needs besides the file (architecture, config); {} for checkpoints. */
  meta: Record<string, unknown>;
  createdAt: number;
}

export interface EventRecord {
  id: number;
  experimentId: number | null;
  runId: number | null;
  time: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data: unknown;
}

export function parseJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

export interface SeriesQuery {
  /** Roughly the chart's width in pixels; at most 2 × maxPoints points come back. */
  maxPoints?: number;
  fromStep?: number;
  toStep?: number;
}

export interface MetricSeries {
  runId: number;
  name: string;
  steps: number[];
  /** When each point was recorded (ms since the epoch), for charts over wall time. */
  wallTimes: number[];
  values: (number | null)[];
  /** Points stored for this range, before downsampling. */
  totalPoints: number;
  downsampled: boolean;
}
