// What the lab shows of itself, for every front end: experiments and runs as tables list them,
// a run in full, runs compared on one metric, definition files, compiled graphs. Types only (the
// renderer's type check reads them through main/api/labApi.ts), so nothing here imports code.
import type { DefinitionProblem } from '../definitions/definitionError.ts';
import type { IntervalCell, LabReport, ReportTable } from '../report/labReport.ts';
import type {
  ArtifactRecord,
  EventRecord,
  ExperimentRecord,
  ExperimentStatus,
  RunEnvironment,
  RunRecord,
  RunStatus,
  SelectionMetric,
} from '../../store/records.ts';

/** An experiment as the Runs page lists it: its record and where its runs stand. */
export interface ExperimentSummary {
  id: number;
  name: string;
  kind: string;
  status: ExperimentStatus;
  reason: string | null;
  createdAt: number;
  updatedAt: number;
  /** Runs created so far, by status. */
  runsByStatus: Partial<Record<RunStatus, number>>;
  /** Runs that ended usable (completed or diverged). */
  runsFinished: number;
  /** Runs the experiment needs as far as known now (null before it was first planned). */
  runsPlanned: number | null;
  /** False while later runs depend on results (an optimizer comparison's report runs). */
  planComplete: boolean;
  /** Steps done and planned over the runs created so far. */
  stepsDone: number;
  stepsTotal: number;
}

/** A run as tables show it: its record flattened for sorting and filtering. */
export interface RunSummary {
  id: number;
  experimentId: number;
  experimentName: string;
  kind: string;
  planKey: string;
  phase: string;
  label: string;
  trainer: string;
  status: RunStatus;
  reason: string | null;
  seed: number;
  step: number;
  steps: number;
  /** The run config's leaves by dotted path (`optimizer.lr`), lists as text. */
  params: Record<string, string | number | boolean | null>;
  selection: SelectionMetric;
  /** Final metrics once it ended (`final_val_loss`, …). */
  result: Record<string, number | null> | null;
  /** The best value its selection metric reached (lowest for `min`). */
  best: number | null;
  environment: RunEnvironment | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

export interface ExperimentDetail {
  experiment: ExperimentRecord;
  /** The kind's report as tables and charts; null until the experiment has one. */
  report: LabReport | null;
  runs: RunSummary[];
  events: EventRecord[];
}

export interface RunQuery {
  experimentId?: number;
  /** Newest first; at most this many (default 2000). */
  limit?: number;
}

export interface RunDetail {
  run: RunRecord;
  summary: RunSummary;
  /** The newest checkpoint (what `resume` continues from), if any. */
  checkpoint: ArtifactRecord | null;
  /** Models the run left (a trained network, a learned optimizer). */
  artifacts: ArtifactRecord[];
  /** What Export model (LabApi.exportModel) would take the weights from; null: the run has no model to export. */
  exportableModel: string | null;
  events: EventRecord[];
  metricNames: string[];
  /** The run as its kind sees it (ExperimentKind.presentRun), or null when the kind has no such view. */
  report: LabReport | null;
}

export interface CompareQuery {
  runIds: number[];
  metric: string;
  /** `config`: runs that differ only in their seed form one group (mean and band). */
  groupBy: 'run' | 'config';
  /** The band around a group's mean: ± one standard deviation, or the 95 % interval of the mean. */
  band: 'std' | 'ci95';
  /** Points per curve (buckets of steps, averaged within a run). */
  maxPoints?: number;
}

export interface CompareGroup {
  /** Stable identity: the config without the seed, or the run id. */
  key: string;
  /** What sets this group apart from the others (`optimizer.name=adam optimizer.lr=0.3`). */
  label: string;
  runIds: number[];
  steps: number[];
  mean: (number | null)[];
  lower: (number | null)[];
  upper: (number | null)[];
  /** The metric's last value per run, as mean with a 95 % interval. */
  final: IntervalCell | null;
}

export interface CompareResult {
  metric: string;
  groups: CompareGroup[];
  /** Final values per group with intervals, for the table under the chart. */
  table: ReportTable;
}

/** A definition file the lab offers: shipped with it (read-only) or the user's own. */
export interface CurriculumFile {
  /** File name, e.g. `optimizers-quick.yaml`. */
  name: string;
  source: 'builtin' | 'user';
  /** Its `experiment.name`, or null if the file does not validate. */
  title: string | null;
  kind: string | null;
  description: string | null;
  problems: DefinitionProblem[];
}

/** A compiled function of a run's trainer: its graph as the engine runs it, and as text. */
export interface GraphFunction {
  name: string;
  graph: GraphJson;
  debugprint: string;
}

export interface GraphJson {
  nodes: GraphNode[];
  edges: { from: string; to: string; index: number }[];
  outputs: string[];
}

export interface GraphNode {
  id: string;
  kind: 'input' | 'constant' | 'shared' | 'variable' | 'apply';
  label: string;
  /** Variables: their type. */
  type?: string;
  /** Apply nodes: the op's name and where it was built. */
  op?: string;
  trace?: string;
  /** Apply nodes the backend runs as JavaScript (no native kernel). */
  js?: boolean;
  /** Apply nodes that are host↔device transfers. */
  transfer?: boolean;
  /** Apply nodes that are fused elementwise composites. */
  composite?: boolean;
}
