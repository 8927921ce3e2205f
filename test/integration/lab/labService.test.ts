import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../../main/api/labApi.ts';
import { createLabService } from '../../../main/api/labService.ts';
import { registerTrainerModule } from '../../../main/lab/trainers/registry.ts';
import { definitionYaml, testTrainerModule } from './labHarness.ts';

describe('LabApi served from the main process (no Electron)', () => {
  it('validates, creates, streams progress, and serves downsampled series', async () => {
    await registerTrainerModule(testTrainerModule);
    const api = createLabService({
      dbPath: join(mkdtempSync(join(tmpdir(), 'lab-api-')), 'lab.db'),
      poolSize: 2,
    });
    expect((await api.info()).nodeVersion).toBe(process.versions.node);

    const bad = definitionYaml({ training: '{ steps: 0 }', optimizer: '{ name: sgd }' });
    const problems = await api.validateDefinition(bad, 'bad.yaml');
    expect(problems).toEqual([
      expect.objectContaining({ file: 'bad.yaml', line: 7, keyPath: 'experiment.training.steps' }),
    ]);
    expect(await api.createExperiment(bad, 'bad.yaml')).toEqual({ ok: false, problems });

    const events: ProgressEvent[] = [];
    const unsubscribe = api.onProgress((event) => events.push(event));
    const yaml = definitionYaml({
      training: '{ steps: 3000, evalEvery: 100, checkpointEvery: 1000 }',
      optimizer: '{ name: adam, lr: 0.01 }',
    });
    const created = await api.createExperiment(yaml, 'good.yaml');
    expect(created.ok).toBe(true);
    await api.whenIdle();
    unsubscribe();

    const id = created.ok ? created.experimentId : -1;
    expect(events.at(-1)).toMatchObject({
      type: 'experiment',
      experimentId: id,
      status: 'completed',
      runsFinished: 2,
    });
    const runEvents = events.filter((e) => e.type === 'run');
    expect(runEvents.filter((e) => e.status === 'completed')).toHaveLength(2);
    // Throttled: far fewer events than the 2 × 3000 steps trained.
    expect(runEvents.length).toBeLessThan(200);

    const [experiment] = await api.listExperiments();
    expect(experiment).toMatchObject({ id, status: 'completed', name: 'integration' });
    const detail = await api.getExperiment(id);
    expect(detail?.runs).toHaveLength(2);
    const runId = detail!.runs[0].id;
    expect(await api.metricNames(runId)).toEqual(['loss', 'val_loss', 'x']);
    const series = await api.metricSeries(runId, 'loss', { maxPoints: 100 });
    expect(series).toMatchObject({ totalPoints: 3000, downsampled: true });
    expect(series.steps.length).toBeLessThanOrEqual(200);
    expect(await api.getExperiment(9999)).toBeNull();
    await expect(api.resumeExperiment(9999)).rejects.toThrow(/no experiment 9999/);

    const curricula = await api.listCurricula();
    expect(curricula.map((c) => [c.name, c.title, c.problems])).toEqual(
      expect.arrayContaining([
        ['optimizers-quick.yaml', 'optimizers-quick', []],
        ['optimizers-mnist.yaml', 'optimizers-mnist', []],
      ]),
    );
    expect(await api.readCurriculum('optimizers-quick.yaml')).toContain('kind: optimizer-comparison');
    await expect(api.readCurriculum('../package.json')).rejects.toThrow(/no curriculum/);
    await api.close();
  });

  it('cancels what it is running when closed, leaving the experiment resumable', async () => {
    await registerTrainerModule(testTrainerModule);
    const dbPath = join(mkdtempSync(join(tmpdir(), 'lab-api-')), 'lab.db');
    const api = createLabService({ dbPath, poolSize: 2 });
    const yaml = definitionYaml({
      problem: 'stepDelayMs: 20',
      training: '{ steps: 1000, evalEvery: 10, checkpointEvery: 20 }',
      optimizer: '{ name: sgd, lr: 0.1 }',
    });
    const running = new Promise<void>((resolve) =>
      api.onProgress((event) => event.type === 'run' && event.status === 'running' && resolve()),
    );
    const created = await api.createExperiment(yaml, 'slow.yaml');
    await running;
    await api.close();
    const reopened = createLabService({ dbPath });
    const detail = await reopened.getExperiment(created.ok ? created.experimentId : -1);
    expect(detail?.experiment.status).toBe('cancelled');
    expect(detail?.runs.every((r) => r.status === 'cancelled' && r.step < 1000)).toBe(true);
    await reopened.close();
  });
});
