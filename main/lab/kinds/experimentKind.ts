// The lifecycle every experiment kind follows: validate its config → plan runs → (the lab runs
// each planned run in a worker through a Trainer) → summarise. Planning is a pure function of
// the config and the runs finished so far, so an interrupted experiment resumes by planning again.
import type { DefinitionProblem } from '../definitions/definitionError.ts';
import type { ValidationContext } from '../definitions/validationContext.ts';
import type { TrainerRunConfig } from '../trainers/trainer.ts';

export interface RunPlan {
  /** Stable identity of the run within its experiment, e.g. `tuning/0-sgd/lr=1e-3/seed=2`. */
  key: string;
  phase: string;
  /** Short human name for progress bars and tables. */
  label: string;
  /** Registered trainer (problem) name. */
  trainer: string;
  config: TrainerRunConfig;
  seed: number;
}

/** A run that reached an end the experiment can use: completed, or diverged (a result too). */
export interface RunOutcome {
  key: string;
  runId: number;
  status: 'completed' | 'diverged';
  /** Final metrics: `final_loss`, `final_val_loss`, `steps_done`, … (null where non-finite). */
  result: Record<string, number | null>;
}

export interface PlanStep {
  /** Every run the experiment needs given what is known now (finished ones included). */
  runs: RunPlan[];
  /** True when these runs are all there will be: once they finish, summarise. */
  complete: boolean;
}

/** Reads a stored metric curve at full resolution. */
export type CurveReader = (runId: number, name: string) => { steps: number[]; values: (number | null)[] };

export interface SummaryTable {
  head: string[];
  rows: string[][];
}

export interface ExperimentKind<Config = unknown, Report = unknown> {
  name: string;
  /** Schema id of the `experiment:` section (a file under curricula/schema/). */
  schemaId: string;
  /** Checks beyond the schema (problem options, ranges that relate keys to each other). */
  check(config: Config, context: ValidationContext): DefinitionProblem[];
  plan(config: Config, finished: ReadonlyMap<string, RunOutcome>): PlanStep;
  summarise(config: Config, finished: ReadonlyMap<string, RunOutcome>, readCurve: CurveReader): Report;
  /** The report as a table for the terminal. */
  reportTable(report: Report): SummaryTable;
}
