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

export interface RunRecord {
  id: number;
  experimentId: number;
  planKey: string;
  phase: string;
  label: string;
  trainer: string;
  status: RunStatus;
  reason: string | null;
  config: unknown;
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
  kind: 'checkpoint' | 'model';
  path: string;
  step: number;
  bytes: number;
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
  values: (number | null)[];
  /** Points stored for this range, before downsampling. */
  totalPoints: number;
  downsampled: boolean;
}
