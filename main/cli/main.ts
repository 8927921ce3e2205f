// The `lab` command line: run experiments defined in YAML, watch them, inspect and export their
// results. Exit codes: 0 success, 1 the experiment or command failed, 2 the command was misused.
import { parseArgs } from 'node:util';
import { UserError } from '../userError.ts';
import { cacheCommand } from './commands/cache.ts';
import { cancelCommand } from './commands/cancel.ts';
import { exportCommand } from './commands/export.ts';
import { exportModelCommand } from './commands/exportModel.ts';
import { importWeightsCommand } from './commands/importWeights.ts';
import { inspectCommand } from './commands/inspect.ts';
import { listCommand } from './commands/list.ts';
import { queueCommand } from './commands/queue.ts';
import { resumeCommand, runCommand } from './commands/run.ts';
import { serveCommand } from './commands/serve.ts';
import { showCommand } from './commands/show.ts';
import { slurmCommand } from './commands/slurm.ts';
import { workerCommand } from './commands/worker.ts';
import { UsageError } from './labContext.ts';
import { labBackend, labBackendName } from '../lab/trainers/engineTrainer.ts';

export const usage = `Curriculum Lab — run and inspect experiments from the command line.

Usage:
  lab run <file.yaml>            Validate a definition, run it with live progress, print the report
  lab resume <id>                Continue an interrupted, cancelled or failed experiment
                                 (each run restarts from its last checkpoint)
  lab cancel <id>                Stop an experiment (the process running it stops its runs)
  lab list                       List experiments, newest first
  lab show <id>                  Status, report, runs and latest events of an experiment
  lab inspect <run>              One run: config, seed, environment, outcome, metrics and curves
  lab export <id> --csv|--json   Every metric point of an experiment, to stdout or --out <file>
  lab export-model <run> --format onnx|safetensors|npz
                                 A run's trained network for other frameworks: ONNX, or its
                                 weights as a PyTorch state_dict (safetensors) or Keras arrays (npz);
                                 --framework pytorch|keras|theano|lab picks another layout
  lab import-weights <run> --from <file>
                                 Map another framework's weights (PyTorch safetensors, Keras npz)
                                 onto a run's network by name and print what matched, was
                                 converted, reshaped or is missing; --framework as above, --out
                                 writes the result in the lab's layout
  lab serve                      The app in a browser (browser mode, also for a remote GPU box):
                                 prints a URL with this launch's token
  lab cache list|clear           What the engine caches on disk: compiled C ops ($LAB_CACHE_DIR) and
                                 lowered programs ($LAB_PROGRAM_CACHE_DIR): list or remove them
  lab worker --queue <url>       Execute runs from a queue (Redis) that \`lab run --queue\` fills,
                                 on this machine; Ctrl-C hands its runs back (main/queue/README.md)
  lab queue [<url>]              Who is connected to that queue (workers: engine, device, runs now;
                                 coordinators) and its runs by state; what to start if runs are stuck
  lab slurm <file.yaml> --out <dir>
                                 On a Slurm cluster without Redis: create the experiment and write
                                 a job array per stage into <dir> (shared filesystem); then
  lab slurm <dir>                record the tasks that ended and write the next stage, or report

Options:
  --db <path>         Database file (default: $LAB_DB, else the user data directory,
                      e.g. ~/.local/share/curriculum-lab/lab.db)
  --jobs <n>          Runs in parallel, one worker process each (default: number of cores)
  --trainers <file>   Load extra trainers from a module exporting \`trainers\` (repeatable)
  --out <file>        With export: write to this file instead of stdout (export-model: instead
                      of run-<id>-<model>.<format> in the current directory)
  --port <n>          With serve: the port (default 7420; 0 picks a free one)
  --host <addr>       With serve: where to listen (default 127.0.0.1, this machine only; anything
                      else lets other machines in, with the token as the only protection)
  --queue <url>       With run, resume, serve: put runs on this Redis (redis://HOST:PORT,
                      rediss:// for TLS) for \`lab worker\`s; with --jobs this machine works too.
                      Default $LAB_QUEUE. Password: $LAB_REDIS_PASSWORD_FILE, never in the URL
  --attempts <n>      With --queue: attempts per run before it fails (default 3)
  --name <name>       With worker: what runs record as where they ran (default: host name)
  --backend <name>    What runs compute on: cpu (default), cuda (a GPU; its numbers differ from
                      cpu runs in the last bits) or js (the reference). With run and slurm, stored
                      with the experiment (its runs compute there, on a queue's workers too);
                      with resume, changes it for the runs still to come; with worker, serve: the
                      default for runs and new experiments. Same as $LAB_BACKEND
  --scratch <dir>     With worker: where runs keep files while they run (default: temp dir)
  --stall-seconds <s> With worker: how long a silent worker keeps its runs before another
                      takes them over (default 30)
  --sbatch=<option>   With slurm: an sbatch option for the job arrays, e.g.
                      --sbatch=--partition=gpu --sbatch=--gres=gpu:1 (repeatable); --jobs: tasks at once
  -h, --help          This help

Examples:
  lab run curricula/optimizers-quick.yaml
  lab export 3 --csv --out optimizers.csv
  npm run lab -- list          (from the project root; or npx lab list)
`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      jobs: { type: 'string' },
      trainers: { type: 'string', multiple: true },
      csv: { type: 'boolean' },
      json: { type: 'boolean' },
      out: { type: 'string' },
      format: { type: 'string' },
      framework: { type: 'string' },
      from: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      queue: { type: 'string' },
      attempts: { type: 'string' },
      name: { type: 'string' },
      scratch: { type: 'string' },
      'stall-seconds': { type: 'string' },
      sbatch: { type: 'string', multiple: true },
      task: { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, argument, ...extra] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(usage);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (extra.length > 0)
    throw new UsageError(`unexpected argument(s) after ${command} ${argument}: ${extra.join(' ')}`);
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) {
    throw new UsageError(`--jobs needs a whole number ≥ 1, got "${values.jobs}"`);
  }
  if (values.csv && values.json) throw new UsageError('export takes one format: --csv or --json, not both');
  const attempts = values.attempts === undefined ? undefined : Number(values.attempts);
  if (attempts !== undefined && !(Number.isInteger(attempts) && attempts >= 1)) {
    throw new UsageError(`--attempts needs a whole number ≥ 1, got "${values.attempts}"`);
  }
  const stallSeconds = values['stall-seconds'] === undefined ? undefined : Number(values['stall-seconds']);
  if (stallSeconds !== undefined && !(stallSeconds > 0)) {
    throw new UsageError(`--stall-seconds needs a number of seconds > 0, got "${values['stall-seconds']}"`);
  }
  const queue = { queue: values.queue, attempts, stallMs: stallSeconds && stallSeconds * 1000 };
  // Runs compute here unless they go to a queue's workers (and this machine takes none) or to
  // Slurm's nodes: only then may a backend this machine lacks be chosen.
  const computesHere =
    command === 'slurm'
      ? values.task !== undefined
      : command === 'worker' || !(values.queue ?? process.env.LAB_QUEUE) || jobs !== undefined;
  const backend = chooseBackend(
    values.backend ?? process.env.LAB_BACKEND,
    values.backend !== undefined,
    command,
    computesHere,
  );
  const options = { db: values.db, trainers: values.trainers, jobs, backend };
  switch (command) {
    case 'run':
      return runCommand(argument, { ...options, ...queue });
    case 'resume':
      return resumeCommand(argument, { ...options, ...queue });
    case 'slurm':
      return slurmCommand(argument, {
        ...options,
        out: values.out,
        sbatch: values.sbatch,
        task: values.task,
      });
    case 'worker':
      return workerCommand(argument, { ...options, ...queue, name: values.name, scratch: values.scratch });
    case 'queue':
      return queueCommand(argument, { queue: values.queue });
    case 'cancel':
      return cancelCommand(argument, options);
    case 'list':
      return listCommand(options);
    case 'show':
      return showCommand(argument, options);
    case 'inspect':
      return inspectCommand(argument, options);
    case 'cache':
      return cacheCommand(argument);
    case 'serve':
      return serveCommand(argument, { ...options, ...queue, host: values.host, port: values.port });
    case 'export':
      return exportCommand(argument, {
        ...options,
        out: values.out,
        format: values.csv ? 'csv' : values.json ? 'json' : undefined,
      });
    case 'export-model':
      return exportModelCommand(argument, {
        ...options,
        out: values.out,
        format: values.format,
        framework: values.framework,
      });
    case 'import-weights':
      return importWeightsCommand(argument, {
        ...options,
        from: values.from,
        framework: values.framework,
        out: values.out,
      });
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/**
 * `--backend` (or LAB_BACKEND): what the experiments this process creates compute on — stored
 * with each, so its runs compute there wherever they execute, a queue's workers and Slurm's nodes
 * included — and a worker's default for runs whose experiment chose none. Checked before anything
 * is written: the name always, and whether it loads here when runs compute here (a machine
 * without a GPU says so now, not in every run). Handed on through LAB_BACKEND.
 */
function chooseBackend(
  backend: string | undefined,
  fromFlag: boolean,
  command: string,
  computesHere: boolean,
): string | undefined {
  if (backend === undefined || backend === '') return undefined;
  if (!['run', 'resume', 'worker', 'serve', 'slurm'].includes(command)) {
    if (!fromFlag) return undefined; // LAB_BACKEND in the environment means nothing to `lab list`
    throw new UsageError(
      `--backend goes with run, resume, worker, serve or slurm (the commands that start runs), not ${command}`,
    );
  }
  if (computesHere) labBackend(backend);
  else labBackendName(backend);
  process.env.LAB_BACKEND = backend;
  return backend;
}

/** Runs the CLI and exits with its code; errors are printed for a person, not as stack traces. */
export async function runCli(argv: string[]): Promise<void> {
  // `lab show 1 | head`: the reader has gone, so stop quietly, as Unix tools do on SIGPIPE,
  // instead of dying on an unhandled EPIPE with a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  let code: number;
  try {
    code = await main(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`lab: ${error.message}\nRun \`lab --help\` for usage.\n`);
      code = 2;
    } else if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`lab: ${(error as Error).message}\nRun \`lab --help\` for usage.\n`);
      code = 2;
    } else if (error instanceof UserError) {
      process.stderr.write(`lab: ${error.message}\n`);
      code = 1;
    } else {
      process.stderr.write(
        `lab: unexpected error — please report it with the command you ran:\n${(error as Error).stack ?? error}\n`,
      );
      code = 1;
    }
  }
  process.exitCode = code;
}
