import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../../main/api/labApi.ts';
import { cudaBackendAvailable } from '../../../engine/backends/cuda.ts';
import { createLabService } from '../../../main/api/labService.ts';
import { labBackend } from '../../../main/lab/trainers/engineTrainer.ts';
import { registerTrainerModule } from '../../../main/lab/trainers/registry.ts';
import { definitionYaml, testTrainerModule } from './labHarness.ts';

describe('LabApi served from the main process (no Electron)', () => {
  it('validates, creates, streams progress, and serves downsampled series', async () => {
    await registerTrainerModule(testTrainerModule);
    const directory = mkdtempSync(join(tmpdir(), 'lab-api-'));
    const api = createLabService({
      dbPath: join(directory, 'lab.db'),
      poolSize: 2,
      curricula: { user: join(directory, 'my-curricula') },
    });
    expect(await api.info()).toMatchObject({
      nodeVersion: process.versions.node,
      databasePath: join(directory, 'lab.db'),
    });

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
    expect(experiment).toMatchObject({
      id,
      status: 'completed',
      name: 'integration',
      runsByStatus: { completed: 2 },
      runsFinished: 2,
      runsPlanned: 2,
      planComplete: true,
      stepsDone: 6000,
      stepsTotal: 6000,
    });
    const detail = await api.getExperiment(id);
    expect(detail?.runs).toHaveLength(2);
    // The kind's report, presented: the ranking table and the curves.
    expect(detail?.report?.tables[0].id).toBe('ranking');
    expect(detail?.report?.tables[0].rows[0][0]).toEqual({ type: 'text', text: 'adam' });
    expect(detail?.report?.charts[0].series[0].x.at(-1)).toBe(3000);
    const runId = detail!.runs[0].id;
    expect(detail!.runs[0]).toMatchObject({
      experimentName: 'integration',
      kind: 'optimizer-comparison',
      params: { 'optimizer.name': 'adam', 'optimizer.lr': 0.01, 'problem.name': 'test-quadratic-1d' },
      selection: { name: 'val_loss', goal: 'min' },
      status: 'completed',
    });
    const run = await api.getRun(runId);
    expect(run?.summary.best).toBe(
      Math.min(...(await api.metricSeries(runId, 'val_loss')).values.filter((v): v is number => v !== null)),
    );
    expect(run?.metricNames).toEqual(['loss', 'val_loss', 'x']);
    // Optimizer comparisons have no view of one run beyond the page's own (ExperimentKind.presentRun).
    expect(run?.report).toBeNull();
    expect(run?.events.map((e) => e.message)).toContain('run adam lr=0.01 (report) completed');
    expect(await api.listRuns()).toHaveLength(2);
    expect(await api.getRun(9999)).toBeNull();

    // Both runs share a config but their seeds: one group, its band the 95 % interval of the mean.
    const compared = await api.compareRuns({
      runIds: detail!.runs.map((r) => r.id),
      metric: 'val_loss',
      groupBy: 'config',
      band: 'ci95',
    });
    expect(compared.groups).toHaveLength(1);
    const [group] = compared.groups;
    const curves = await Promise.all(detail!.runs.map((r) => api.metricSeries(r.id, 'val_loss')));
    expect(group.steps).toEqual(curves[0].steps);
    expect(group.mean[5]).toBeCloseTo((curves[0].values[5]! + curves[1].values[5]!) / 2, 12);
    expect(group.final).toMatchObject({ type: 'interval', n: 2 });
    const byRun = await api.compareRuns({ runIds: [runId], metric: 'val_loss', groupBy: 'run', band: 'std' });
    expect(byRun.groups[0].lower.every((v) => v === null)).toBe(true);

    // Raw points as CSV: every stored point of the asked metric, none downsampled.
    const csv = (await api.exportMetricsCsv([runId], ['loss'])).trim().split('\n');
    expect(csv[0]).toBe('experiment_id,run_id,phase,label,seed,status,metric,step,wall_time_ms,value');
    expect(csv).toHaveLength(3001);
    expect(JSON.parse(await api.exportExperiment(id, 'json')).runs).toHaveLength(2);

    // View state survives a new service on the same database.
    await api.saveViewState('compare.smoothing', { value: 0.6 });
    expect(await api.loadViewState('compare.smoothing')).toEqual({ value: 0.6 });
    expect(await api.loadViewState('never.saved')).toBeNull();
    expect(await api.metricNames(runId)).toEqual(['loss', 'val_loss', 'x']);
    const series = await api.metricSeries(runId, 'loss', { maxPoints: 100 });
    expect(series).toMatchObject({ totalPoints: 3000, downsampled: true });
    expect(series.steps.length).toBeLessThanOrEqual(200);
    expect(await api.getExperiment(9999)).toBeNull();
    await expect(api.resumeExperiment(9999)).rejects.toThrow(/no experiment 9999/);

    const curricula = await api.listCurricula();
    expect(curricula.map((c) => [c.name, c.source, c.title, c.kind, c.problems])).toEqual(
      expect.arrayContaining([
        ['optimizers-quick.yaml', 'builtin', 'optimizers-quick', 'optimizer-comparison', []],
        ['optimizers-mnist.yaml', 'builtin', 'optimizers-mnist', 'optimizer-comparison', []],
      ]),
    );
    expect(await api.readCurriculum('optimizers-quick.yaml')).toContain('kind: optimizer-comparison');
    await expect(api.readCurriculum('../package.json')).rejects.toThrow(/not a curriculum file name/);
    await expect(api.readCurriculum('missing.yaml')).rejects.toThrow(
      /no curriculum "missing.yaml"; there are: /,
    );
    // A draft is saved even with problems (nothing typed is lost); a built-in file stays as shipped.
    expect(await api.saveCurriculum('draft.yaml', 'version: 1\nkind: nope\n')).toEqual(
      expect.arrayContaining([expect.objectContaining({ file: 'draft.yaml', line: 2, keyPath: 'kind' })]),
    );
    expect(await api.readCurriculum('draft.yaml')).toBe('version: 1\nkind: nope\n');
    expect((await api.listCurricula()).find((c) => c.name === 'draft.yaml')).toMatchObject({
      source: 'user',
      title: null,
    });
    await expect(api.saveCurriculum('optimizers-quick.yaml', 'x')).rejects.toThrow(
      /built-in curriculum and stays as shipped/,
    );
    await api.close();
  });

  it('starts an experiment on the backend the app chose, stored with it; refuses one that does not load here', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'lab-api-backend-'));
    const api = createLabService({ dbPath: join(directory, 'lab.db'), poolSize: 1 });
    expect((await api.info()).defaultBackend).toBe(labBackend());
    const yaml = [
      'version: 1',
      'kind: optimizer-comparison',
      'experiment:',
      '  name: on-js',
      '  problem: { name: quadratics, dims: 4 }',
      '  training: { steps: 10, evalEvery: 5, checkpointEvery: 10 }',
      '  optimizers: [{ name: sgd, lr: 0.1 }]',
      '  report: { seeds: 2 }',
    ].join('\n');
    const created = await api.createExperiment(yaml, 'on-js.yaml', 'js');
    expect(created.ok).toBe(true);
    await api.whenIdle();
    const id = created.ok ? created.experimentId : -1;
    const detail = await api.getExperiment(id);
    expect(detail?.experiment).toMatchObject({ status: 'completed', backend: 'js' });
    expect(new Set(detail?.runs.map((r) => r.environment?.backend))).toEqual(new Set(['js']));
    if (!cudaBackendAvailable()) {
      await expect(api.createExperiment(yaml, 'on-gpu.yaml', 'cuda')).rejects.toThrow(
        /asked to compute on cuda .* does not load on this machine/,
      );
      expect(await api.listExperiments()).toHaveLength(1);
    }
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

  it('describes a run’s compiled functions, built in a worker exactly as the run built them', async () => {
    const api = createLabService({
      dbPath: join(mkdtempSync(join(tmpdir(), 'lab-api-')), 'lab.db'),
      poolSize: 1,
    });
    const yaml = [
      'version: 1',
      'kind: optimizer-comparison',
      'experiment:',
      '  name: graph',
      '  problem: { name: quadratics, dims: 4 }',
      '  training: { steps: 5, evalEvery: 5 }',
      '  optimizers: [{ name: momentum, lr: 0.01 }]',
      '  report: { seeds: 2 }',
    ].join('\n');
    const created = await api.createExperiment(yaml, 'graph.yaml');
    await api.whenIdle();
    const [run] = (await api.getExperiment(created.ok ? created.experimentId : -1))!.runs;
    const functions = await api.describeGraph(run.id);
    expect(functions.map((f) => f.name)).toEqual(['train step', 'loss']);
    const [step] = functions;
    const applies = step.graph.nodes.filter((n) => n.kind === 'apply');
    // The momentum update is fused into elementwise composites; everything runs natively on cpu.
    expect(applies.some((n) => n.composite)).toBe(true);
    expect(applies.some((n) => n.js)).toBe(run.environment?.backend === 'js');
    expect(step.graph.outputs.length).toBeGreaterThan(1);
    expect(step.debugprint).toMatch(/^output 0:/);
    expect(step.debugprint).toContain('update theta:');
    await expect(api.describeGraph(9999)).rejects.toThrow(/no run 9999/);
    await api.close();
  });
});
