// Runs as tables show them: the record with its experiment's name and kind, its config flattened
// to dotted keys (so a table can show, filter and sort by `optimizer.lr` whatever the kind), its
// final metrics, and the best value its selection metric reached.
import type { Database } from 'better-sqlite3';
import { getExperiment, listExperiments } from '../../store/experimentStore.ts';
import type { ExperimentRecord, RunRecord } from '../../store/records.ts';
import { getRun, listRuns } from '../../store/runStore.ts';
import type { RunQuery, RunSummary } from './types.ts';

type ParamValue = string | number | boolean | null;

/** The leaves of a config by dotted path; lists become one text value (`[64, 64]`). */
export function flattenParams(value: unknown, prefix = '', into: Record<string, ParamValue> = {}) {
  if (value === null || typeof value !== 'object') {
    if (prefix) into[prefix] = (value ?? null) as ParamValue;
  } else if (Array.isArray(value)) {
    into[prefix] = JSON.stringify(value);
  } else {
    for (const [key, child] of Object.entries(value))
      flattenParams(child, prefix ? `${prefix}.${key}` : key, into);
  }
  return into;
}

/** The best value of a run's metric: its minimum for `min`, its maximum for `max`; null with none. */
export function bestMetricValue(db: Database, run: RunRecord): number | null {
  const row = db
    .prepare(
      `SELECT ${run.selection.goal === 'min' ? 'MIN' : 'MAX'}(m.value) AS best FROM metrics m
       JOIN metric_names n ON n.id = m.name_id WHERE m.run_id = ? AND n.name = ?`,
    )
    .get(run.id, run.selection.name) as { best: number | null } | undefined;
  return row?.best ?? null;
}

export function toRunSummary(db: Database, run: RunRecord, experiment: ExperimentRecord): RunSummary {
  return {
    id: run.id,
    experimentId: run.experimentId,
    experimentName: experiment.name,
    kind: experiment.kind,
    planKey: run.planKey,
    phase: run.phase,
    label: run.label,
    trainer: run.trainer,
    status: run.status,
    reason: run.reason,
    seed: run.seed,
    step: run.step,
    steps: run.steps,
    params: flattenParams(run.config),
    selection: run.selection,
    result: run.result,
    best: bestMetricValue(db, run),
    environment: run.environment,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
  };
}

/** Runs newest first: of one experiment, or of the newest experiments up to `limit` runs. */
export function runSummaries(db: Database, query: RunQuery = {}): RunSummary[] {
  const limit = query.limit ?? 2000;
  const experiments =
    query.experimentId === undefined
      ? listExperiments(db, 500)
      : [getExperiment(db, query.experimentId)].filter((e): e is ExperimentRecord => e !== undefined);
  const summaries: RunSummary[] = [];
  for (const experiment of experiments) {
    for (const run of listRuns(db, experiment.id).reverse()) {
      if (summaries.length >= limit) return summaries;
      summaries.push(toRunSummary(db, run, experiment));
    }
  }
  return summaries;
}

export function runSummary(db: Database, id: number): RunSummary | undefined {
  const run = getRun(db, id);
  const experiment = run && getExperiment(db, run.experimentId);
  return run && experiment ? toRunSummary(db, run, experiment) : undefined;
}
