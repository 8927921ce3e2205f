// `lab show <id>`: one experiment — status, report, every run with its seed and outcome, and the
// latest log lines.
import { formatValue } from '../../lab/formatValue.ts';
import { getDefinition, getExperiment } from '../../store/experimentStore.ts';
import { listEvents } from '../../store/eventLog.ts';
import { listRuns } from '../../store/runStore.ts';
import { experimentIdArgument, openDatabase, UsageError, type GlobalOptions } from '../labContext.ts';
import { renderReport } from '../renderReport.ts';
import { formatTime, renderTable } from '../terminalTable.ts';

export function showCommand(idText: string | undefined, options: GlobalOptions): number {
  const id = experimentIdArgument(idText, 'show');
  const lab = openDatabase(options);
  try {
    const experiment = getExperiment(lab.db, id);
    if (!experiment) throw new UsageError(`there is no experiment ${id} in ${lab.path} (see \`lab list\`)`);
    const definition = getDefinition(lab.db, experiment.definitionId);
    const runs = listRuns(lab.db, id);
    const out: string[] = [
      `Experiment ${id}: ${experiment.name} (${experiment.kind})`,
      `  status      ${experiment.status}${experiment.reason ? ` — ${experiment.reason}` : ''}`,
      `  definition  ${definition?.path ?? '?'}`,
      ...(experiment.backend
        ? [
            `  backend     ${experiment.backend} (its runs compute there; \`lab resume ${id} --backend …\` changes it)`,
          ]
        : []),
      `  created     ${formatTime(experiment.createdAt)} UTC · updated ${formatTime(experiment.updatedAt)} UTC`,
      '',
      renderReport(experiment),
      '',
      renderTable({
        head: ['run', 'phase', 'label', 'seed', 'status', 'step', 'final val loss', 'device', 'note'],
        rows: runs.map((r) => [
          String(r.id),
          r.phase,
          r.label,
          String(r.seed),
          r.status,
          `${r.step}/${r.steps}`,
          formatValue(r.result?.final_val_loss),
          r.environment ? `${r.environment.backend}/${r.environment.device} on ${r.environment.host}` : '—',
          (r.reason ?? '').split('\n')[0].slice(0, 60),
        ]),
      }),
    ];
    const events = listEvents(lab.db, id, 10);
    if (events.length > 0) {
      out.push(
        '',
        'Latest events:',
        ...events.map((e) => `  ${formatTime(e.time)} ${e.level.padEnd(5)} ${e.message.split('\n')[0]}`),
      );
    }
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    lab.close();
  }
}
