// `lab cancel <id>`: stops an experiment. If a lab process is running it, that process is asked
// (through the database) to stop its runs; otherwise its unfinished runs are marked cancelled.
import { cancelExperiment } from '../../lab/cancelExperiment.ts';
import { experimentIdArgument, openDatabase, UsageError, type GlobalOptions } from '../labContext.ts';

export function cancelCommand(idText: string | undefined, options: GlobalOptions): number {
  const id = experimentIdArgument(idText, 'cancel');
  const lab = openDatabase(options);
  try {
    const outcome = cancelExperiment(lab, id);
    switch (outcome.kind) {
      case 'not-found':
        throw new UsageError(`there is no experiment ${id} in ${lab.path} (see \`lab list\`)`);
      case 'already-finished':
        process.stderr.write(`Experiment ${id} is already ${outcome.status}; nothing to cancel.\n`);
        return 1;
      case 'requested':
        process.stdout.write(
          `Asked process ${outcome.ownerPid} to cancel experiment ${id}; its runs stop within a few seconds. ` +
            `\`lab resume ${id}\` continues it later.\n`,
        );
        return 0;
      case 'cancelled':
        process.stdout.write(`Experiment ${id} cancelled (no process was running it).\n`);
        return 0;
    }
  } finally {
    lab.close();
  }
}
