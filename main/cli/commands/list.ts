// `lab list`: the experiments in the database, newest first.
import { listExperiments } from '../../store/experimentStore.ts';
import { listRuns } from '../../store/runStore.ts';
import { openDatabase, type GlobalOptions } from '../labContext.ts';
import { formatTime, renderTable } from '../terminalTable.ts';

export function listCommand(options: GlobalOptions): number {
  const lab = openDatabase(options);
  try {
    const experiments = listExperiments(lab.db);
    if (experiments.length === 0) {
      process.stdout.write(
        `No experiments in ${lab.path} yet. Start one with \`lab run curricula/optimizers-quick.yaml\`.\n`,
      );
      return 0;
    }
    const rows = experiments.map((e) => {
      const runs = listRuns(lab.db, e.id);
      const finished = runs.filter((r) => r.status === 'completed' || r.status === 'diverged').length;
      return [String(e.id), e.name, e.kind, e.status, `${finished}/${runs.length}`, formatTime(e.createdAt)];
    });
    process.stdout.write(
      `${renderTable({ head: ['id', 'name', 'kind', 'status', 'runs done', 'created (UTC)'], rows })}\n`,
    );
    return 0;
  } finally {
    lab.close();
  }
}
