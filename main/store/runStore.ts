// Runs: one training of one configuration with one seed. Rows are keyed by the plan's key within
// their experiment, so planning again (on resume) finds the runs that already exist.
import type { Database } from 'better-sqlite3';
import type { RunEnvironment, RunLoop, RunRecord, RunStatus, SelectionMetric } from './records.ts';
import { parseJson } from './records.ts';

interface RunRow {
  id: number;
  experiment_id: number;
  plan_key: string;
  phase: string;
  label: string;
  trainer: string;
  status: RunStatus;
  reason: string | null;
  config_json: string;
  loop_json: string;
  selection_json: string;
  inputs_json: string | null;
  seed: number;
  steps: number;
  step: number;
  engine_version: string | null;
  backend: string | null;
  device: string | null;
  host: string | null;
  result_json: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    experimentId: row.experiment_id,
    planKey: row.plan_key,
    phase: row.phase,
    label: row.label,
    trainer: row.trainer,
    status: row.status,
    reason: row.reason,
    config: parseJson(row.config_json),
    loop: parseJson(row.loop_json) as RunLoop,
    selection: parseJson(row.selection_json) as SelectionMetric,
    inputs: (parseJson(row.inputs_json) ?? {}) as Record<string, number>,
    seed: row.seed,
    steps: row.steps,
    step: row.step,
    environment:
      row.engine_version === null
        ? null
        : { engineVersion: row.engine_version, backend: row.backend!, device: row.device!, host: row.host! },
    result: parseJson(row.result_json) as RunRecord['result'],
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}

export interface NewRun {
  planKey: string;
  phase: string;
  label: string;
  trainer: string;
  config: unknown;
  loop: RunLoop;
  selection: SelectionMetric;
  seed: number;
}

/** The run for `plan.planKey` in the experiment, created (queued) if it does not exist yet. */
export function ensureRun(db: Database, experimentId: number, plan: NewRun): RunRecord {
  db.prepare(
    `INSERT INTO runs (experiment_id, plan_key, phase, label, trainer, status, config_json, loop_json,
       selection_json, seed, steps, created_at)
     VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?) ON CONFLICT (experiment_id, plan_key) DO NOTHING`,
  ).run(
    experimentId,
    plan.planKey,
    plan.phase,
    plan.label,
    plan.trainer,
    JSON.stringify(plan.config),
    JSON.stringify(plan.loop),
    JSON.stringify(plan.selection),
    plan.seed,
    plan.loop.steps,
    Date.now(),
  );
  return toRun(
    db
      .prepare('SELECT * FROM runs WHERE experiment_id = ? AND plan_key = ?')
      .get(experimentId, plan.planKey) as RunRow,
  );
}

export function getRun(db: Database, id: number): RunRecord | undefined {
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  return row && toRun(row);
}

export function listRuns(db: Database, experimentId: number): RunRecord[] {
  return (
    db.prepare('SELECT * FROM runs WHERE experiment_id = ? ORDER BY id').all(experimentId) as RunRow[]
  ).map(toRun);
}

/** Where each experiment's runs executed (the host a run last started on), most runs first. */
export function runHostsByExperiment(db: Database): Map<number, { host: string; runs: number }[]> {
  const rows = db
    .prepare(
      `SELECT experiment_id, host, COUNT(*) AS runs FROM runs WHERE host IS NOT NULL
       GROUP BY experiment_id, host ORDER BY experiment_id, runs DESC, host`,
    )
    .all() as { experiment_id: number; host: string; runs: number }[];
  const hosts = new Map<number, { host: string; runs: number }[]>();
  for (const row of rows) {
    const list = hosts.get(row.experiment_id) ?? [];
    list.push({ host: row.host, runs: row.runs });
    hosts.set(row.experiment_id, list);
  }
  return hosts;
}

/** The artifacts a run reads (name → artifact id), recorded when it starts. */
export function recordRunInputs(db: Database, id: number, inputs: Record<string, number>): void {
  db.prepare('UPDATE runs SET inputs_json = ? WHERE id = ?').run(JSON.stringify(inputs), id);
}

export function markRunStarted(
  db: Database,
  id: number,
  environment: RunEnvironment,
  fromStep: number,
): void {
  db.prepare(
    `UPDATE runs SET status = 'running', reason = NULL, step = ?, engine_version = ?, backend = ?, device = ?,
     host = ?, started_at = COALESCE(started_at, ?), ended_at = NULL WHERE id = ?`,
  ).run(
    fromStep,
    environment.engineVersion,
    environment.backend,
    environment.device,
    environment.host,
    Date.now(),
    id,
  );
}

/** How far a running run has got, so lists show its progress while it trains. */
export function recordRunStep(db: Database, id: number, step: number): void {
  db.prepare('UPDATE runs SET step = MAX(step, ?) WHERE id = ?').run(step, id);
}

export function finishRun(
  db: Database,
  id: number,
  status: RunStatus,
  reason: string | null,
  result: Record<string, number | null> | null,
  step: number,
): void {
  db.prepare(
    `UPDATE runs SET status = ?, reason = ?, result_json = COALESCE(?, result_json), step = MAX(step, ?),
     ended_at = ? WHERE id = ?`,
  ).run(status, reason, result === null ? null : JSON.stringify(result), step, Date.now(), id);
}

/**
 * Before a run continues from a checkpoint at `fromStep`, forget what it logged after that step:
 * those points are recomputed, so the curve joins without duplicates.
 */
export function truncateRunAfter(db: Database, id: number, fromStep: number): void {
  db.transaction(() => {
    db.prepare('DELETE FROM metrics WHERE run_id = ? AND step > ?').run(id, fromStep);
    // fromStep −1 (no checkpoint: everything goes) leaves the run at step 0.
    // Queued again: why it stopped last time (cancelled, interrupted) no longer describes it.
    db.prepare(
      `UPDATE runs SET step = ?, status = 'queued', reason = NULL, result_json = NULL WHERE id = ?`,
    ).run(Math.max(0, fromStep), id);
  })();
}

/** Marks the runs of an experiment that no process is executing as cancelled. */
export function cancelUnfinishedRuns(db: Database, experimentId: number): number {
  return db
    .prepare(
      `UPDATE runs SET status = 'cancelled', reason = 'cancelled by request', ended_at = ?
       WHERE experiment_id = ? AND status IN ('queued', 'running', 'interrupted')`,
    )
    .run(Date.now(), experimentId).changes;
}
