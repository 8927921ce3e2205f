// `lab cancel <id>`: stops an experiment. If a lab process is running it, that process is asked
// (through the database) to stop its runs; otherwise its unfinished runs are marked cancelled.
import { finishExperiment, getExperiment, requestExperimentCancel } from '../../store/experimentStore.ts';
import { processIsAlive } from '../../store/labDatabase.ts';
import { cancelUnfinishedRuns } from '../../store/runStore.ts';
import { experimentIdArgument, openDatabase, UsageError, type GlobalOptions } from '../labContext.ts';

export function cancelCommand(idText: string | undefined, options: GlobalOptions): number {
  const id = experimentIdArgument(idText, 'cancel');
  const lab = openDatabase(options);
  try {
    const experiment = getExperiment(lab.db, id);
    if (!experiment) throw new UsageError(`there is no experiment ${id} in ${lab.path} (see \`lab list\`)`);
    if (experiment.status === 'completed' || experiment.status === 'cancelled') {
      process.stderr.write(`Experiment ${id} is already ${experiment.status}; nothing to cancel.\n`);
      return 1;
    }
    if (
      experiment.status === 'running' &&
      experiment.ownerPid !== null &&
      processIsAlive(experiment.ownerPid)
    ) {
      requestExperimentCancel(lab.db, id);
      process.stdout.write(
        `Asked process ${experiment.ownerPid} to cancel experiment ${id}; its runs stop within a few seconds. ` +
          `\`lab resume ${id}\` continues it later.\n`,
      );
      return 0;
    }
    cancelUnfinishedRuns(lab.db, id);
    finishExperiment(lab.db, id, 'cancelled', 'cancelled by request');
    process.stdout.write(`Experiment ${id} cancelled (no process was running it).\n`);
    return 0;
  } finally {
    lab.close();
  }
}
