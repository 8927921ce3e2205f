// The app's coordinators on the queue: LabService (what the desktop app and `lab serve` run) with
// a queue URL puts an experiment started through LabApi on the queue, `lab worker` processes
// execute it, and the runs equal those of a LabService on the local pool; a queue it cannot log
// in to fails the runs with the reason. `lab serve --queue` says where experiments run, and stops
// before serving anything when the queue refuses it.
import { labBackend } from '../../../main/lab/trainers/engineTrainer.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLabService, type LabService } from '../../../main/api/labService.ts';
import { registerTrainerModule } from '../../../main/lab/trainers/registry.ts';
import { definitionYaml, testTrainerModule } from '../lab/labHarness.ts';
import { standInRendererBuild } from '../server/serverHarness.ts';
import {
  metricPoints,
  query,
  queueEnvironment,
  queueUser,
  startLab,
  startWorkers,
  tempDirectory,
  type LabProcess,
} from './queueHarness.ts';
import { startRedisServer, type RedisServer } from './redisServer.ts';

const runs = definitionYaml({
  training: '{ steps: 200, evalEvery: 50, checkpointEvery: 100 }',
  optimizer: '{ name: momentum, lr: 0.05 }',
  reportSeeds: 3,
});

/** LabService reads the credentials from this process's environment, as the app does. */
function withEnvironment(env: NodeJS.ProcessEnv): () => void {
  const before = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  return () => {
    for (const [key, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

async function runThrough(
  service: LabService,
): Promise<{ runsOn: string; status: string; reason: string | null }> {
  try {
    const { runsOn } = await service.info();
    const created = await service.createExperiment(runs, 'queued.yaml');
    if (!created.ok) throw new Error(JSON.stringify(created.problems));
    await service.whenIdle();
    const detail = await service.getExperiment(created.experimentId);
    return { runsOn, status: detail!.experiment.status, reason: detail!.experiment.reason };
  } finally {
    await service.close();
  }
}

describe('the app and lab serve as coordinators on the queue', () => {
  let server: RedisServer;
  let workers: LabProcess[] = [];
  let restoreEnvironment = () => undefined as void;

  beforeAll(async () => {
    await registerTrainerModule(testTrainerModule);
    server = await startRedisServer({ user: queueUser });
  });
  afterEach(() => restoreEnvironment());
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await server?.stop();
  });

  it('runs an experiment started through LabApi on lab workers, equal to the local pool', async () => {
    const env = queueEnvironment();
    workers = await startWorkers(2, server.url, env);
    const directory = tempDirectory();
    const localDb = join(directory, 'local.db');
    const queuedDb = join(directory, 'queued.db');
    const local = await runThrough(createLabService({ dbPath: localDb, poolSize: 2 }));
    expect(local).toEqual({ runsOn: `this machine (${labBackend()})`, status: 'completed', reason: null });

    restoreEnvironment = withEnvironment(env);
    const queued = await runThrough(createLabService({ dbPath: queuedDb, queue: server.url }));
    // The app's status line says where runs go.
    expect(queued).toEqual({ ...local, runsOn: `queue redis://lab@127.0.0.1:${server.port}` });

    const points = metricPoints(queuedDb);
    expect(points.length).toBeGreaterThan(3 * 200);
    expect(points).toEqual(metricPoints(localDb));
    const hosts = query<{ host: string }>(queuedDb, 'SELECT host FROM runs').map((r) => r.host);
    expect(hosts).toHaveLength(3);
    for (const host of hosts) expect(['w1', 'w2']).toContain(host);
    // The password reached Redis from the environment and went nowhere near the database.
    for (const file of [queuedDb, `${queuedDb}-wal`].filter((f) => existsSync(f))) {
      expect(readFileSync(file).includes(queueUser.password)).toBe(false);
    }
  });

  it('fails the runs with the reason when the queue refuses the login', async () => {
    restoreEnvironment = withEnvironment({
      LAB_REDIS_USERNAME: queueUser.name,
      LAB_REDIS_PASSWORD: 'not the password',
      LAB_REDIS_PASSWORD_FILE: '',
    });
    const dbPath = join(tempDirectory(), 'refused.db');
    const result = await runThrough(createLabService({ dbPath, queue: server.url }));
    expect(result.status).toBe('failed');
    const reasons = query<{ status: string; reason: string }>(dbPath, 'SELECT status, reason FROM runs');
    expect(reasons.length).toBeGreaterThan(0);
    for (const run of reasons) {
      expect(run.status).toBe('failed');
      expect(run.reason).toMatch(
        /could not queue run \d+ at redis:\/\/lab@127\.0\.0\.1:\d+: .*refused the login: wrong user name or password/,
      );
      expect(run.reason).not.toContain('not the password');
    }
  });

  it('lab serve --queue says where experiments run, and refuses to start on a queue that refuses it', async () => {
    const rendererEnv = { LAB_RENDERER_DIR: standInRendererBuild() };
    const db = () => join(tempDirectory(), 'lab.db');
    const serve = startLab(['serve', '--port', '0', '--db', db(), '--queue', server.url], {
      ...queueEnvironment(),
      ...rendererEnv,
    });
    await serve.waitFor(/Open http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(serve.output()).toContain(
      `Experiments run on the queue: runs queued at redis://lab@127.0.0.1:${server.port} (runs-engine-`,
    );
    await serve.stop('SIGINT');
    expect((await serve.exit).code).toBe(0);

    const refused = await startLab(['serve', '--port', '0', '--db', db(), '--queue', server.url], {
      LAB_REDIS_USERNAME: queueUser.name,
      LAB_REDIS_PASSWORD: 'not the password',
      ...rendererEnv,
    }).exit;
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/refused the login: wrong user name or password/);
    expect(refused.output).not.toMatch(/Open http/);
  });
});
