// `lab slurm`: experiments on a Slurm cluster without Redis, one job array per stage.
//   lab slurm <file.yaml> --out <dir>   create the experiment and write stage 1's job array
//   lab slurm <dir>                     record the results of tasks that have ended, then write the
//                                       next stage (runs that depend on them) or print the report
//   lab slurm <dir>/stage-<k> --task i  what array task i runs (written into the script)
// The directory must be on the shared filesystem; files, not a server, carry the runs
// (main/queue/slurm/slurmFiles.ts). Each advance is the experiment runner with an executor that
// replays finished tasks, so results are recorded exactly as a local run's.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createExperimentFromDefinition } from '../../lab/createExperiment.ts';
import { runExperiment } from '../../lab/experimentRunner.ts';
import { loadDefinitionFile } from '../../lab/loadDefinition.ts';
import { moduleUrlOf } from '../../lab/trainers/registry.ts';
import { projectRoot } from '../../paths.ts';
import {
  readSlurmExperiment,
  slurmPaths,
  slurmStages,
  type SlurmExperiment,
} from '../../queue/slurm/slurmFiles.ts';
import { checkSbatchOptions, slurmArrayScript } from '../../queue/slurm/slurmScript.ts';
import { SlurmStageExecutor } from '../../queue/slurm/slurmStageExecutor.ts';
import { runSlurmTask } from '../../queue/slurm/slurmTask.ts';
import { finishExperiment, getExperiment, requestExperimentCancel } from '../../store/experimentStore.ts';
import type { LabDatabase } from '../../store/labDatabase.ts';
import { loadTrainers, openDatabase, UsageError, type GlobalOptions } from '../labContext.ts';
import { renderReport } from '../renderReport.ts';

export interface SlurmCommandOptions extends GlobalOptions {
  out?: string;
  /** Extra sbatch options for the job arrays, one option each. */
  sbatch?: string[];
  /** Array tasks at once (`%n` of --array). */
  jobs?: number;
  /** As typed after --task: the array index this process executes. */
  task?: string;
}

const usage =
  'slurm needs a definition and a directory on the shared filesystem to start (`lab slurm <file.yaml> --out <dir>`), ' +
  'or that directory to continue (`lab slurm <dir>`)';

async function executeTask(stageDirectory: string, taskText: string): Promise<number> {
  const index = Number(taskText);
  if (taskText.trim() === '' || !Number.isInteger(index) || index < 0) {
    throw new UsageError(`--task needs the array index (a whole number ≥ 0), got "${taskText}"`);
  }
  const exit = await runSlurmTask(resolve(stageDirectory), index);
  process.stdout.write(
    `task ${index}: ${exit.status} at step ${exit.step}${exit.reason ? ` — ${exit.reason}` : ''}\n`,
  );
  return exit.status === 'failed' ? 1 : 0;
}

/** Records finished tasks, writes the next stage's job array, and says what to do next. */
async function advance(
  lab: LabDatabase,
  slurm: SlurmExperiment,
  directory: string,
  options: SlurmCommandOptions,
) {
  const paths = slurmPaths(directory);
  const id = slurm.experimentId;
  const executor = new SlurmStageExecutor(paths, () => requestExperimentCancel(lab.db, id));
  const experiment = await runExperiment(id, { lab, executor, cancelPollMs: 20 });
  const lines: string[] = [];
  if (executor.collected > 0) lines.push(`Recorded the results of ${executor.collected} run(s).`);
  if (executor.newTasks.length > 0) {
    const stage = (slurmStages(directory).at(-1) ?? 0) + 1;
    mkdirSync(paths.stage(stage), { recursive: true });
    mkdirSync(paths.logs, { recursive: true });
    writeFileSync(paths.tasks(stage), `${JSON.stringify(executor.newTasks)}\n`);
    const script = slurmArrayScript({
      experimentId: id,
      experimentName: experiment.name,
      stage,
      stageDirectory: paths.stage(stage),
      logDirectory: paths.logs,
      tasks: executor.newTasks.length,
      maxParallel: options.jobs,
      sbatch: options.sbatch ?? [],
      projectRoot,
      slurmDirectory: directory,
    });
    writeFileSync(paths.script(stage), script, { mode: 0o755 });
    lines.push(`Stage ${stage}: ${executor.newTasks.length} run(s), one array task each. Submit it:`);
    lines.push(`  sbatch ${paths.script(stage)}`);
  }
  if (executor.waiting.length > 0) {
    lines.push(
      `${executor.waiting.length} run(s) of earlier stages have not ended yet (squeue shows their tasks).`,
    );
  }
  if (experiment.status === 'completed') {
    process.stdout.write(
      `${lines.join('\n')}\n\n${experiment.name} (experiment ${id}): completed\n${renderReport(experiment)}\n`,
    );
    return 0;
  }
  const pending = executor.newTasks.length + executor.waiting.length;
  if (pending > 0) {
    const next = `once the array tasks have ended, run \`lab slurm ${directory}\``;
    finishExperiment(lab.db, id, 'queued', `waiting for Slurm: ${pending} run(s); ${next}`);
    lines.push(`Then, ${next} (it records them and writes the next stage, or prints the report).`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stderr.write(
    `${experiment.name} (experiment ${id}): ${experiment.status}\n${experiment.reason ?? ''}\n`,
  );
  return 1;
}

export async function slurmCommand(
  argument: string | undefined,
  options: SlurmCommandOptions,
): Promise<number> {
  if (!argument) throw new UsageError(usage);
  if (options.task !== undefined) return executeTask(argument, options.task);
  checkSbatchOptions(options.sbatch ?? []);
  const isDirectory = existsSync(argument) && statSync(argument).isDirectory();
  if (isDirectory) {
    const directory = resolve(argument);
    const slurm = readSlurmExperiment(directory);
    await loadTrainers({ trainers: slurm.trainers });
    const lab = openDatabase({ db: options.db ?? slurm.database });
    try {
      if (!getExperiment(lab.db, slurm.experimentId)) {
        throw new UsageError(`experiment ${slurm.experimentId} of ${directory} is not in ${lab.path}`);
      }
      return await advance(lab, slurm, directory, options);
    } finally {
      lab.close();
    }
  }
  if (!options.out) throw new UsageError(usage);
  const directory = resolve(options.out);
  if (existsSync(slurmPaths(directory).experiment)) {
    throw new UsageError(
      `${directory} already holds experiment ${readSlurmExperiment(directory).experimentId}: continue it with ` +
        `\`lab slurm ${directory}\`, or give another --out`,
    );
  }
  await loadTrainers(options);
  const definition = await loadDefinitionFile(argument);
  const lab = openDatabase(options);
  try {
    const experiment = createExperimentFromDefinition(lab, definition, options.backend ?? null);
    const slurm: SlurmExperiment = {
      version: 1,
      database: resolve(lab.path),
      experimentId: experiment.id,
      trainers: (options.trainers ?? []).map(moduleUrlOf),
    };
    mkdirSync(directory, { recursive: true });
    writeFileSync(slurmPaths(directory).experiment, `${JSON.stringify(slurm, null, 2)}\n`);
    process.stdout.write(
      `Experiment ${experiment.id} (${experiment.name}) · database ${lab.path} · Slurm directory ${directory}\n`,
    );
    return await advance(lab, slurm, directory, options);
  } finally {
    lab.close();
  }
}
