// `lab export <id> --csv|--json [--out file]`: every metric point of every run of an
// experiment, with the run's phase, label and seed, for analysis elsewhere.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { metricsCsvHeader, writeExperimentJson, writeMetricsCsv } from '../../lab/views/metricsExport.ts';
import { getExperiment } from '../../store/experimentStore.ts';
import { listRuns } from '../../store/runStore.ts';
import { experimentIdArgument, openDatabase, UsageError, type GlobalOptions } from '../labContext.ts';

export interface ExportOptions extends GlobalOptions {
  format?: 'csv' | 'json';
  out?: string;
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
    const out = (text: string) => write(stream, text);
    if (options.format === 'csv') {
      await out(metricsCsvHeader);
      await writeMetricsCsv(lab.db, runs, out);
    } else {
      await writeExperimentJson(lab.db, experiment, runs, out);
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
