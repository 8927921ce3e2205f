// What an experiment kind plans and what the lab hands back to it, for every kind alike: a run
// (its trainer, its own run config, the loop that drives it, the artifacts it reads and the runs
// it waits for) and the outcome of a finished run.
import type { RunLoop, SelectionMetric } from '../store/records.ts';

export type { RunLoop, SelectionMetric };

/**
 * An artifact a run reads: one its experiment produces in an earlier run (by plan key, which
 * makes that run a dependency), or one already in the store (by id, from any experiment).
 */
export type ArtifactReference = { run: string; artifact: string } | { artifactId: number };

/** An artifact a run reads, resolved by the lab to a file before the run starts. */
export interface ResolvedArtifact {
  artifactId: number;
  /** The run that produced it. */
  runId: number;
  /** Its name within that run (`model`, `optimizer`, …). */
  name: string;
  format: string;
  path: string;
  /** What the producing trainer recorded with it (its architecture, its config). */
  meta: Record<string, unknown>;
}

export interface RunPlan<Config = unknown> {
  /** Stable identity of the run within its experiment, e.g. `tuning/0-sgd/lr=1e-3/seed=2`. */
  key: string;
  phase: string;
  /** Short human name for progress bars and tables. */
  label: string;
  /** Registered trainer name; the trainer validates `config` against its kind's run schema. */
  trainer: string;
  /** The kind's own run config, stored with the run (with the seed, it reproduces the run). */
  config: Config;
  loop: RunLoop;
  selection: SelectionMetric;
  seed: number;
  /** Artifacts the trainer reads, by the name it knows them under (`mentor`, `optimizer`). */
  inputs?: Readonly<Record<string, ArtifactReference>>;
  /** Plan keys of runs that must have completed before this one starts. */
  after?: readonly string[];
}

/** A run that reached an end the experiment can use: completed, or diverged (a result too). */
export interface RunOutcome {
  key: string;
  runId: number;
  status: 'completed' | 'diverged';
  /** Final metrics: `final_loss`, `final_<metric>` for each evaluated metric, `steps_done`, … (null where non-finite). */
  result: Record<string, number | null>;
}

export interface PlanStep<Config = unknown> {
  /** Every run the experiment needs given what is known now (finished ones included). */
  runs: RunPlan<Config>[];
  /** True when these runs are all there will be: once they finish, summarise. */
  complete: boolean;
}

/** Plan keys a run waits for: its `after` list and the runs whose artifacts it reads. */
export function runDependencies(plan: RunPlan): string[] {
  const fromInputs = Object.values(plan.inputs ?? {}).flatMap((ref) => ('run' in ref ? [ref.run] : []));
  return [...new Set([...(plan.after ?? []), ...fromInputs])];
}

/** `final_val_loss` for `val_loss`: how a run's result names the last value of a metric. */
export function finalMetricName(metric: string): string {
  return `final_${metric}`;
}
