// Every stored metric point, not downsampled, for analysis elsewhere: an experiment's runs as
// CSV (one row per point, with the run's phase, label, seed and status) or as JSON (each run with
// its curves), and any set of runs as CSV for the app's chart export. Written piece by piece
// through `write`, so the CLI streams to a file and the LabApi collects a string.
import type { Database } from 'better-sqlite3';
import { iterateMetricPoints } from '../../store/metricSeries.ts';
import type { ExperimentRecord, RunRecord } from '../../store/records.ts';

export type Write = (text: string) => void | Promise<void>;

export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const metricsCsvHeader =
  'experiment_id,run_id,phase,label,seed,status,metric,step,wall_time_ms,value\n';

/** The CSV rows of the runs' points (of `names` only, when given), after metricsCsvHeader. */
export async function writeMetricsCsv(
  db: Database,
  runs: readonly RunRecord[],
  write: Write,
  names?: readonly string[],
): Promise<void> {
  const wanted = names && new Set(names);
  for (const run of runs) {
    const prefix = [run.experimentId, run.id, run.phase, run.label, run.seed, run.status]
      .map(csvField)
      .join(',');
    for (const point of iterateMetricPoints(db, run.id)) {
      if (wanted && !wanted.has(point.name)) continue;
      await write(
        `${prefix},${csvField(point.name)},${point.step},${point.wall_time},${csvField(point.value)}\n`,
      );
    }
  }
}

/** The experiment and each run with its curves (steps, wall times, values per metric). */
export async function writeExperimentJson(
  db: Database,
  experiment: ExperimentRecord,
  runs: readonly RunRecord[],
  write: Write,
): Promise<void> {
  const exported = runs.map((run) => {
    const metrics: Record<string, { steps: number[]; wallTimes: number[]; values: (number | null)[] }> = {};
    for (const point of iterateMetricPoints(db, run.id)) {
      const series = (metrics[point.name] ??= { steps: [], wallTimes: [], values: [] });
      series.steps.push(point.step);
      series.wallTimes.push(point.wall_time);
      series.values.push(point.value);
    }
    return { ...run, metrics };
  });
  await write(`${JSON.stringify({ experiment, runs: exported }, null, 2)}\n`);
}
