// `lab export <id> --csv|--json [--out file]`: every metric point of every run of an
// experiment, with the run's phase, label and seed, for analysis elsewhere.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { getExperiment } from '../../store/experimentStore.ts';
import { iterateMetricPoints } from '../../store/metricSeries.ts';
import { listRuns } from '../../store/runStore.ts';
import { experimentIdArgument, openDatabase, UsageError, type GlobalOptions } from '../labContext.ts';

export interface ExportOptions extends GlobalOptions {
  format?: 'csv' | 'json';
  out?: string;
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export async function exportCommand(idText: string | undefined, options: ExportOptions): Promise<number> {
  const id = experimentIdArgument(idText, 'export');
  if (!options.format) throw new UsageError('export needs a format: --csv or --json');
  const lab = openDatabase(options);
  const stream: Writable = options.out ? createWriteStream(options.out) : process.stdout;
  try {
    const experiment = getExperiment(lab.db, id);
    if (!experiment) throw new UsageError(`there is no experiment ${id} in ${lab.path} (see \`lab list\`)`);
    const runs = listRuns(lab.db, id);
    if (options.format === 'csv') {
      await write(stream, 'experiment_id,run_id,phase,label,seed,status,metric,step,wall_time_ms,value\n');
      for (const run of runs) {
        const prefix = [id, run.id, run.phase, run.label, run.seed, run.status].map(csvField).join(',');
        for (const point of iterateMetricPoints(lab.db, run.id)) {
          await write(
            stream,
            `${prefix},${csvField(point.name)},${point.step},${point.wall_time},${csvField(point.value)}\n`,
          );
        }
      }
    } else {
      const exported = runs.map((run) => {
        const metrics: Record<string, { steps: number[]; wallTimes: number[]; values: (number | null)[] }> =
          {};
        for (const point of iterateMetricPoints(lab.db, run.id)) {
          const series = (metrics[point.name] ??= { steps: [], wallTimes: [], values: [] });
          series.steps.push(point.step);
          series.wallTimes.push(point.wall_time);
          series.values.push(point.value);
        }
        return { ...run, metrics };
      });
      await write(stream, `${JSON.stringify({ experiment, runs: exported }, null, 2)}\n`);
    }
    return 0;
  } finally {
    if (options.out) {
      stream.end();
      await once(stream, 'finish');
    }
    lab.close();
  }
}
