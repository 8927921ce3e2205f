// `lab queue`: who is connected and what waits, read from a real Redis — an empty queue, then a
// worker and a coordinator of another engine version whose runs wait for a worker that can take
// them (and the line that says what to start), then a worker of that engine that lacks the backend
// one of the runs chose; an unreachable queue and a missing URL.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBackends, engineVersion } from '../../../engine/info.ts';
import { labBackend } from '../../../main/lab/trainers/engineTrainer.ts';
import { parseQueueAddress } from '../../../main/queue/queueAddress.ts';
import { QueueExecutor } from '../../../main/queue/queueExecutor.ts';
import type { WorkerPresence } from '../../../main/queue/presence.ts';
import { bullPrefix, queueKeys, runQueueName } from '../../../main/queue/queueKeys.ts';
import { redisOptions } from '../../../main/queue/redisClient.ts';
import { queueEnvironment, queueUser, startLab, startWorkers, type LabProcess } from './queueHarness.ts';
import { freeLoopbackPort, startRedisServer, type RedisServer } from './redisServer.ts';

const otherEngine = '0.0.1-other';
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('lab queue', () => {
  let server: RedisServer;
  let workers: LabProcess[] = [];

  beforeAll(async () => {
    server = await startRedisServer({ user: queueUser });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await server?.stop();
  });

  it('lists the workers, the coordinators and the runs by state, and says what to start for stuck runs', async () => {
    const env = queueEnvironment();
    const empty = await startLab(['queue', server.url], env).exit;
    expect(empty.code, empty.output).toBe(0);
    expect(empty.output).toContain(`Run queue at redis://lab@127.0.0.1:${server.port} · Redis 7.`);
    expect(empty.output).toContain('Workers: none connected.');
    expect(empty.output).toContain('Coordinators: none connected.');
    expect(empty.output).toContain('Runs: no run queue yet');

    workers = await startWorkers(1, server.url, env, [], 'gpu-box-');
    // What its runs execute on (not merely the fastest backend there), and every backend it has.
    const runsOn = `${labBackend()}/cpu`;
    const backends = availableBackends().join(', ');
    expect(workers[0].output()).toContain(`runs on ${runsOn} (backends here: ${backends})`);
    const address = parseQueueAddress(server.url, {
      LAB_REDIS_USERNAME: queueUser.name,
      LAB_REDIS_PASSWORD: queueUser.password,
    });
    // A coordinator of another engine version, and two runs it queued (jobs as BullMQ holds them).
    const coordinator = await QueueExecutor.connect({
      address,
      engineVersion: otherEngine,
      log: () => undefined,
    });
    const redis = new Redis(redisOptions(address));
    const queue = new Queue(runQueueName(otherEngine), { connection: redis, prefix: bullPrefix });
    try {
      await queue.add('run 1', { runId: 1 });
      await queue.add('run 2', { runId: 2 });
      const status = await startLab(['queue', '--queue', server.url], env).exit;
      expect(status.code, status.output).toBe(0);
      const row = (cells: string[]) => new RegExp(`│ ${cells.map((c) => `${c} +`).join('│ ')}│`);
      expect(status.output).toContain('Workers (1):');
      expect(status.output).toMatch(
        row(['gpu-box-1', '\\S+', escape(engineVersion), escape(runsOn), escape(backends), '0 of 1']),
      );
      expect(status.output).toContain('Coordinators (1):');
      expect(status.output).toMatch(row(['\\S+', String(process.pid), otherEngine]));
      expect(status.output).toMatch(row([runQueueName(otherEngine), '2', '0', '0', '0']));
      expect(status.output).toMatch(row([escape(runQueueName(engineVersion)), '0', '0', '0', '0']));
      expect(status.output).toContain(
        `2 run(s) wait at redis://lab@127.0.0.1:${server.port} for a worker with engine ${otherEngine}; ` +
          `the workers connected have another engine (gpu-box-1: engine ${engineVersion})`,
      );
      // Looking changes nothing: the runs still wait.
      expect(await queue.getWaitingCount()).toBe(2);

      // A worker of that engine comes (its presence as a worker writes it), without cuda; a third
      // run's experiment chose cuda. The worker would take runs 1 and 2 and hand run 3 back.
      const cpuBox: WorkerPresence = {
        id: 'w-cpu-box',
        name: 'cpu-box',
        host: 'cpu-box.lan',
        pid: 4242,
        engineVersion: otherEngine,
        device: 'cpu/cpu',
        backends: ['cpu', 'js'],
        queue: runQueueName(otherEngine),
        concurrency: 2,
        active: 0,
        since: Date.now(),
      };
      await redis.set(queueKeys.worker(cpuBox.id), JSON.stringify(cpuBox), 'EX', 60);
      await queue.add('run 3', { runId: 3, backend: 'cuda' });
      const unserved = await startLab(['queue', server.url], env).exit;
      expect(unserved.code, unserved.output).toBe(0);
      expect(unserved.output).toContain(
        `1 run(s) wait at redis://lab@127.0.0.1:${server.port} for a worker with the cuda backend ` +
          '(their experiment computes on it); the workers connected have cpu-box: cpu, js and leave them queued',
      );
      expect(unserved.output).not.toContain(`for a worker with engine ${otherEngine}`);
      expect(await queue.getWaitingCount()).toBe(3);
      await redis.del(queueKeys.worker(cpuBox.id));
    } finally {
      await queue.close();
      redis.disconnect();
      await coordinator.close();
    }
  });

  it('says why it cannot look, and what it needs', async () => {
    const closedPort = await freeLoopbackPort();
    const [unreachable, noUrl] = await Promise.all([
      startLab(['queue', `redis://127.0.0.1:${closedPort}`], queueEnvironment()).exit,
      startLab(['queue']).exit,
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.output).toContain(
      `lab: cannot reach Redis at redis://lab@127.0.0.1:${closedPort}: connection refused`,
    );
    expect(noUrl.code).toBe(2);
    expect(noUrl.output).toContain('lab: queue needs the Redis to look at: `lab queue redis://HOST:PORT`');
  });
});
