// The lifecycle every experiment kind follows: validate its config → plan runs → (the lab runs
// each planned run through a RunExecutor and a Trainer) → summarise → present. Planning is a pure
// function of the config and the runs finished so far, so an interrupted experiment resumes by
// planning again.
//
// A kind is written against its own typed Config and Report (ExperimentKind). The lab holds kinds
// of different types side by side as LabKind: the same kind behind functions that take the stored
// JSON and parse it with the kind's own parser first, so nothing is cast and a stored value that
// does not fit is an error naming what is wrong, not a crash somewhere later.
import type { Database } from 'better-sqlite3';
import type { DefinitionProblem } from '../definitions/definitionError.ts';
import type { ValidationContext } from '../definitions/validationContext.ts';
import type { LabReport } from '../report/labReport.ts';
import type { PlanStep, RunOutcome, SelectionMetric } from '../runPlan.ts';
import type { ArtifactRecord, RunRecord } from '../../store/records.ts';

/** Reads a stored metric curve at full resolution. */
export type CurveReader = (runId: number, name: string) => { steps: number[]; values: (number | null)[] };

/** What a kind's view of one run may read from the store besides the run itself. */
export interface RunReader {
  curve: CurveReader;
  run(id: number): RunRecord | undefined;
  /** The runs of an experiment, in creation order. */
  experimentRuns(experimentId: number): RunRecord[];
  /** The run that left an artifact (a mentor's model), or undefined when it is not recorded. */
  artifactRun(artifactId: number): RunRecord | undefined;
  /** The models a run left (not its checkpoints); optional, so a view must do without it. */
  models?(runId: number): ArtifactRecord[];
}

export interface ExperimentKind<Config, Report> {
  /** The name definitions use in `kind:`. */
  name: string;
  /** One sentence for people choosing a kind. */
  description: string;
  /** Schema id of the `experiment:` section (a file under curricula/schema/). */
  schemaId: string;
  /** The evaluation metric this kind chooses on; every run's loop watches it. */
  selection: SelectionMetric;
  /** The stored (or freshly validated) `experiment:` section as the typed config. */
  parseConfig(value: unknown): Config;
  /** Checks beyond the schema (problem options, ranges that relate keys to each other). */
  check(config: Config, context: ValidationContext): DefinitionProblem[];
  plan(config: Config, finished: ReadonlyMap<string, RunOutcome>): PlanStep;
  /**
   * Optional: what the kind keeps in the store as an experiment is created (in the same
   * transaction), returning the config to store with what the store assigned — a roadmap
   * experiment stores its roadmap as a version of its name and records that version.
   */
  prepareStore?(config: Config, db: Database): Config;
  summarise(config: Config, finished: ReadonlyMap<string, RunOutcome>, readCurve: CurveReader): Report;
  /** A stored report (JSON) as the typed report. */
  parseReport(value: unknown): Report;
  /** The report as tables, charts and notes: what the CLI prints and the app draws. */
  present(report: Report): LabReport;
  /**
   * Optional: one run as the kind sees it (`lab inspect` prints it, the app's run page draws it),
   * live while it trains — e.g. a student beside its mentor. Null where there is nothing to add.
   */
  presentRun?(run: RunRecord, read: RunReader): LabReport | null;
}

/** One experiment's config, parsed once, with the kind's lifecycle bound to it. */
export interface OpenedExperiment {
  plan(finished: ReadonlyMap<string, RunOutcome>): PlanStep;
  summarise(finished: ReadonlyMap<string, RunOutcome>, readCurve: CurveReader): unknown;
}

/** A kind as the lab holds it: every value it takes is stored JSON, parsed by the kind itself. */
export interface LabKind {
  name: string;
  description: string;
  schemaId: string;
  selection: SelectionMetric;
  check(config: unknown, context: ValidationContext): DefinitionProblem[];
  /** The config to store for a new experiment (the kind's prepareStore, or the config as it is). */
  prepareStore(config: unknown, db: Database): unknown;
  open(config: unknown): OpenedExperiment;
  present(report: unknown): LabReport;
  /** The kind's view of one of its runs, or null when it has none. */
  presentRun(run: RunRecord, read: RunReader): LabReport | null;
}

export function labKind<Config, Report>(kind: ExperimentKind<Config, Report>): LabKind {
  return {
    name: kind.name,
    description: kind.description,
    schemaId: kind.schemaId,
    selection: kind.selection,
    check: (config, context) => kind.check(kind.parseConfig(config), context),
    prepareStore: (config, db) =>
      kind.prepareStore ? kind.prepareStore(kind.parseConfig(config), db) : config,
    open(stored) {
      const config = kind.parseConfig(stored);
      return {
        plan: (finished) => kind.plan(config, finished),
        summarise: (finished, readCurve) => kind.summarise(config, finished, readCurve),
      };
    },
    present: (report) => kind.present(kind.parseReport(report)),
    presentRun: (run, read) => (kind.presentRun ? kind.presentRun(run, read) : null),
  };
}
