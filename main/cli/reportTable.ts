// Tables for the terminal (cli-table3): an experiment's report, and lists of experiments/runs.
import Table from 'cli-table3';
import type { ExperimentKind, SummaryTable } from '../lab/kinds/experimentKind.ts';
import { experimentKinds } from '../lab/kinds/registry.ts';
import type { ExperimentRecord } from '../store/records.ts';

export function renderTable(table: SummaryTable): string {
  const rendered = new Table({ head: table.head, style: { head: [], border: [] } });
  rendered.push(...table.rows);
  return rendered.toString();
}

/** The kind's report table, or a sentence saying why there is none yet. */
export function renderReport(experiment: ExperimentRecord): string {
  const kind = experimentKinds.get(experiment.kind) as ExperimentKind | undefined;
  if (!kind) return `(no report: this lab does not know the kind "${experiment.kind}")`;
  if (experiment.report === null) {
    return `(no report yet: experiment ${experiment.id} is ${experiment.status}${
      experiment.status === 'completed' ? '' : `; \`lab resume ${experiment.id}\` continues it`
    })`;
  }
  return renderTable(kind.reportTable(experiment.report));
}

export function formatTime(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}
