// Runs side by side on one metric. Runs that differ only in their seed form one group (or each
// run is its own): the group's curve is the mean over its runs at each bucket of steps, with a
// band of ± one standard deviation or the 95 % Student-t interval of the mean, and its final
// values as a mean with a 95 % interval. Buckets are the same for every run, so curves of runs
// with 100k points each average point for point.
import type { Database } from 'better-sqlite3';
import type { RunRecord } from '../../store/records.ts';
import { getRun } from '../../store/runStore.ts';
import { intervalCell, numberCell, textCell } from '../report/labReport.ts';
import { mean, meanConfidenceInterval, sampleStd } from '../statistics.ts';
import { flattenParams } from './runSummaries.ts';
import type { CompareGroup, CompareQuery, CompareResult } from './types.ts';

interface Bucketed {
  /** Bucket index → mean value of the run's points in it. */
  values: Map<number, number>;
  last: number | null;
}

function nameId(db: Database, name: string): number | undefined {
  return (db.prepare('SELECT id FROM metric_names WHERE name = ?').get(name) as { id: number } | undefined)
    ?.id;
}

/** A JSON text of a value with its object keys sorted: equal configs give equal keys. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

const configKey = (run: RunRecord) =>
  stableJson({ trainer: run.trainer, config: run.config, loop: run.loop });

/** `optimizer.name=adam optimizer.lr=0.3`: the params in which this group differs from the others. */
function groupLabels(groups: RunRecord[][]): string[] {
  const params = groups.map((runs) => flattenParams(runs[0].config));
  const keys = [...new Set(params.flatMap((p) => Object.keys(p)))].filter(
    (key) => new Set(params.map((p) => JSON.stringify(p[key] ?? null))).size > 1,
  );
  return groups.map((runs, i) =>
    keys.length > 0
      ? keys.map((key) => `${key}=${params[i][key] ?? '—'}`).join(' ')
      : runs[0].label.replace(/ \(report\)$/, ''),
  );
}

export function compareRuns(db: Database, query: CompareQuery): CompareResult {
  const runs = query.runIds.map((id) => {
    const run = getRun(db, id);
    if (!run) throw new Error(`there is no run ${id} to compare (it may have been deleted)`);
    return run;
  });
  const id = nameId(db, query.metric);
  const empty: CompareResult = {
    metric: query.metric,
    groups: [],
    table: { id: 'final', title: `Final ${query.metric}`, columns: [], rows: [] },
  };
  if (id === undefined || runs.length === 0) return empty;

  const ranges = runs.map(
    (run) =>
      db
        .prepare(
          'SELECT COUNT(*) AS n, MIN(step) AS lo, MAX(step) AS hi FROM metrics WHERE run_id = ? AND name_id = ?',
        )
        .get(run.id, id) as { n: number; lo: number | null; hi: number | null },
  );
  const present = ranges.filter((r) => r.lo !== null);
  if (present.length === 0) return empty;
  const lo = Math.min(...present.map((r) => r.lo!));
  const hi = Math.max(...present.map((r) => r.hi!));
  const maxPoints = query.maxPoints ?? 500;
  const densest = Math.max(...present.map((r) => r.n));
  const width = densest <= maxPoints ? 1 : Math.ceil((hi - lo + 1) / maxPoints);

  const bucketed = new Map<number, Bucketed>();
  for (const run of runs) {
    const rows = db
      .prepare(
        `SELECT (step - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS b, AVG(value) AS v FROM metrics
         WHERE run_id = ? AND name_id = ? GROUP BY b ORDER BY b`,
      )
      .raw()
      .all(lo, width, run.id, id) as [number, number | null][];
    const last = db
      .prepare('SELECT value FROM metrics WHERE run_id = ? AND name_id = ? ORDER BY step DESC LIMIT 1')
      .get(run.id, id) as { value: number | null } | undefined;
    bucketed.set(run.id, {
      values: new Map(rows.filter((r) => r[1] !== null).map((r) => [r[0], r[1]!])),
      last: last?.value ?? null,
    });
  }

  const groupsByKey = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const key = query.groupBy === 'config' ? configKey(run) : `run-${run.id}`;
    groupsByKey.set(key, [...(groupsByKey.get(key) ?? []), run]);
  }
  const labels =
    query.groupBy === 'config'
      ? groupLabels([...groupsByKey.values()])
      : [...groupsByKey.values()].map(([run]) => `${run.label} (run ${run.id})`);

  const groups = [...groupsByKey].map(([key, members], g): CompareGroup => {
    const series = members.map((run) => bucketed.get(run.id)!);
    const buckets = [...new Set(series.flatMap((s) => [...s.values.keys()]))].sort((a, b) => a - b);
    const steps: number[] = [];
    const means: (number | null)[] = [];
    const lower: (number | null)[] = [];
    const upper: (number | null)[] = [];
    for (const b of buckets) {
      const values = series.map((s) => s.values.get(b)).filter((v): v is number => v !== undefined);
      const m = mean(values);
      const spread = query.band === 'std' ? sampleStd(values) : meanConfidenceInterval(values).halfWidth;
      steps.push(Math.min(hi, lo + b * width + width - 1));
      means.push(m);
      lower.push(Number.isFinite(spread) ? m - spread : null);
      upper.push(Number.isFinite(spread) ? m + spread : null);
    }
    const finals = series.map((s) => s.last).filter((v): v is number => v !== null && Number.isFinite(v));
    return {
      key,
      label: labels[g],
      runIds: members.map((r) => r.id),
      steps,
      mean: means,
      lower,
      upper,
      final: finals.length > 0 ? intervalCell({ ...meanConfidenceInterval(finals), n: finals.length }) : null,
    };
  });
  return {
    metric: query.metric,
    groups,
    table: {
      id: 'final',
      title: `Final ${query.metric} per ${query.groupBy === 'config' ? 'config (seeds pooled)' : 'run'}`,
      columns: ['group', 'runs', `final ${query.metric} (95% CI)`],
      rows: groups.map((g) => [textCell(g.label), numberCell(g.runIds.length), g.final ?? numberCell(null)]),
    },
  };
}
