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
  // One primary-key probe per known name, instead of scanning every point of the run.
  const rows = db
    .prepare(
      `SELECT n.name FROM metric_names n
       WHERE EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = ? AND m.name_id = n.id) ORDER BY n.name`,
    )
    .all(runId) as { name: string }[];
  return rows.map((row) => row.name);
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
  const base = { runId, name };
  const named = db.prepare('SELECT id FROM metric_names WHERE name = ?').get(name) as
    { id: number } | undefined;
  if (!named) return { ...base, steps: [], wallTimes: [], values: [], totalPoints: 0, downsampled: false };
  const where = 'WHERE run_id = ? AND name_id = ? AND step BETWEEN ? AND ?';
  const range = db
    .prepare(`SELECT COUNT(*) AS n, MIN(step) AS lo, MAX(step) AS hi FROM metrics ${where}`)
    .get(runId, named.id, from, to) as { n: number; lo: number | null; hi: number | null };
  if (range.n <= 2 * maxPoints || range.lo === null || range.hi === null) {
    const rows = db
      .prepare(`SELECT step, wall_time, value FROM metrics ${where} ORDER BY step`)
      .raw()
      .all(runId, named.id, from, to) as [number, number, number | null][];
    return {
      ...base,
      steps: rows.map((r) => r[0]),
      wallTimes: rows.map((r) => r[1]),
      values: rows.map((r) => r[2]),
      totalPoints: range.n,
      downsampled: false,
    };
  }
  const width = Math.ceil((range.hi - range.lo + 1) / maxPoints);
  // SQLite takes a bare column from the row that produced the single MIN()/MAX() aggregate,
  // so each query returns the extreme point of every bucket with its step. JS numbers bind as
  // REAL, hence the casts: the bucket index must be an integer division.
  const extremes = (aggregate: 'MIN' | 'MAX') =>
    db
      .prepare(
        `SELECT step, wall_time, ${aggregate}(value) FROM metrics ${where}
         GROUP BY (step - CAST(? AS INTEGER)) / CAST(? AS INTEGER)`,
      )
      .raw()
      .all(runId, named.id, range.lo, range.hi, range.lo, width) as [number, number, number | null][];
  const byStep = new Map<number, [number, number | null]>();
  for (const [step, wallTime, value] of [...extremes('MIN'), ...extremes('MAX')])
    byStep.set(step, [wallTime, value]);
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  return {
    ...base,
    steps,
    wallTimes: steps.map((s) => byStep.get(s)![0]),
    values: steps.map((s) => byStep.get(s)![1]),
    totalPoints: range.n,
    downsampled: true,
  };
}

export interface MetricSummary {
  readonly name: string;
  readonly points: number;
  readonly first: { step: number; value: number | null };
  readonly last: { step: number; value: number | null };
  /** Over the finite values (null when there are none). */
  readonly min: number | null;
  readonly max: number | null;
}

/** Count, first and last point, and range of one metric of a run, computed in SQL. */
export function metricSummary(db: Database, runId: number, name: string): MetricSummary | undefined {
  const named = db.prepare('SELECT id FROM metric_names WHERE name = ?').get(name) as
    { id: number } | undefined;
  if (!named) return undefined;
  const where = 'WHERE run_id = ? AND name_id = ?';
  const stats = db
    .prepare(`SELECT COUNT(*) AS n, MIN(value) AS lo, MAX(value) AS hi FROM metrics ${where}`)
    .get(runId, named.id) as { n: number; lo: number | null; hi: number | null };
  if (stats.n === 0) return undefined;
  const end = (order: 'ASC' | 'DESC') =>
    db
      .prepare(`SELECT step, value FROM metrics ${where} ORDER BY step ${order} LIMIT 1`)
      .get(runId, named.id) as { step: number; value: number | null };
  return { name, points: stats.n, first: end('ASC'), last: end('DESC'), min: stats.lo, max: stats.hi };
}

/** Every point of a run, by metric then step — for export. */
export function iterateMetricPoints(db: Database, runId: number): IterableIterator<MetricPointRow> {
  return db
    .prepare(
      `SELECT m.run_id, n.name, m.step, m.wall_time, m.value FROM metrics m JOIN metric_names n ON n.id = m.name_id
       WHERE m.run_id = ? ORDER BY m.name_id, m.step`,
    )
    .iterate(runId) as IterableIterator<MetricPointRow>;
}
