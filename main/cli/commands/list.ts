// `lab list`: the experiments in the database, newest first, with how many runs are done of those
// planned so far (an experiment whose later runs depend on results says so, instead of a total
// that jumps when they are planned), and where they ran (hosts, or queue workers' names).
import { experimentSummaries } from '../../lab/views/experimentSummaries.ts';
import type { ExperimentSummary } from '../../lab/views/types.ts';
import { runHostsByExperiment } from '../../store/runStore.ts';
import { openDatabase, type GlobalOptions } from '../labContext.ts';
import { formatTime, renderTable } from '../terminalTable.ts';

export function runsDone(e: ExperimentSummary): string {
  const created = Object.values(e.runsByStatus).reduce((n, c) => n + (c ?? 0), 0);
  const planned = e.runsPlanned ?? created;
  return e.planComplete ? `${e.runsFinished}/${planned}` : `${e.runsFinished}/${planned} so far, more follow`;
}

/** Where an experiment's runs ran: `gpu-box ×40, laptop ×3` (the three busiest hosts). */
export function ranOn(hosts: readonly { host: string; runs: number }[] | undefined): string {
  if (!hosts || hosts.length === 0) return '—';
  const shown = hosts.slice(0, 3).map((h) => `${h.host} ×${h.runs}`);
  return hosts.length > 3 ? `${shown.join(', ')}, +${hosts.length - 3} more` : shown.join(', ');
}

export function listCommand(options: GlobalOptions): number {
  const lab = openDatabase(options);
  try {
    const experiments = experimentSummaries(lab.db);
    if (experiments.length === 0) {
      process.stdout.write(
        `No experiments in ${lab.path} yet. Start one with \`lab run curricula/optimizers-quick.yaml\`.\n`,
      );
      return 0;
    }
    const hosts = runHostsByExperiment(lab.db);
    const rows = experiments.map((e) => [
      String(e.id),
      e.name,
      e.kind,
      e.status,
      runsDone(e),
      ranOn(hosts.get(e.id)),
      formatTime(e.createdAt),
    ]);
    const head = ['id', 'name', 'kind', 'status', 'runs done', 'ran on', 'created (UTC)'];
    process.stdout.write(`${renderTable({ head, rows })}\n`);
    return 0;
  } finally {
    lab.close();
  }
}
