// Experiments as the Runs page lists them: each record with its runs counted by status, its
// steps done and planned, and how many runs its plan needs so far — one query for all of them.
import type { Database } from 'better-sqlite3';
import { listExperiments } from '../../store/experimentStore.ts';
import type { RunStatus } from '../../store/records.ts';
import type { ExperimentSummary } from './types.ts';

export function experimentSummaries(db: Database, limit = 500): ExperimentSummary[] {
  const experiments = listExperiments(db, limit);
  const counts = db
    .prepare(
      `SELECT experiment_id AS id, status, COUNT(*) AS n, SUM(step) AS done, SUM(steps) AS total
       FROM runs GROUP BY experiment_id, status`,
    )
    .all() as { id: number; status: RunStatus; n: number; done: number; total: number }[];
  const byExperiment = new Map<number, typeof counts>();
  for (const row of counts) byExperiment.set(row.id, [...(byExperiment.get(row.id) ?? []), row]);
  return experiments.map((e) => {
    const rows = byExperiment.get(e.id) ?? [];
    const runsByStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    const finished = rows.filter((r) => r.status === 'completed' || r.status === 'diverged');
    return {
      id: e.id,
      name: e.name,
      kind: e.kind,
      status: e.status,
      reason: e.reason,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      runsByStatus,
      runsFinished: finished.reduce((n, r) => n + r.n, 0),
      runsPlanned: e.runsPlanned,
      planComplete: e.planComplete,
      // A finished run counts all its steps: a diverged one stopped early, but it is done.
      stepsDone: rows.reduce((n, r) => n + (finished.includes(r) ? r.total : r.done), 0),
      stepsTotal: rows.reduce((n, r) => n + r.total, 0),
    };
  });
}
