// Faults on the queue, automated: a worker frozen mid-run (SIGSTOP: a machine cut off) that thaws
// after another worker took its run over, a worker killed with SIGKILL mid-run, Redis restarted
// mid-run, a worker stopped with Ctrl-C, a run that crashes on every attempt, and a cancel
// followed by a resume. The coordinator runs in this process (so the test can watch its database); the workers
// are `lab worker` processes that give up a silent worker's runs after 2 s. Where a run survives,
// its metric points must equal those of the same run on the local pool: none lost, none doubled.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExperimentFromDefinition } from '../../../main/lab/createExperiment.ts';
import { runExperiment } from '../../../main/lab/experimentRunner.ts';
import { parseDefinition } from '../../../main/lab/loadDefinition.ts';
import { parseQueueAddress } from '../../../main/queue/queueAddress.ts';
import { QueueExecutor } from '../../../main/queue/queueExecutor.ts';
import { latestCheckpoint } from '../../../main/store/artifactStore.ts';
import { requestExperimentCancel } from '../../../main/store/experimentStore.ts';
import type { LabDatabase } from '../../../main/store/labDatabase.ts';
import type { RunRecord } from '../../../main/store/records.ts';
import { getRun, listRuns } from '../../../main/store/runStore.ts';
import { definitionYaml, openTestLab, runToEnd, testTrainerModule } from '../lab/labHarness.ts';
import { queueEnvironment, queueUser, startWorkers, type LabProcess } from './queueHarness.ts';
import { startRedisServer, type RedisServer } from './redisServer.ts';

/** Two runs of 60 steps, 40 ms each, with a checkpoint every 10 steps. */
const slowRuns = definitionYaml({
  problem: 'stepDelayMs: 40',
  training: '{ steps: 60, evalEvery: 10, checkpointEvery: 10 }',
  optimizer: '{ name: sgd, lr: 0.1 }',
  reportSeeds: 2,
});
/** Two runs of 100 such steps: long enough to cancel in the middle. */
const longRun = definitionYaml({
  problem: 'stepDelayMs: 40',
  training: '{ steps: 100, evalEvery: 10, checkpointEvery: 10 }',
  optimizer: '{ name: momentum, lr: 0.05, momentum: 0.9 }',
  reportSeeds: 2,
});
/** Runs whose worker process dies (SIGKILL) at step 5, every time. */
const poisoned = definitionYaml({
  problem: 'crashAtStep: 5',
  training: '{ steps: 20, evalEvery: 5, checkpointEvery: 10 }',
  optimizer: '{ name: sgd, lr: 0.1 }',
  reportSeeds: 2,
});

/** The processes `pid` started (a worker's run processes). */
function childPids(pid: number): number[] {
  const listed = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return listed
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
}

type Points = Map<string, { name: string; step: number; value: number }[]>;

function pointsByPlanKey(lab: LabDatabase, experimentId: number): Points {
  const points: Points = new Map();
  for (const run of listRuns(lab.db, experimentId)) {
    points.set(
      run.planKey,
      lab.db
        .prepare('SELECT name, step, value FROM metric_points WHERE run_id = ? ORDER BY name, step')
        .all(run.id) as { name: string; step: number; value: number }[],
    );
  }
  return points;
}

