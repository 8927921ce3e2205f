// What the queue does with bad input: an unreachable server, a wrong or missing password, a
// password on the command line, workers of another engine version or without the experiment's
// backend (the runs stay queued, and both sides say why), and TLS with and without the server's CA.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExperimentFromDefinition } from '../../../main/lab/createExperiment.ts';
import { runExperiment } from '../../../main/lab/experimentRunner.ts';
import { parseDefinition } from '../../../main/lab/loadDefinition.ts';
import { parseQueueAddress, type QueueAddress } from '../../../main/queue/queueAddress.ts';
import { QueueExecutor } from '../../../main/queue/queueExecutor.ts';
import { QueueWorker } from '../../../main/queue/queueWorker.ts';
import { checkRedis } from '../../../main/queue/redisClient.ts';
import { requestExperimentCancel } from '../../../main/store/experimentStore.ts';
import { listRuns } from '../../../main/store/runStore.ts';
import { definitionYaml, openTestLab, testTrainerModule } from '../lab/labHarness.ts';
import { query, queueEnvironment, queueUser, startLab, tempDirectory } from './queueHarness.ts';
import { freeLoopbackPort, startRedisServer, type RedisServer } from './redisServer.ts';

const shortRuns = definitionYaml({
  training: '{ steps: 10, evalEvery: 5, checkpointEvery: 5 }',
  optimizer: '{ name: sgd, lr: 0.1 }',
});

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A CA and a server certificate for 127.0.0.1, made with the openssl command line. */
function makeCertificates(): { ca: string; cert: string; key: string } {
  const directory = tempDirectory('lab-tls-');
  const path = (name: string) => join(directory, name);
  writeFileSync(path('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const steps = [
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      path('ca.key'),
      '-out',
      path('ca.crt'),
      '-days',
      '1',
      '-subj',
      '/CN=lab test CA',
    ],
    ['req', ...ec, '-keyout', path('server.key'), '-out', path('server.csr'), '-subj', '/CN=127.0.0.1'],
    [
      'x509',
      '-req',
      '-in',
      path('server.csr'),
      '-CA',
      path('ca.crt'),
      '-CAkey',
      path('ca.key'),
      '-CAcreateserial',
    ],
  ];
  steps[2].push('-out', path('server.crt'), '-days', '1', '-extfile', path('san.ext'));
  for (const args of steps) {
    const result = spawnSync('openssl', args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
  }
  return { ca: path('ca.crt'), cert: path('server.crt'), key: path('server.key') };
}

describe('bad input to the queue', () => {
  let server: RedisServer;
  let address: QueueAddress;

  beforeAll(async () => {
    server = await startRedisServer({ user: queueUser });
    address = parseQueueAddress(server.url, {
      LAB_REDIS_USERNAME: queueUser.name,
      LAB_REDIS_PASSWORD: queueUser.password,
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('stops before it creates anything when the queue is unreachable or refuses the login', async () => {
    const directory = tempDirectory();
    const definition = join(directory, 'quick.yaml');
    writeFileSync(definition, shortRuns);
    const closedPort = await freeLoopbackPort();
    const db = (name: string) => join(directory, `${name}.db`);
    const env = queueEnvironment();
    const trainers = ['--trainers', testTrainerModule];
    const [unreachable, wrongPassword, noPassword, inUrl, noQueue] = await Promise.all([
      startLab(
        ['run', definition, '--db', db('a'), ...trainers, '--queue', `redis://127.0.0.1:${closedPort}`],
        env,
      ).exit,
      startLab(['run', definition, '--db', db('b'), ...trainers, '--queue', server.url], {
        LAB_REDIS_USERNAME: queueUser.name,
        LAB_REDIS_PASSWORD: 'not the password',
      }).exit,
      startLab(['worker', '--queue', server.url]).exit,
      startLab([
        'run',
        definition,
        '--db',
        db('c'),
        ...trainers,
        '--queue',
        `redis://lab:hunter2@127.0.0.1:${server.port}`,
      ]).exit,
      startLab(['worker']).exit,
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.output).toContain(
      `lab: cannot reach Redis at redis://lab@127.0.0.1:${closedPort}: connection refused. Is redis-server running there`,
    );
    expect(query<{ n: number }>(db('a'), 'SELECT COUNT(*) AS n FROM experiments')[0].n).toBe(0);
    expect(wrongPassword.code).toBe(1);
    expect(wrongPassword.output).toMatch(
      /refused the login: wrong user name or password \(the password comes from/,
    );
    expect(wrongPassword.output).not.toContain('not the password');
    expect(query<{ n: number }>(db('b'), 'SELECT COUNT(*) AS n FROM experiments')[0].n).toBe(0);
    expect(noPassword.code).toBe(1);
    expect(noPassword.output).toMatch(/needs a password and none was given/);
    expect(inUrl.code).toBe(1);
    expect(inUrl.output).toMatch(/the URL contains a password/);
    expect(noQueue.code).toBe(2);
    expect(noQueue.output).toMatch(/worker needs the queue to take runs from: --queue redis:\/\/HOST:PORT/);
  });

  it('leaves runs queued while only workers of another engine version are connected, saying why on both sides', async () => {
    const lab = await openTestLab();
    const coordinatorLog: string[] = [];
    const oldLog: string[] = [];
    const executor = await QueueExecutor.connect({
      address,
      pollMs: 200,
      waitingNoticeMs: 500,
      log: (line) => coordinatorLog.push(line),
    });
    const old = await QueueWorker.start({
      address,
      name: 'old',
      engineVersion: '0.0.1-old',
      concurrency: 2,
      log: (line) => oldLog.push(line),
    });
    let compatible: QueueWorker | undefined;
    try {
      expect(oldLog.join('\n')).toMatch(
        new RegExp(
          `queues runs for engine ${executor.engineVersion.replace(/\./g, '\\.')}; this worker has engine 0\\.0\\.1-old`,
        ),
      );
      const experiment = createExperimentFromDefinition(
        lab,
        await parseDefinition(shortRuns, 'mismatch.yaml'),
      );
      const done = runExperiment(experiment.id, { lab, executor, cancelPollMs: 50 });
      await until(
        () => coordinatorLog.some((l) => l.includes('for a worker with engine')),
        'the waiting notice',
      );
      expect(coordinatorLog.join('\n')).toMatch(
        /2 run\(s\) wait at redis:\/\/lab@127\.0\.0\.1:\d+ for a worker with engine .*\(old: engine 0\.0\.1-old\).*stay queued until a compatible worker comes/s,
      );
      expect(listRuns(lab.db, experiment.id).map((r) => r.status)).toEqual(['queued', 'queued']);

      compatible = await QueueWorker.start({ address, name: 'new', concurrency: 2, log: () => undefined });
      const finished = await done;
      expect(finished.status, finished.reason ?? '').toBe('completed');
      expect(listRuns(lab.db, experiment.id).map((r) => r.environment?.host)).toEqual(['new', 'new']);
    } finally {
      await compatible?.stop();
      await old.stop();
      await executor.close();
      lab.close();
    }
  });

  it("leaves a run queued while the connected workers lack its experiment's backend, saying why on both sides", async () => {
    const lab = await openTestLab();
    const coordinatorLog: string[] = [];
    const cpuOnlyLog: string[] = [];
    const executor = await QueueExecutor.connect({
      address,
      pollMs: 200,
      waitingNoticeMs: 500,
      log: (line) => coordinatorLog.push(line),
    });
    // A worker that offers only cpu, as a machine without the experiment's backend would.
    const cpuOnly = await QueueWorker.start({
      address,
      name: 'cpu-box',
      backends: ['cpu'],
      log: (line) => cpuOnlyLog.push(line),
    });
    let stopped = false;
    let capable: QueueWorker | undefined;
    try {
      const definition = await parseDefinition(shortRuns, 'backend.yaml');
      const experiment = createExperimentFromDefinition(lab, definition, 'js');
      const done = runExperiment(experiment.id, { lab, executor, cancelPollMs: 50 });
      await until(() => cpuOnlyLog.some((l) => l.includes('Left on the queue')), 'the hand-back');
      expect(cpuOnlyLog.join('\n')).toMatch(
        /computes on js \(its experiment's choice\); this worker has cpu\. Left on the queue for a worker that has js/,
      );
      await until(
        () => coordinatorLog.some((l) => l.includes('for a worker with the js backend')),
        'the waiting notice',
      );
      expect(coordinatorLog.join('\n')).toMatch(
        /\d run\(s\) wait at redis:\/\/lab@127\.0\.0\.1:\d+ for a worker with the js backend .*cpu-box: cpu.*where js loads/s,
      );
      expect(listRuns(lab.db, experiment.id).map((r) => r.status)).toEqual(['queued', 'queued']);

      await cpuOnly.stop();
      stopped = true;
      capable = await QueueWorker.start({ address, name: 'js-box', concurrency: 2, log: () => undefined });
      const finished = await done;
      expect(finished.status, finished.reason ?? '').toBe('completed');
      const runs = listRuns(lab.db, experiment.id);
      expect(runs.map((r) => r.environment?.host)).toEqual(['js-box', 'js-box']);
      expect(runs.map((r) => r.environment?.backend)).toEqual(['js', 'js']);
    } finally {
      await capable?.stop();
      if (!stopped) await cpuOnly.stop();
      await executor.close();
      lab.close();
    }
  }, 60_000);

  it('hands back a job of another engine version that shares its queue name, and cancels it while it waits', async () => {
    const lab = await openTestLab();
    const workerLog: string[] = [];
    // '0.1.0+x' and '0.1.0_x' make the same queue name: the worker checks the job's own version.
    const executor = await QueueExecutor.connect({
      address,
      engineVersion: '0.1.0+x',
      log: () => undefined,
      pollMs: 200,
    });
    const worker = await QueueWorker.start({
      address,
      name: 'lookalike',
      engineVersion: '0.1.0_x',
      log: (line) => workerLog.push(line),
    });
    try {
      const experiment = createExperimentFromDefinition(
        lab,
        await parseDefinition(shortRuns, 'lookalike.yaml'),
      );
      const done = runExperiment(experiment.id, { lab, executor, cancelPollMs: 50 });
      await until(
        () => workerLog.filter((l) => l.includes('Left on the queue')).length >= 2,
        'the hand-back',
      );
      expect(workerLog.join('\n')).toMatch(
        /needs engine 0\.1\.0\+x; this worker has engine 0\.1\.0_x\. Left on the queue/,
      );
      requestExperimentCancel(lab.db, experiment.id);
      const cancelled = await done;
      expect(cancelled.status).toBe('cancelled');
      for (const run of listRuns(lab.db, experiment.id)) {
        expect(run.status).toBe('cancelled');
        expect(run.reason).toBe('cancelled before it started');
      }
    } finally {
      await worker.stop();
      await executor.close();
      lab.close();
    }
  });

  it('connects over TLS with the server CA, warns about a Redis without a password, and explains an untrusted certificate', async () => {
    const certificates = makeCertificates();
    const tls = await startRedisServer({ user: queueUser, tls: certificates });
    const plain = await startRedisServer();
    try {
      const credentials = { LAB_REDIS_USERNAME: queueUser.name, LAB_REDIS_PASSWORD: queueUser.password };
      const trusted = parseQueueAddress(tls.url, { ...credentials, LAB_REDIS_TLS_CA_FILE: certificates.ca });
      expect(trusted.display).toBe(`rediss://lab@127.0.0.1:${tls.port}`);
      expect((await checkRedis(trusted)).warnings).toEqual([]);
      await expect(checkRedis(parseQueueAddress(tls.url, credentials))).rejects.toThrow(
        /TLS with Redis at rediss:\/\/lab@127\.0\.0\.1:\d+ failed: the server's certificate is not trusted .*LAB_REDIS_TLS_CA_FILE/,
      );
      await expect(
        checkRedis(parseQueueAddress(`redis://127.0.0.1:${tls.port}`, credentials), 1000),
      ).rejects.toThrow(/cannot (reach|use) Redis at redis:\/\/lab@127\.0\.0\.1:\d+/);

      // A run over TLS, end to end.
      const lab = await openTestLab();
      const executor = await QueueExecutor.connect({ address: trusted, log: () => undefined });
      const worker = await QueueWorker.start({
        address: trusted,
        name: 'tls',
        concurrency: 2,
        log: () => undefined,
      });
      try {
        const experiment = createExperimentFromDefinition(lab, await parseDefinition(shortRuns, 'tls.yaml'));
        const finished = await runExperiment(experiment.id, { lab, executor });
        expect(finished.status, finished.reason ?? '').toBe('completed');
      } finally {
        await worker.stop();
        await executor.close();
        lab.close();
      }

      expect((await checkRedis(parseQueueAddress(plain.url, {}))).warnings).toEqual([
        expect.stringMatching(
          /accepts this lab without a password.*never expose an unauthenticated Redis beyond loopback/,
        ),
      ]);
    } finally {
      await tls.stop();
      await plain.stop();
    }
  });
});
