import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labApiMethods, type ProgressEvent } from '../../../main/api/labApi.ts';
import { createLabApiClient, labApiChannel } from '../../../main/api/labApiClient.ts';
import { labApiHandlers } from '../../../main/api/labApiTransport.ts';
import { createLabService } from '../../../main/api/labService.ts';
import { registerTrainerModule } from '../../../main/lab/trainers/registry.ts';
import { definitionYaml, testTrainerModule } from './labHarness.ts';

describe('LabApi over a message transport', () => {
  it('carries every call and progress through cloned messages, and refuses malformed arguments', async () => {
    await registerTrainerModule(testTrainerModule);
    const service = createLabService({
      dbPath: join(mkdtempSync(join(tmpdir(), 'lab-transport-')), 'lab.db'),
      poolSize: 2,
    });
    const handlers = labApiHandlers(service);
    // Messages are structured-cloned, as Electron IPC does: nothing shared between the sides.
    const client = createLabApiClient({
      invoke: async (method, args) => structuredClone(await handlers[method](structuredClone(args))),
      subscribe: (listener) => service.onProgress((event) => listener(structuredClone(event))),
    });
    expect(labApiMethods.map(labApiChannel)).toContain('lab:metricSeries');

    const events: ProgressEvent[] = [];
    const unsubscribe = client.onProgress((event) => events.push(event));
    const created = await client.createExperiment(
      definitionYaml({ training: '{ steps: 40, evalEvery: 10 }', optimizer: '{ name: sgd, lr: 0.1 }' }),
      'over-ipc.yaml',
      'js',
    );
    expect(created.ok).toBe(true);
    await service.whenIdle();
    unsubscribe();
    expect(events.at(-1)).toMatchObject({ type: 'experiment', status: 'completed' });
    const [experiment] = await client.listExperiments();
    const detail = await client.getExperiment(experiment.id);
    expect(detail?.experiment.backend).toBe('js');
    const series = await client.metricSeries(detail!.runs[0].id, 'loss', { maxPoints: 10 });
    expect(series.steps.length).toBeLessThanOrEqual(20);
    const problems = await client.validateDefinition('version: 2', 'x.yaml');
    expect(problems.map((p) => p.message)).toContain('expected 1, got 2');

    await expect(handlers.getExperiment(['1; DROP TABLE runs'])).rejects.toThrow(
      /LabApi.getExperiment: argument 1 must be a positive integer id, got "1; DROP TABLE runs"/,
    );
    await expect(handlers.metricSeries([1, 'loss', { maxPoints: 10, evil: 1 }])).rejects.toThrow(/not evil/);
    await expect(handlers.listExperiments([1])).rejects.toThrow(/takes 0 argument\(s\), got 1/);
    await expect(handlers.createExperiment(['version: 1', 'x.yaml', 'gpu'])).rejects.toThrow(/argument 3/);
    await service.close();
  });
});