async function until<T>(find: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A run of the experiment that is running on a worker and has a checkpoint at step ≥ `step`. */
function runningWithCheckpoint(lab: LabDatabase, experimentId: number, step = 10): Promise<RunRecord> {
  return until(
    () =>
      listRuns(lab.db, experimentId).find(
        (r) => r.status === 'running' && (latestCheckpoint(lab.db, r.id)?.step ?? 0) >= step,
      ),
    `a running run with a checkpoint at step ${step}`,
  );
}

describe('faults on the queue', () => {
  let server: RedisServer;
  let workers: LabProcess[] = [];
  let lab: LabDatabase;
  let executor: QueueExecutor;
  const logs: string[] = [];
  const reference = new Map<string, Points>();

  const start = async (yaml: string) => {
    const experiment = createExperimentFromDefinition(lab, await parseDefinition(yaml, 'faults.yaml'));
    return { id: experiment.id, done: runExperiment(experiment.id, { lab, executor, cancelPollMs: 50 }) };
  };
  const worker = (name: string) => workers.find((w) => w.child.spawnargs.includes(name))!;

  beforeAll(async () => {
    server = await startRedisServer({ user: queueUser });
    const env = queueEnvironment();
    lab = await openTestLab();
    // The local pool's numbers for the same definitions, while the workers start.
    const local = await openTestLab();
    const [slow, long] = await Promise.all([
      runToEnd(local, slowRuns),
      runToEnd(local, longRun),
      startWorkers(3, server.url, env, ['--trainers', testTrainerModule, '--stall-seconds', '2']).then(
        (started) => (workers = started),
      ),
    ]);
    reference.set(slowRuns, pointsByPlanKey(local, slow.id));
    reference.set(longRun, pointsByPlanKey(local, long.id));
    local.close();
    const address = parseQueueAddress(server.url, {
      LAB_REDIS_USERNAME: queueUser.name,
      LAB_REDIS_PASSWORD: queueUser.password,
    });
    executor = await QueueExecutor.connect({
      address,
      attempts: 2,
      backoffMs: 200,
      pollMs: 200,
      cancelGraceMs: 10_000,
      log: (line) => logs.push(line),
    });
  });

  afterAll(async () => {
    await executor?.close();
    await Promise.all(workers.map((w) => w.stop()));
    lab?.close();
    await server?.stop();
  });

  it('ignores a frozen worker that comes back after another took its run over (a machine cut off, then back)', async () => {
    const { id, done } = await start(slowRuns);
    const victim = await runningWithCheckpoint(lab, id);
    const frozenName = victim.environment!.host;
    const frozen = worker(frozenName);
    // The worker and its run process stop answering, as on a machine cut off from the network;
    // the run process keeps what it computed and sends it when it thaws.
    const pids = [frozen.child.pid!, ...childPids(frozen.child.pid!)];
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      await until(
        () => (getRun(lab.db, victim.id)!.environment!.host !== frozenName ? true : undefined),
        'another worker taking the frozen run over',
      );
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    const experiment = await done;
    expect(experiment.status, experiment.reason ?? '').toBe('completed');
    expect(logs.join('\n')).toMatch(new RegExp(`run ${victim.id} taken over by w\\d .* from step [1-9]\\d*`));
    // What the thawed attempt still sent changed nothing: every step once, the local run's values.
    expect(pointsByPlanKey(lab, id)).toEqual(reference.get(slowRuns));
    // The thawed worker lives on (it gave the run up, not its own life), and says so once.
    expect(frozen.child.exitCode).toBeNull();
    await frozen.waitFor(/lost job \S+ to another worker: this worker was cut off from Redis \(or frozen\)/);
    expect(frozen.output().match(/lost job/g)).toHaveLength(1);
    expect(frozen.output()).not.toMatch(/could not renew lock|Lock mismatch/);
  });

  it('gives the run of a worker killed with SIGKILL to another worker, which resumes it from its checkpoint', async () => {
    const { id, done } = await start(slowRuns);
    const victim = await runningWithCheckpoint(lab, id);
    const victimName = victim.environment!.host;
    worker(victimName).child.kill('SIGKILL');
    const experiment = await done;
    expect(experiment.status, experiment.reason ?? '').toBe('completed');
    const after = getRun(lab.db, victim.id)!;
    expect(after.environment!.host).not.toBe(victimName);
    expect(logs.join('\n')).toMatch(new RegExp(`run ${victim.id} taken over by w\\d .* from step [1-9]\\d*`));
    // Every step once, with the value an uninterrupted local run computes.
    expect(pointsByPlanKey(lab, id)).toEqual(reference.get(slowRuns));
  });

  it('carries on when Redis restarts in the middle of runs', async () => {
    const { id, done } = await start(slowRuns);
    await runningWithCheckpoint(lab, id);
    await server.restart(300);
    const experiment = await done;
    expect(experiment.status, experiment.reason ?? '').toBe('completed');
    expect(logs.join('\n')).toMatch(/lost the connection to Redis .*\n(.*\n)*reconnected to Redis/);
    expect(pointsByPlanKey(lab, id)).toEqual(reference.get(slowRuns));
  });

  it('hands the runs of a worker stopped with Ctrl-C back to the queue, without using up an attempt', async () => {
    const { id, done } = await start(slowRuns);
    const run = await runningWithCheckpoint(lab, id);
    const name = run.environment!.host;
    const stopped = worker(name);
    await stopped.stop('SIGINT');
    expect(stopped.output()).toMatch(new RegExp(`run ${run.id} of .*: handed back to the queue at step`));
    const experiment = await done;
    expect(experiment.status, experiment.reason ?? '').toBe('completed');
    expect(getRun(lab.db, run.id)!.environment!.host).not.toBe(name);
    expect(logs.join('\n')).not.toMatch(new RegExp(`run ${run.id}: attempt`));
    expect(pointsByPlanKey(lab, id)).toEqual(reference.get(slowRuns));
  });

  it('ends a run that crashes on every attempt failed after its attempts, with the reason', async () => {
    const { id, done } = await start(poisoned);
    const experiment = await done;
    expect(experiment.status).toBe('failed');
    for (const run of listRuns(lab.db, id)) {
      expect(run.status).toBe('failed');
      expect(run.reason).toMatch(/killed by SIGKILL.*\(on worker w\d\).*gave up after 2 attempt\(s\)/s);
      expect(logs.join('\n')).toMatch(
        new RegExp(`run ${run.id}: attempt 1 of 2 failed on w\\d: .* — it is retried`),
      );
    }
  });

  it('cancels a running run on its worker, and resumes it from the checkpoint the coordinator recorded', async () => {
    const { id, done } = await start(longRun);
    const run = await runningWithCheckpoint(lab, id, 20);
    requestExperimentCancel(lab.db, id);
    const cancelled = await done;
    expect(cancelled.status).toBe('cancelled');
    const stopped = getRun(lab.db, run.id)!;
    expect(stopped.status).toBe('cancelled');
    expect(stopped.reason).toBe('cancelled by request');
    const checkpoint = latestCheckpoint(lab.db, run.id)!.step;
    expect(checkpoint).toBeGreaterThanOrEqual(20);

    const resumed = await runExperiment(id, { lab, executor, cancelPollMs: 50 });
    expect(resumed.status, resumed.reason ?? '').toBe('completed');
    expect(logs.join('\n')).toMatch(
      new RegExp(`run ${run.id}: w\\d resumes it from the checkpoint at step ${checkpoint}`),
    );
    expect(pointsByPlanKey(lab, id)).toEqual(reference.get(longRun));
  });
});
