// Files cross machines through the queue: a teacher run's model comes back as bytes and is
// written and recorded under the coordinator's own directories (exactly where the local pool puts
// it), and the students that read it get it as a blob in their worker's scratch space — which is
// gone once they are done. Same report, same files as on the local pool.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../../main/lab/experimentRunner.ts';
import { labKind } from '../../../main/lab/kinds/experimentKind.ts';
import type { RunExecutor } from '../../../main/lab/runExecutor.ts';
import { registerTrainerModule } from '../../../main/lab/trainers/registry.ts';
import { parseQueueAddress } from '../../../main/queue/queueAddress.ts';
import { QueueExecutor } from '../../../main/queue/queueExecutor.ts';
import { QueueWorker } from '../../../main/queue/queueWorker.ts';
import { runModels } from '../../../main/store/artifactStore.ts';
import { createExperiment, saveDefinition } from '../../../main/store/experimentStore.ts';
import { openLabDatabase, type LabDatabase } from '../../../main/store/labDatabase.ts';
import { listRuns } from '../../../main/store/runStore.ts';
import { WorkerPool } from '../../../main/workers/workerPool.ts';
import { stagedKind, stagedKindName, type StagedConfig } from '../../fixtures/lab/stagedKind.ts';
import { queueUser } from './queueHarness.ts';
import { startRedisServer, type RedisServer } from './redisServer.ts';

const kinds = new Map([[stagedKindName, labKind(stagedKind)]]);

async function openLab(): Promise<LabDatabase> {
  await registerTrainerModule(new URL('../../fixtures/lab/stagedKind.ts', import.meta.url).pathname);
  return openLabDatabase(join(mkdtempSync(join(tmpdir(), 'lab-queue-stages-')), 'lab.db'));
}

function run(lab: LabDatabase, executor: RunExecutor, config: StagedConfig) {
  const definition = saveDefinition(lab.db, 'stages.yaml', stagedKindName, JSON.stringify(config));
  const experiment = createExperiment(lab.db, definition, stagedKindName, config.name, config);
  return runExperiment(experiment.id, { lab, executor, kinds });
}

describe('artifacts through the queue', () => {
  let server: RedisServer;
  let executor: QueueExecutor;
  let worker: QueueWorker;
  const scratch = mkdtempSync(join(tmpdir(), 'lab-queue-scratch-'));

  beforeAll(async () => {
    server = await startRedisServer({ user: queueUser });
    const address = parseQueueAddress(server.url, {
      LAB_REDIS_USERNAME: queueUser.name,
      LAB_REDIS_PASSWORD: queueUser.password,
    });
    executor = await QueueExecutor.connect({ address, log: () => undefined });
    worker = await QueueWorker.start({
      address,
      name: 'remote',
      concurrency: 2,
      scratchDirectory: scratch,
      log: () => undefined,
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await executor?.close();
    await server?.stop();
  });

  it("returns a teacher's model to the coordinator and hands it to the students that read it", async () => {
    const config: StagedConfig = { name: 'stages', teacherValue: 7, students: 2 };
    const local = await openLab();
    const queued = await openLab();
    const [expected, experiment] = await Promise.all([
      run(local, new WorkerPool({ size: 2 }), config),
      run(queued, executor, config),
    ]);
    expect(experiment.status, experiment.reason ?? '').toBe('completed');
    expect(experiment.report).toEqual(expected.report);

    const runs = Object.fromEntries(listRuns(queued.db, experiment.id).map((r) => [r.planKey, r]));
    const localRuns = Object.fromEntries(listRuns(local.db, expected.id).map((r) => [r.planKey, r]));
    const [model] = runModels(queued.db, runs.teacher.id);
    const [localModel] = runModels(local.db, localRuns.teacher.id);
    // Where the local pool would have put it, relative to the database, with the same bytes and metadata.
    expect(relative(dirname(queued.path), model.path)).toBe(relative(dirname(local.path), localModel.path));
    expect(existsSync(model.path)).toBe(true);
    expect(readFileSync(model.path)).toEqual(readFileSync(localModel.path));
    expect(model).toMatchObject({
      name: 'model',
      format: 'safetensors',
      bytes: localModel.bytes,
      meta: localModel.meta,
    });
    expect(runs['student/0'].inputs).toEqual({ teacher: model.id });
    expect(runs['student/1'].result?.final_val_loss).toBe(8);
    for (const r of Object.values(runs)) expect(r.environment?.host).toBe('remote');

    // Another experiment reads it by artifact id; the worker's scratch space is empty afterwards.
    const reuse = await run(queued, executor, {
      name: 'reuse',
      teacherValue: 0,
      students: 1,
      artifactId: model.id,
    });
    expect(reuse.status, reuse.reason ?? '').toBe('completed');
    expect(listRuns(queued.db, reuse.id).find((r) => r.planKey === 'student/0')?.result?.final_val_loss).toBe(
      7,
    );
    expect(readdirSync(scratch)).toEqual([]);
    local.close();
    queued.close();
  });
});
