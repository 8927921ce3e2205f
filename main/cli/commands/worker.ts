// `lab worker --queue redis://HOST:PORT`: this machine executes runs that coordinators (`lab run
// --queue`, `lab serve --queue`, the app with $LAB_QUEUE) put on the queue, with the lab's own run
// worker, and streams their results back. Ctrl-C stops taking runs; runs in progress stop at their
// next step and go back to the queue, where another worker resumes them from their checkpoint.
import { availableBackends } from '../../../engine/info.ts';
import { parseQueueAddress } from '../../queue/queueAddress.ts';
import { queueUrlOption } from '../../queue/coordinatorExecutor.ts';
import { QueueWorker } from '../../queue/queueWorker.ts';
import { loadTrainers, UsageError, type GlobalOptions } from '../labContext.ts';
import { stopRequested } from './serve.ts';

export interface WorkerCommandOptions extends GlobalOptions {
  queue?: string;
  jobs?: number;
  name?: string;
  scratch?: string;
  stallMs?: number;
}

export async function workerCommand(
  argument: string | undefined,
  options: WorkerCommandOptions,
): Promise<number> {
  if (argument !== undefined) {
    throw new UsageError(
      `worker takes no argument (got "${argument}"); its options are --queue, --jobs, --name`,
    );
  }
  const url = queueUrlOption(options.queue);
  if (!url) {
    throw new UsageError(
      'worker needs the queue to take runs from: --queue redis://HOST:PORT (or $LAB_QUEUE); ' +
        'the password goes in $LAB_REDIS_PASSWORD_FILE or $LAB_REDIS_PASSWORD, never on the command line',
    );
  }
  await loadTrainers(options);
  const address = parseQueueAddress(url);
  const worker = await QueueWorker.start({
    address,
    name: options.name,
    concurrency: options.jobs,
    scratchDirectory: options.scratch,
    stallMs: options.stallMs,
  });
  // Listening for Ctrl-C before saying we are ready: a script that waits for that line may stop us at once.
  const stop = stopRequested();
  process.stdout.write(
    `Worker ${worker.name} · engine ${worker.engineVersion} · runs on ${worker.device} (backends here: ` +
      `${availableBackends().join(', ')}) · ${worker.concurrency} run(s) at a time\n` +
      `Taking runs from ${address.display} (queue ${worker.queueName}). Ctrl-C stops; runs in progress go back to the queue.\n`,
  );
  await stop;
  process.stdout.write('Stopping: runs in progress stop at their next step and go back to the queue.\n');
  await worker.stop();
  return 0;
}
