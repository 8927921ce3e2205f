// LabApi: the one typed contract between the renderer and the lab. The Electron preload
// exposes it with contextBridge; browser mode serves it over HTTP + WebSocket. Both transports
// are built from `labApiMethods` below (a compile-time check keeps it complete), and the server
// side checks every argument (labApiTransport.ts). The renderer imports only this file; the
// types it re-exports come from files without runtime imports, so the renderer's type check
// never reaches Node-only modules.
// What a run can compute on: a constant list in a file without imports, part of the contract.
export { labBackendNames, type LabBackendName } from '../lab/backendNames.ts';
import type { DefinitionProblem } from '../lab/definitions/definitionError.ts';
import type { ProgressEvent } from '../lab/progress.ts';
import type {
  CompareGroup,
  CompareQuery,
  CompareResult,
  CurriculumFile,
  ExperimentDetail,
  ExperimentSummary,
  GraphFunction,
  GraphJson,
  GraphNode,
  RunDetail,
  RunQuery,
  RunSummary,
} from '../lab/views/types.ts';
import type {
  IntervalCell,
  LabReport,
  ReportCell,
  ReportChart,
  ReportSeries,
  ReportTable,
} from '../lab/report/labReport.ts';
import type {
  ArtifactRecord,
  EventRecord,
  ExperimentRecord,
  ExperimentStatus,
  MetricSeries,
  RunEnvironment,
  RunRecord,
  RunStatus,
  SelectionMetric,
  SeriesQuery,
} from '../store/records.ts';
import type { RoadmapSummary, RoadmapVersionRecord, StoredRoadmap } from '../store/roadmapRecords.ts';

export type {
  CompareGroup,
  CompareQuery,
  CompareResult,
  CurriculumFile,
  ExperimentDetail,
  ExperimentSummary,
  GraphFunction,
  GraphJson,
  GraphNode,
  RunDetail,
  RunQuery,
  RunSummary,
};

export type {
  ArtifactRecord,
  DefinitionProblem,
  EventRecord,
  ExperimentRecord,
  ExperimentStatus,
  IntervalCell,
  LabReport,
  MetricSeries,
  ProgressEvent,
  ReportCell,
  ReportChart,
  ReportSeries,
  ReportTable,
  RoadmapSummary,
  RoadmapVersionRecord,
  RunEnvironment,
  RunRecord,
  RunStatus,
  SelectionMetric,
  SeriesQuery,
  StoredRoadmap,
};

export interface LabInfo {
  /** The engine's version (package.json version of the lab). */
  engineVersion: string;
  /** Node.js version of the process serving the API. */
  nodeVersion: string;
  /** Backends that load on this machine, fastest first. */
  backends: string[];
  /** The lab database this API serves. */
  databasePath: string;
  /** Where experiments started here execute: `this machine (cpu)`, or `queue redis://HOST:PORT` (lab workers). */
  runsOn: string;
  /** What a new experiment's runs compute on unless it chooses: `--backend`/LAB_BACKEND, else cpu (js without the addon). */
  defaultBackend: string;
}

export type CreateExperimentResult =
  { ok: true; experimentId: number } | { ok: false; problems: DefinitionProblem[] };

/** A run's model as a file for download (LabApi.exportModel): the bytes base64-encoded. */
export interface ModelFile {
  fileName: string;
  mediaType: string;
  base64: string;
  /** What was written, in which layout, how to load it. */
  summary: string[];
}

export interface LabApi {
  info(): Promise<LabInfo>;
  /** Experiments, newest first. */
  listExperiments(): Promise<ExperimentSummary[]>;
  getExperiment(id: number): Promise<ExperimentDetail | null>;
  listRuns(query?: RunQuery): Promise<RunSummary[]>;
  getRun(id: number): Promise<RunDetail | null>;
  /**
   * Validates a definition and, if it is valid, starts it; progress arrives through onProgress.
   * `backend`: what its runs compute on (stored with it; `cpu`, `cuda`, `js`), else the default.
   */
  createExperiment(
    definitionText: string,
    fileName: string,
    backend?: string,
  ): Promise<CreateExperimentResult>;
  cancelExperiment(id: number): Promise<void>;
  resumeExperiment(id: number): Promise<void>;
  /** Run and experiment progress, throttled per run; returns the unsubscribe function. */
  onProgress(listener: (event: ProgressEvent) => void): () => void;
  metricNames(runId: number): Promise<string[]>;
  /** A metric curve, min/max-downsampled to at most 2 × maxPoints points. */
  metricSeries(runId: number, name: string, query?: SeriesQuery): Promise<MetricSeries>;
  /** Runs side by side on one metric, grouped by config minus seed, with bands and final intervals. */
  compareRuns(query: CompareQuery): Promise<CompareResult>;
  /** Every stored point (not downsampled) of the runs' metrics as CSV. */
  exportMetricsCsv(runIds: number[], names?: string[]): Promise<string>;
  /** An experiment with all its runs and points, as the CLI's `lab export` writes it. */
  exportExperiment(id: number, format: 'csv' | 'json'): Promise<string>;
  /**
   * A run's trained network for other frameworks (as `lab export-model`): ONNX, or its weights
   * as safetensors (PyTorch layout unless `framework` says otherwise) or npz (Keras layout).
   */
  exportModel(
    runId: number,
    format: 'onnx' | 'safetensors' | 'npz',
    framework?: 'pytorch' | 'keras' | 'theano' | 'lab',
  ): Promise<ModelFile>;
  /** The compiled functions of a run's trainer, built in a worker process. */
  describeGraph(runId: number): Promise<GraphFunction[]>;
  listCurricula(): Promise<CurriculumFile[]>;
  readCurriculum(name: string): Promise<string>;
  /** Saves a definition among the user's curricula (never over a built-in one); returns its problems. */
  saveCurriculum(name: string, text: string): Promise<DefinitionProblem[]>;
  /** Problems in a definition (empty when it is valid), located by line, column and key path. */
  validateDefinition(definitionText: string, fileName: string): Promise<DefinitionProblem[]>;
  /** Skill roadmaps stored by experiments, one per name: its latest version, how many, its skills. */
  listRoadmaps(): Promise<RoadmapSummary[]>;
  /** Every stored version of the roadmap `name`, newest first (none: an empty list). */
  roadmapVersions(name: string): Promise<RoadmapVersionRecord[]>;
  /** View state (selections, smoothing, axes) kept in the lab database, so it survives restarts. */
  loadViewState(key: string): Promise<unknown>;
  saveViewState(key: string, value: unknown): Promise<void>;
}

/** Every request/response call of LabApi (progress is a separate subscription). */
export const labApiMethods = [
  'info',
  'listExperiments',
  'getExperiment',
  'listRuns',
  'getRun',
  'createExperiment',
  'cancelExperiment',
  'resumeExperiment',
  'metricNames',
  'metricSeries',
  'compareRuns',
  'exportMetricsCsv',
  'exportExperiment',
  'exportModel',
  'describeGraph',
  'listCurricula',
  'readCurriculum',
  'saveCurriculum',
  'validateDefinition',
  'listRoadmaps',
  'roadmapVersions',
  'loadViewState',
  'saveViewState',
] as const satisfies readonly Exclude<keyof LabApi, 'onProgress'>[];

export type LabApiMethod = (typeof labApiMethods)[number];

// Fails to compile if LabApi gains a call that is missing from labApiMethods.
type NothingMissing<Missing extends never> = Missing;
export type LabApiMethodsAreComplete = NothingMissing<
  Exclude<Exclude<keyof LabApi, 'onProgress'>, LabApiMethod>
>;
