// Who is connected to the queue: coordinators and workers each keep a small key alive while they
// run (refreshed well inside its expiry). Workers use it to drop runs whose coordinator is gone;
// both sides use it to say why runs wait — no worker at all, or only workers of another engine
// version — instead of leaving a person to guess.
import type { Redis } from 'ioredis';
import { queueKeys } from './queueKeys.ts';

export interface CoordinatorPresence {
  session: string;
  host: string;
  pid: number;
  engineVersion: string;
  queue: string;
  since: number;
}

export interface WorkerPresence {
  id: string;
  name: string;
  host: string;
  pid: number;
  engineVersion: string;
  /** What the lab's runs execute on there (`cpu/cpu`), and every backend that loads there (`cuda` on a GPU box). */
  device: string;
  backends: string[];
  queue: string;
  concurrency: number;
  active: number;
  since: number;
}

/** Keeps `key` alive with `value()` every `everyMs` (expiring after `ttlSeconds` if we die). */
export class PresenceHeartbeat {
  private readonly redis: Redis;
  private readonly key: string;
  private readonly value: () => object;
  private readonly ttlSeconds: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    redis: Redis,
    key: string,
    value: () => object,
    options: { ttlSeconds: number; everyMs: number },
  ) {
    this.redis = redis;
    this.key = key;
    this.value = value;
    this.ttlSeconds = options.ttlSeconds;
    this.timer = setInterval(() => void this.beat().catch(() => undefined), options.everyMs);
    this.timer.unref();
  }

  beat(): Promise<unknown> {
    return this.redis.set(this.key, JSON.stringify(this.value()), 'EX', this.ttlSeconds);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.redis.status === 'ready') await this.redis.del(this.key).catch(() => undefined);
  }
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  // Bounded: presence keys are few; the loop ends when SCAN's cursor returns to 0.
  for (let round = 0; round < 1000; round++) {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
    keys.push(...found);
    cursor = next;
    if (cursor === '0') break;
  }
  return keys;
}

async function listPresence<T>(redis: Redis, pattern: string): Promise<T[]> {
  const keys = await scanKeys(redis, pattern);
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as T);
}

export const listWorkers = (redis: Redis) => listPresence<WorkerPresence>(redis, queueKeys.workerPattern);
export const listCoordinators = (redis: Redis) =>
  listPresence<CoordinatorPresence>(redis, queueKeys.coordinatorPattern);

export async function coordinatorIsPresent(redis: Redis, session: string): Promise<boolean> {
  return (await redis.exists(queueKeys.coordinator(session))) === 1;
}

function countBy(items: string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([item, n]) => (n > 1 ? `${item} ×${n}` : item)).join(', ');
}

/**
 * Why `waiting` runs of engine `engineVersion` have not started, from the workers connected now;
 * null when a compatible worker is there (it is busy, or about to take them).
 */
export function waitingRunsMessage(
  waiting: number,
  engineVersion: string,
  queueDisplay: string,
  workers: readonly WorkerPresence[],
): string | null {
  if (workers.some((w) => w.engineVersion === engineVersion)) return null;
  const start = `start one with \`lab worker --queue ${queueDisplay}\` on a machine whose checkout has engine ${engineVersion}`;
  if (workers.length === 0) {
    return `${waiting} run(s) wait at ${queueDisplay}, and no worker is connected: ${start}`;
  }
  return (
    `${waiting} run(s) wait at ${queueDisplay} for a worker with engine ${engineVersion}; the workers connected ` +
    `have another engine (${countBy(workers.map((w) => `${w.name}: engine ${w.engineVersion}`))}) and do not ` +
    `take them, so the runs stay queued until a compatible worker comes: ${start}, or update those checkouts`
  );
}

/**
 * Why waiting runs whose experiment chose a backend have not started when workers of their
 * engine are connected but none has that backend (each hands them back); null otherwise.
 * `backends`: each waiting run's backend (undefined: any worker's default will do).
 */
export function unservedBackendMessage(
  backends: readonly (string | undefined)[],
  engineVersion: string,
  queueDisplay: string,
  workers: readonly WorkerPresence[],
): string | null {
  const compatible = workers.filter((w) => w.engineVersion === engineVersion);
  const unserved = backends.filter(
    (b): b is string => b !== undefined && !compatible.some((w) => w.backends.includes(b)),
  );
  if (compatible.length === 0 || unserved.length === 0) return null;
  const wanted = [...new Set(unserved)].join(' or ');
  return (
    `${unserved.length} run(s) wait at ${queueDisplay} for a worker with the ${wanted} backend (their ` +
    `experiment computes on it); the workers connected have ${countBy(compatible.map((w) => `${w.name}: ${w.backends.join(', ')}`))} ` +
    `and leave them queued: start \`lab worker --queue ${queueDisplay}\` on a machine where ${wanted} loads, ` +
    'or cancel the experiment and `lab resume <experiment> --backend cpu` to compute the rest on the CPU'
  );
}

/** What a worker says about coordinators whose runs it will not take (another engine version). */
export function incompatibleCoordinatorMessage(
  coordinator: CoordinatorPresence,
  engineVersion: string,
): string {
  return (
    `coordinator ${coordinator.host} (pid ${coordinator.pid}) queues runs for engine ${coordinator.engineVersion}; ` +
    `this worker has engine ${engineVersion} and takes only runs for it, so those runs stay queued for a ` +
    `compatible worker. To help with them, run this worker from a checkout with engine ${coordinator.engineVersion}`
  );
}
