// LabApi: the one typed contract between the renderer and the lab. The Electron preload
// exposes it with contextBridge; browser mode serves it over HTTP + WebSocket. The renderer
// imports only these types, never the engine or native code; the types it re-exports come from
// files without imports, so the renderer's type check never reaches Node-only modules.
import type { DefinitionProblem } from '../lab/definitions/definitionError.ts';
import type { ProgressEvent } from '../lab/progress.ts';
import type {
  EventRecord,
  ExperimentRecord,
  MetricSeries,
  RunRecord,
  SeriesQuery,
} from '../store/records.ts';

export type {
  DefinitionProblem,
  EventRecord,
  ExperimentRecord,
  MetricSeries,
  ProgressEvent,
  RunRecord,
  SeriesQuery,
};

export interface LabInfo {
  /** The engine's version (package.json version of the lab). */
  engineVersion: string;
  /** Node.js version of the process serving the API. */
  nodeVersion: string;
  /** Backends that load on this machine, in order of preference. */
  backends: string[];
}

export interface ExperimentDetail {
  experiment: ExperimentRecord;
  runs: RunRecord[];
  events: EventRecord[];
}

/** A definition file shipped in curricula/. */
export interface CurriculumFile {
  /** File name, e.g. `optimizers-quick.yaml`. */
  name: string;
  /** Its `experiment.name`, or null if the file does not validate. */
  title: string | null;
  problems: DefinitionProblem[];
}

export type CreateExperimentResult =
  { ok: true; experimentId: number } | { ok: false; problems: DefinitionProblem[] };

export interface LabApi {
  info(): Promise<LabInfo>;
  /** Experiments, newest first. */
  listExperiments(): Promise<ExperimentRecord[]>;
  getExperiment(id: number): Promise<ExperimentDetail | null>;
  /** Validates a definition and, if it is valid, starts it; progress arrives through onProgress. */
  createExperiment(definitionText: string, fileName: string): Promise<CreateExperimentResult>;
  cancelExperiment(id: number): Promise<void>;
  resumeExperiment(id: number): Promise<void>;
  /** Run and experiment progress, throttled per run; returns the unsubscribe function. */
  onProgress(listener: (event: ProgressEvent) => void): () => void;
  metricNames(runId: number): Promise<string[]>;
  /** A metric curve, min/max-downsampled to at most 2 × maxPoints points. */
  metricSeries(runId: number, name: string, query?: SeriesQuery): Promise<MetricSeries>;
  listCurricula(): Promise<CurriculumFile[]>;
  readCurriculum(name: string): Promise<string>;
  /** Problems in a definition (empty when it is valid), located by line, column and key path. */
  validateDefinition(definitionText: string, fileName: string): Promise<DefinitionProblem[]>;
}
