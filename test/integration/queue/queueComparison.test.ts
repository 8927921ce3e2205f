// The quick optimizer comparison (on the graph engine's quadratics) through the queue — `lab run
// --queue` as coordinator, three `lab worker` processes, Redis with an ACL user whose password
// comes from a file — against the same definition on the local worker pool: the same report and
// every metric point the same to the bit, and `lab list` shows where the runs ran.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { projectRoot } from '../../../native/paths.ts';
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

/**
 * curricula/optimizers-quick.yaml with three of its seven optimizers, a shorter loop and fewer
 * seeds: the same pipeline (tuning grid, selection on validation loss, report on fresh seeds) in
 * 21 runs instead of 119, so that running it twice fits the queue tests' time budget.
 */
function quickDefinition(): string {
  const document = parseDocument(
    readFileSync(join(projectRoot, 'curricula', 'optimizers-quick.yaml'), 'utf8'),
  );
  const optimizers = document.getIn(['experiment', 'optimizers']) as {
    items: { toJSON(): { name: string } }[];
  };
  optimizers.items = optimizers.items.filter((item) =>
    ['sgd', 'momentum', 'adam'].includes(item.toJSON().name),
  );
  document.setIn(['experiment', 'training', 'steps'], 40);
  document.setIn(['experiment', 'training', 'checkpointEvery'], 20);
  document.setIn(['experiment', 'learningRates', 'min'], 1e-2);
  document.setIn(['experiment', 'tuning', 'seeds'], 1);
  document.setIn(['experiment', 'report', 'seeds'], 2);
  return document.toString();
}

describe('an experiment through the queue', () => {
  let server: RedisServer;
  let workers: LabProcess[] = [];

  beforeAll(async () => {
    server = await startRedisServer({ user: queueUser });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await server?.stop();
  });

  it('gives the quick optimizer comparison the same report and metrics as a local run, over 3 workers', async () => {
    const env = queueEnvironment();
    const directory = tempDirectory();
    const definition = join(directory, 'optimizers-quick.yaml');
    writeFileSync(definition, quickDefinition());
    const localDb = join(directory, 'local.db');
    const queuedDb = join(directory, 'queued.db');

    const [local, started] = await Promise.all([
      startLab(['run', definition, '--db', localDb, '--jobs', '2']).exit,
      startWorkers(3, server.url, env),
    ]);
    workers = started;
    expect(local.code, local.output).toBe(0);

    const queued = await startLab(['run', definition, '--db', queuedDb, '--queue', server.url], env).exit;
    expect(queued.code, queued.output).toBe(0);
    expect(queued.output).toContain(`runs queued at redis://lab@127.0.0.1:${server.port} (runs-engine-`);
    // Logged in as the ACL user from the password file: no warning about an open Redis.
    expect(queued.output).not.toContain('without a password');

    const report = (db: string) =>
      query<{ report_json: string }>(db, 'SELECT report_json FROM experiments')[0];
    expect(report(queuedDb).report_json).toBe(report(localDb).report_json);
    const points = metricPoints(queuedDb);
    expect(points.length).toBeGreaterThan(600);
    expect(points).toEqual(metricPoints(localDb));

    // Each run records the worker that executed it, with its device and engine version.
    const runs = query<{ host: string; device: string; engine_version: string }>(
      queuedDb,
      'SELECT host, device, engine_version FROM runs',
    );
    expect(runs).toHaveLength(21);
    for (const run of runs) {
      expect(['w1', 'w2', 'w3']).toContain(run.host);
      expect(run.device).toBe('cpu');
      expect(run.engine_version).toMatch(/^\d+\.\d+\.\d+/);
    }
    expect(new Set(runs.map((r) => r.host)).size).toBeGreaterThanOrEqual(2);
    const list = await startLab(['list', '--db', queuedDb]).exit;
    expect(list.output).toMatch(/│ ran on +│/);
    expect(list.output).toMatch(/│ (w\d ×\d+(, )?)+ +│/);

    // Ctrl-C stops a worker cleanly.
    await workers[2].stop('SIGINT');
    expect((await workers[2].exit).code).toBe(0);
  });
});
