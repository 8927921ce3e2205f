// `lab run <file.yaml>` and `lab resume <id>`: execute an experiment with live progress, then
// print its report. Ctrl-C once cancels cleanly (runs checkpoint and stop); twice quits at once.
import { loadDefinitionFile } from '../../lab/loadDefinition.ts';
import { resumeBlocker } from '../../lab/cancelExperiment.ts';
import { createExperimentFromDefinition } from '../../lab/createExperiment.ts';
import { runExperiment } from '../../lab/experimentRunner.ts';
import { getExperiment, requestExperimentCancel, setExperimentBackend } from '../../store/experimentStore.ts';
import type { LabDatabase } from '../../store/labDatabase.ts';
import { openCoordinatorExecutor, type CoordinatorExecutor } from '../../queue/coordinatorExecutor.ts';
import {
  experimentIdArgument,
  loadTrainers,
  openDatabase,
  UsageError,
  type GlobalOptions,
} from '../labContext.ts';
import { createProgressDisplay } from '../progressDisplay.ts';
import { renderReport } from '../renderReport.ts';

export interface RunOptions extends GlobalOptions {
  jobs?: number;
  /** A redis:// URL: runs go on that queue for `lab worker`s (main/queue/README.md). */
  queue?: string;
  attempts?: number;
  stallMs?: number;
}

/**
 * Where runs execute, opened before anything is written: an unreachable queue or a wrong password
 * is an error up front, not an experiment left queued. Its messages go to the progress display.
 */
async function openExecutor(
  options: RunOptions,
): Promise<{ where: CoordinatorExecutor; logTo: (log: (line: string) => void) => void }> {
  let log: (line: string) => void = (line) => void process.stderr.write(`${line}\n`);
  const where = await openCoordinatorExecutor({ ...options, log: (line) => log(line) });
  return { where, logTo: (next) => (log = next) };
}

async function executeWithProgress(
  lab: LabDatabase,
  experimentId: number,
  { where, logTo }: Awaited<ReturnType<typeof openExecutor>>,
): Promise<number> {
  const display = createProgressDisplay();
  logTo((line) => display.log(line));
  const { executor } = where;
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    display.log(
      `Cancelling experiment ${experimentId}: waiting for its runs to stop. Ctrl-C again quits now; ` +
        `\`lab resume ${experimentId}\` continues later either way.`,
    );
    requestExperimentCancel(lab.db, experimentId);
  };
  process.on('SIGINT', onInterrupt);
  display.log(`Experiment ${experimentId} · ${where.description} · database ${lab.path}`);
  let experiment;
  try {
    experiment = await runExperiment(experimentId, {
      lab,
      executor,
      onProgress: (event) => display.update(event),
    });
  } finally {
    display.stop();
    logTo((line) => void process.stderr.write(`${line}\n`));
    process.off('SIGINT', onInterrupt);
  }
  process.stdout.write(`\n${experiment.name} (experiment ${experiment.id}): ${experiment.status}\n`);
  if (experiment.report !== null) process.stdout.write(`${renderReport(experiment)}\n`);
  if (experiment.reason) process.stderr.write(`${experiment.reason}\n`);
  process.stdout.write(`Details: lab show ${experiment.id} · data: lab export ${experiment.id} --csv\n`);
  return experiment.status === 'completed' ? 0 : 1;
}

export async function runCommand(file: string | undefined, options: RunOptions): Promise<number> {
  if (!file)
    throw new UsageError('run needs a definition file, e.g. `lab run curricula/optimizers-quick.yaml`');
  await loadTrainers(options);
  const definition = await loadDefinitionFile(file);
  const lab = openDatabase(options);
  let executor;
  try {
    executor = await openExecutor(options);
    const experiment = createExperimentFromDefinition(lab, definition, options.backend ?? null);
    return await executeWithProgress(lab, experiment.id, executor);
  } finally {
    await executor?.where.close();
    lab.close();
  }
}

export async function resumeCommand(idText: string | undefined, options: RunOptions): Promise<number> {
  const id = experimentIdArgument(idText, 'resume');
  await loadTrainers(options);
  const lab = openDatabase(options);
  let executor;
  try {
    const experiment = getExperiment(lab.db, id);
    if (!experiment) throw new UsageError(`there is no experiment ${id} in ${lab.path} (see \`lab list\`)`);
    if (experiment.status === 'completed') {
      process.stdout.write(
        `Experiment ${id} already completed; nothing to resume.\n${renderReport(experiment)}\n`,
      );
      return 0;
    }
    const blocker = resumeBlocker(lab, id);
    if (blocker) throw new UsageError(`${blocker} (\`lab cancel ${id}\`)`);
    // Its remaining runs compute where it was asked to when created, unless asked again now.
    if (options.backend !== undefined && options.backend !== experiment.backend) {
      setExperimentBackend(lab.db, id, options.backend);
      process.stderr.write(
        `Experiment ${id}: runs still to come compute on ${options.backend} (was ${experiment.backend ?? 'the default'}); finished runs keep theirs.\n`,
      );
    }
    executor = await openExecutor(options);
    return await executeWithProgress(lab, id, executor);
  } finally {
    await executor?.where.close();
    lab.close();
  }
}
