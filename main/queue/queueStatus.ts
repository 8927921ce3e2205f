// What is on the queue's Redis right now, for `lab queue`: the workers and coordinators that are
// connected (their presence keys), and the runs of each engine version's queue by state (BullMQ's
// counts, and the backends that waiting runs' experiments chose, where workers of that engine are
// connected). Read-only: it changes nothing, so it is safe to run at any time from any machine.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { listCoordinators, listWorkers, type CoordinatorPresence, type WorkerPresence } from './presence.ts';
import type { QueueAddress } from './queueAddress.ts';
import type { QueuedRun } from './queuedRun.ts';
import { bullPrefix } from './queueKeys.ts';
import { checkRedis, closeRedis, redisOptions, type RedisCheck } from './redisClient.ts';

export interface RunQueueCounts {
  /** The BullMQ queue's name: `runs-engine-<version>`. */
  name: string;
  waiting: number;
  active: number;
  /** Waiting for a retry's backoff, or handed back by a worker of another engine version. */
  delayed: number;
  /** Ended failed after their last attempt (kept a while with their reason). */
  failed: number;
  /**
   * The backend of each waiting or delayed run whose experiment chose one (`lab run --backend`),
   * read only where workers of this queue are connected (they hand back a run whose backend they
   * lack, so such runs wait while workers idle); empty otherwise.
   */
  chosenBackends: string[];
}

export interface QueueStatus {
  workers: WorkerPresence[];
  coordinators: CoordinatorPresence[];
  queues: RunQueueCounts[];
}

/** The names of the run queues that exist in Redis (BullMQ keeps a `meta` hash per queue). */
async function runQueueNames(redis: Redis): Promise<string[]> {
  const names = new Set<string>();
  let cursor = '0';
  // Bounded like presence's scan: the loop ends when SCAN's cursor returns to 0.
  for (let round = 0; round < 1000; round++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${bullPrefix}:*:meta`, 'COUNT', 500);
    for (const key of keys) names.add(key.slice(bullPrefix.length + 1, -':meta'.length));
    cursor = next;
    if (cursor === '0') break;
  }
  return [...names].sort();
}

async function readStatus(redis: Redis): Promise<QueueStatus> {
  const [workers, coordinators, names] = await Promise.all([
    listWorkers(redis),
    listCoordinators(redis),
    runQueueNames(redis),
  ]);
  // A queue a worker or coordinator uses exists for them even before its first job.
  for (const present of [...workers, ...coordinators])
    if (!names.includes(present.queue)) names.push(present.queue);
  const queues: RunQueueCounts[] = [];
  for (const name of names.sort()) {
    const queue = new Queue<QueuedRun>(name, {
      connection: redis,
      prefix: bullPrefix,
      skipMetasUpdate: true,
    });
    try {
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
      const delayed = counts.delayed ?? 0;
      // Without a worker of this engine the runs wait for one whatever they chose: not read then.
      const served = workers.some((w) => w.queue === name);
      const jobs =
        served && waiting + delayed > 0 ? await queue.getJobs(['waiting', 'prioritized', 'delayed']) : [];
      queues.push({
        name,
        waiting,
        active: counts.active ?? 0,
        delayed,
        failed: counts.failed ?? 0,
        chosenBackends: jobs.flatMap((job) =>
          typeof job?.data?.backend === 'string' ? [job.data.backend] : [],
        ),
      });
    } finally {
      await queue.close();
    }
  }
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  return {
    workers: workers.sort(byName),
    coordinators: coordinators.sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid),
    queues,
  };
}

/**
 * Checks the server (the same clear errors as a worker's start), then reads its status over a
 * connection that gives up instead of waiting for a server that went away.
 */
export async function readQueueStatus(address: QueueAddress): Promise<QueueStatus & { server: RedisCheck }> {
  const server = await checkRedis(address);
  const redis = new Redis({ ...redisOptions(address), maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined); // a failed command rejects with the cause
  try {
    return { ...(await readStatus(redis)), server };
  } finally {
    await closeRedis(redis);
  }
}
