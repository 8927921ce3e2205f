// Chart queries. A series is downsampled in SQL before it leaves the database: the step range is
// cut into at most maxPoints buckets and each bucket keeps its minimum and its maximum point, so
// a chart never receives more than 2 × maxPoints points and spikes (divergence!) stay visible.
import type { Database } from 'better-sqlite3';
import type { MetricSeries, SeriesQuery } from './records.ts';

export type { MetricSeries, SeriesQuery };

export interface MetricPointRow {
  run_id: number;
  name: string;
  step: number;
  wall_time: number;
  value: number | null;
}

export function metricNames(db: Database, runId: number): string[] {
  return (
    db.prepare('SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name').all(runId) as {
      name: string;
    }[]
  ).map((row) => row.name);
}

export function metricSeries(
  db: Database,
  runId: number,
  name: string,
  query: SeriesQuery = {},
): MetricSeries {
  const maxPoints = Math.max(1, Math.floor(query.maxPoints ?? 1000));
  const from = query.fromStep ?? Number.MIN_SAFE_INTEGER;
  const to = query.toStep ?? Number.MAX_SAFE_INTEGER;
  const range = db
    .prepare(
      'SELECT COUNT(*) AS n, MIN(step) AS lo, MAX(step) AS hi FROM metrics WHERE run_id = ? AND name = ? AND step BETWEEN ? AND ?',
    )
    .get(runId, name, from, to) as { n: number; lo: number | null; hi: number | null };
  const base = { runId, name, totalPoints: range.n };
  if (range.n <= 2 * maxPoints || range.lo === null || range.hi === null) {
    const rows = db
      .prepare(
        'SELECT step, value FROM metrics WHERE run_id = ? AND name = ? AND step BETWEEN ? AND ? ORDER BY step',
      )
      .raw()
      .all(runId, name, from, to) as [number, number | null][];
    return { ...base, steps: rows.map((r) => r[0]), values: rows.map((r) => r[1]), downsampled: false };
  }
  const width = Math.ceil((range.hi - range.lo + 1) / maxPoints);
  // SQLite takes a bare column from the row that produced the single MIN()/MAX() aggregate,
  // so each query returns the extreme point of every bucket with its step. JS numbers bind as
  // REAL, hence the casts: the bucket index must be an integer division.
  const extremes = (aggregate: 'MIN' | 'MAX') =>
    db
      .prepare(
        `SELECT step, ${aggregate}(value) FROM metrics WHERE run_id = ? AND name = ? AND step BETWEEN ? AND ?
         GROUP BY (step - CAST(? AS INTEGER)) / CAST(? AS INTEGER)`,
      )
      .raw()
      .all(runId, name, range.lo, range.hi, range.lo, width) as [number, number | null][];
  const byStep = new Map<number, number | null>();
  for (const [step, value] of [...extremes('MIN'), ...extremes('MAX')]) byStep.set(step, value);
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  return { ...base, steps, values: steps.map((s) => byStep.get(s)!), downsampled: true };
}

/** Every point of a run, in (name, step) order — for export. */
export function iterateMetricPoints(db: Database, runId: number): IterableIterator<MetricPointRow> {
  return db
    .prepare('SELECT run_id, name, step, wall_time, value FROM metrics WHERE run_id = ? ORDER BY name, step')
    .iterate(runId) as IterableIterator<MetricPointRow>;
}
