// `lab queue [redis://HOST:PORT]`: who is connected to the run queue and what waits on it — the
// workers (name, host, engine version, what runs execute on, runs in progress), the coordinators, and each
// engine version's runs by state — and, where runs wait with no worker able to take them (none of
// their engine, or none with the backend their experiment chose), what to start. For the moment a
// researcher asks "are my GPU workers there, and is anything stuck?".
import { queueUrlOption } from '../../queue/coordinatorExecutor.ts';
import { unservedBackendMessage, waitingRunsMessage } from '../../queue/presence.ts';
import { parseQueueAddress } from '../../queue/queueAddress.ts';
import { readQueueStatus, type QueueStatus } from '../../queue/queueStatus.ts';
import { UsageError } from '../labContext.ts';
import { renderTable } from '../terminalTable.ts';

export interface QueueCommandOptions {
  queue?: string;
}

const enginePrefix = 'runs-engine-';

/**
 * What to do about runs that wait: a line per engine version no connected worker has, and one per
 * engine whose workers all lack a backend that waiting runs chose (they hand those runs back).
 */
export function stuckRunsLines(status: QueueStatus, queueDisplay: string): string[] {
  const lines: string[] = [];
  for (const queue of status.queues) {
    if (queue.waiting + queue.delayed === 0) continue;
    const engine = queue.name.startsWith(enginePrefix) ? queue.name.slice(enginePrefix.length) : queue.name;
    const takers = status.workers.filter((w) => w.queue === queue.name);
    const line =
      takers.length > 0
        ? unservedBackendMessage(queue.chosenBackends, engine, queueDisplay, takers)
        : waitingRunsMessage(queue.waiting + queue.delayed, engine, queueDisplay, status.workers);
    if (line) lines.push(line);
  }
  return lines;
}

export function renderQueueStatus(status: QueueStatus, queueDisplay: string, redisVersion: string): string {
  const out: string[] = [`Run queue at ${queueDisplay} · Redis ${redisVersion}`, ''];
  if (status.workers.length === 0) out.push('Workers: none connected.');
  else {
    out.push(`Workers (${status.workers.length}):`);
    out.push(
      renderTable({
        head: ['name', 'host', 'engine', 'runs on', 'backends there', 'runs now'],
        rows: status.workers.map((w) => [
          w.name,
          w.host,
          w.engineVersion,
          w.device,
          w.backends.join(', '),
          `${w.active} of ${w.concurrency}`,
        ]),
      }),
    );
  }
  out.push('');
  if (status.coordinators.length === 0) out.push('Coordinators: none connected.');
  else {
    out.push(`Coordinators (${status.coordinators.length}):`);
    out.push(
      renderTable({
        head: ['host', 'pid', 'engine'],
        rows: status.coordinators.map((c) => [c.host, String(c.pid), c.engineVersion]),
      }),
    );
  }
  out.push('');
  if (status.queues.length === 0) out.push('Runs: no run queue yet (no coordinator has queued a run here).');
  else {
    out.push('Runs by engine version:');
    out.push(
      renderTable({
        head: ['queue', 'waiting', 'running', 'delayed (retry or handed back)', 'failed (kept 7 days)'],
        rows: status.queues.map((q) => [
          q.name,
          String(q.waiting),
          String(q.active),
          String(q.delayed),
          String(q.failed),
        ]),
      }),
    );
  }
  const stuck = stuckRunsLines(status, queueDisplay);
  if (stuck.length > 0) out.push('', ...stuck);
  return `${out.join('\n')}\n`;
}

export async function queueCommand(
  argument: string | undefined,
  options: QueueCommandOptions,
): Promise<number> {
  if (argument !== undefined && options.queue !== undefined) {
    throw new UsageError(`queue takes the URL once: as an argument ("${argument}") or as --queue, not both`);
  }
  const url = argument ?? queueUrlOption(options.queue);
  if (!url) {
    throw new UsageError(
      'queue needs the Redis to look at: `lab queue redis://HOST:PORT` (or --queue, or $LAB_QUEUE); ' +
        'the password goes in $LAB_REDIS_PASSWORD_FILE or $LAB_REDIS_PASSWORD, never on the command line',
    );
  }
  const address = parseQueueAddress(url);
  const status = await readQueueStatus(address);
  for (const warning of status.server.warnings) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(renderQueueStatus(status, address.display, status.server.version));
  return 0;
}
