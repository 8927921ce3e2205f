import { existsSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkpointDirectoryFor, runExperiment } from '../../../main/lab/experimentRunner.ts';
import { latestCheckpoint } from '../../../main/store/artifactStore.ts';
import { listEvents, listRunEvents } from '../../../main/store/eventLog.ts';
import { requestExperimentCancel } from '../../../main/store/experimentStore.ts';
import { listRuns } from '../../../main/store/runStore.ts';
import { readCheckpointFile } from '../../../main/workers/checkpointFile.ts';
import { WorkerPool } from '../../../main/workers/workerPool.ts';
import { cpuDenormals } from '../../../engine/backends/cpu.ts';
import { definitionYaml, metricRows, openTestLab, runToEnd, startExperiment } from './labHarness.ts';

describe('run lifecycle in worker processes', () => {
  it('records what reproduces a run, and rerunning it gives the same numbers', async () => {
    const lab = await openTestLab();
    const yaml = definitionYaml({
      training: '{ steps: 30, evalEvery: 10, checkpointEvery: 10 }',
      optimizer: '{ name: sgd, lr: 0.1 }',
    });
    const first = await runToEnd(lab, yaml);
    const second = await runToEnd(lab, yaml);
    expect([first.status, second.status]).toEqual(['completed', 'completed']);
    const [runsA, runsB] = [listRuns(lab.db, first.id), listRuns(lab.db, second.id)];
    expect(runsA).toHaveLength(2);
    for (const run of runsA) {
      expect(run.status).toBe('completed');
      expect(run.environment).toEqual({
        engineVersion: 'test-fixture',
        backend: 'js',
        device: 'cpu',
        host: hostname(),
      });
      // The kind's run config, and beside it the lab's loop and the metric the kind selects on.
      expect(run.config).toEqual({
        optimizer: { name: 'sgd', lr: 0.1, weightDecay: 0 },
        problem: { name: 'test-quadratic-1d', curvature: 1, gradientNoise: 0.1, stepDelayMs: 0 },
      });
      expect(run.loop).toEqual({ steps: 30, evalEvery: 10, checkpointEvery: 10, divergenceFactor: 1000 });
      expect(run.selection).toEqual({ name: 'val_loss', goal: 'min' });
      expect(run.inputs).toEqual({});
      expect(metricRows(lab, run.id, 'loss').map((r) => r.step)).toEqual(
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      expect(metricRows(lab, run.id, 'val_loss').map((r) => r.step)).toEqual([0, 10, 20, 30]);
      expect(run.result?.final_val_loss).toBe(metricRows(lab, run.id, 'val_loss').at(-1)!.value);
      // Checkpoints were written (every 10 steps) and removed once the run completed.
      expect(existsSync(checkpointDirectoryFor(lab, run.id))).toBe(true);
      expect(readdirSync(checkpointDirectoryFor(lab, run.id))).toEqual([]);
      expect(latestCheckpoint(lab.db, run.id)).toBeUndefined();
    }
    expect(runsA[0].seed).not.toBe(runsA[1].seed);
    runsA.forEach((run, i) => {
      expect(runsB[i].seed).toBe(run.seed);
      expect(metricRows(lab, runsB[i].id, 'loss')).toEqual(metricRows(lab, run.id, 'loss'));
    });
    lab.close();
  });

  it('logs the warning a trainer gives about where it computes, once per run, as a warn event', async () => {
    const lab = await openTestLab();
    const yaml = definitionYaml({
      problem: `environmentWarning: 'computes on the js backend: the native addon did not load'`,
      training: '{ steps: 5, evalEvery: 5 }',
      optimizer: '{ name: sgd, lr: 0.1 }',
    });
    const warned: number[] = [];
    const experiment = await runToEnd(lab, yaml, (event) => {
      if (event.type === 'run' && event.warning) warned.push(event.runId);
    });
    expect(experiment.status).toBe('completed');
    // Sent to the CLI and the app once per run, as it starts.
    const byId = (a: number, b: number) => a - b;
    expect(warned.sort(byId)).toEqual(
      listRuns(lab.db, experiment.id)
        .map((r) => r.id)
        .sort(byId),
    );
    for (const run of listRuns(lab.db, experiment.id)) {
      const warnings = listRunEvents(lab.db, run.id).filter((e) => e.level === 'warn');
      expect(warnings.map((e) => e.message)).toEqual([
        `run ${run.label}: computes on the js backend: the native addon did not load`,
      ]);
      // Stored with the run as it was, not as a column of the environment.
      expect(run.environment).toEqual({
        engineVersion: 'test-fixture',
        backend: 'js',
        device: 'cpu',
        host: hostname(),
      });
    }
    lab.close();
  });

  it('runs every run with denormals flushed to zero on the cpu backend (applyLabComputeSettings in the worker)', async () => {
    const lab = await openTestLab();
    const yaml = definitionYaml({
      problem: 'reportDenormalMode: true',
      training: '{ steps: 3, evalEvery: 3 }',
      optimizer: '{ name: sgd, lr: 0.1 }',
    });
    const experiment = await runToEnd(lab, yaml);
    expect(experiment.status).toBe('completed');
    // This test process itself keeps IEEE denormals: the setting is the worker's.
    expect(cpuDenormals()).toBe('keep');
    for (const run of listRuns(lab.db, experiment.id)) {
      expect(metricRows(lab, run.id, 'denormals_flushed').map((r) => r.value)).toEqual([1, 1, 1]);
    }
    lab.close();
  });

  it('marks a run whose worker is killed mid-run failed, with the signal, and the experiment failed', async () => {
    const lab = await openTestLab();
    const yaml = definitionYaml({
      problem: 'crashAtStep: 15',
      training: '{ steps: 40, evalEvery: 5, checkpointEvery: 10 }',
      optimizer: '{ name: sgd, lr: 0.1 }',
      reportSeeds: 2,
    });
    const experiment = await runToEnd(lab, yaml);
    expect(experiment.status).toBe('failed');
    expect(experiment.reason).toMatch(/2 run\(s\) failed .*lab resume/s);
    for (const run of listRuns(lab.db, experiment.id)) {
      expect(run.status).toBe('failed');
      expect(run.reason).toMatch(/worker process was killed by SIGKILL/);
      expect(Math.max(...metricRows(lab, run.id, 'loss').map((r) => r.step))).toBeLessThan(15);
      expect(latestCheckpoint(lab.db, run.id)?.step).toBe(10);
    }
    lab.close();
  });

  it.each([
    [
      'exits with a non-zero code',
      'exitAtStep: 7',
      /worker process exited with code 3: last output:\n.*giving up on purpose/s,
    ],
    ['throws', 'throwAtStep: 7', /exited with code 1: Error: quadratic fixture: step 7 failed on purpose/],
  ])('marks a run whose trainer %s failed, with the reason', async (_what, problem, reason) => {
    const lab = await openTestLab();
    const yaml = definitionYaml({
      problem,
      training: '{ steps: 20, evalEvery: 5 }',
      optimizer: '{ name: sgd, lr: 0.1 }',
    });
    const experiment = await runToEnd(lab, yaml);
    expect(experiment.status).toBe('failed');
    for (const run of listRuns(lab.db, experiment.id)) {
      expect(run.status).toBe('failed');
      expect(run.reason).toMatch(reason);
    }
    lab.close();
  });

  it('ends a run whose loss overflows as diverged at that step, keeping the curve before it', async () => {
    const lab = await openTestLab();
    // Gradient descent with lr · curvature = 10 multiplies the error by −9 per step: a real blow-up.
    // Without a divergence factor only the overflow ends it.
    const yaml = definitionYaml({
      problem: 'curvature: 10, gradientNoise: 0',
      training: '{ steps: 1000, evalEvery: 50, checkpointEvery: 500, divergenceFactor: null }',
      optimizer: '{ name: sgd, lr: 1 }',
    });
    const experiment = await runToEnd(lab, yaml);
    expect(experiment.status).toBe('completed');
    for (const run of listRuns(lab.db, experiment.id)) {
      expect(run.status).toBe('diverged');
      const step = Number(/loss became Infinity at step (\d+)/.exec(run.reason ?? '')?.[1]);
      expect(step).toBeGreaterThan(100);
      expect(step).toBeLessThan(1000);
      const losses = metricRows(lab, run.id, 'loss');
      expect(losses.at(-1)!.step).toBe(step - 1);
      expect(losses.every((r) => Number.isFinite(r.value))).toBe(true);
      expect(run.result).toMatchObject({ diverged_step: step, final_val_loss: null });
    }
    const report = experiment.report as { optimizers: { diverged: number; finalValLoss: unknown }[] };
    expect(report.optimizers[0]).toMatchObject({ diverged: 2, finalValLoss: null });
    lab.close();
  });

  it('ends a run whose loss runs away but stays finite as diverged, with the runaway value on its curve', async () => {
    const lab = await openTestLab();
    // lr · curvature = 2.2 multiplies the error by −1.2 per step: finite for thousands of steps,
    // but far past the default 1000 × the first validation loss within a few dozen.
    const yaml = definitionYaml({
      problem: 'curvature: 10, gradientNoise: 0',
      training: '{ steps: 400, evalEvery: 10, checkpointEvery: 500 }',
      optimizer: '{ name: sgd, lr: 0.22 }',
    });
    const experiment = await runToEnd(lab, yaml);
    for (const run of listRuns(lab.db, experiment.id)) {
      expect(run.status).toBe('diverged');
      const match =
        /^loss (\S+) at step (\d+) is over 1000 × max\(1, first val_loss (\S+)\) \(training\.divergenceFactor\)$/.exec(
          run.reason ?? '',
        );
      expect(match, run.reason ?? '').not.toBeNull();
      const [value, step, first] = [Number(match![1]), Number(match![2]), Number(match![3])];
      expect(first).toBeCloseTo(metricRows(lab, run.id, 'val_loss')[0].value, 2);
      expect(value).toBeGreaterThan(1000 * Math.max(1, first));
      expect(Number.isFinite(value)).toBe(true);
      expect(step).toBeLessThan(400);
      const last = metricRows(lab, run.id, 'loss').at(-1)!;
      expect(last.step).toBe(step);
      expect(last.value).toBeCloseTo(value, -Math.floor(Math.log10(value)) + 2);
      expect(run.result).toMatchObject({ diverged_step: step, final_val_loss: null });
    }
    lab.close();
  });

  it('cancels running runs, and resume continues each from its checkpoint so the curve joins', async () => {
    const lab = await openTestLab();
    const yaml = definitionYaml({
      problem: 'stepDelayMs: 4',
      training: '{ steps: 300, evalEvery: 20, checkpointEvery: 25 }',
      optimizer: '{ name: momentum, lr: 0.05 }',
    });
    // Cancel once both runs are past their second checkpoint, so each has one to resume from.
    let cancelAsked = false;
    const steps = new Map<number, number>();
    const stepsInDatabase: number[] = [];
    const started = await startExperiment(lab, yaml, (event) => {
      if (event.type !== 'run') return;
      steps.set(event.runId, event.step);
      if (!cancelAsked && steps.size === 2 && [...steps.values()].every((step) => step >= 60)) {
        cancelAsked = true;
        // While they train, the runs' rows follow their progress (lists show it live).
        stepsInDatabase.push(...listRuns(lab.db, started.id).map((r) => r.step));
        requestExperimentCancel(lab.db, started.id);
      }
    });
    const cancelled = await started.done;
    expect(cancelled.status).toBe('cancelled');
    expect(stepsInDatabase).toHaveLength(2);
    expect(stepsInDatabase.every((step) => step > 0)).toBe(true);
    const stopped = listRuns(lab.db, cancelled.id);
    expect(stopped.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    expect(stopped.every((r) => r.step < 300)).toBe(true);
    // Each checkpoint keeps the run's first validation loss: the base of divergence after resume.
    for (const run of stopped) {
      const { header } = readCheckpointFile(latestCheckpoint(lab.db, run.id)!.path);
      expect(header.firstValLoss).toBe(metricRows(lab, run.id, 'val_loss')[0].value);
    }

    const resumed = await runExperiment(cancelled.id, { lab, executor: new WorkerPool({ size: 2 }) });
    expect(resumed.status).toBe('completed');
    const resumedFrom = listEvents(lab.db, resumed.id)
      .map((e) => /resuming from checkpoint at step (\d+)/.exec(e.message)?.[1])
      .filter((step) => step !== undefined)
      .map(Number);
    expect(resumedFrom).toHaveLength(2);
    expect(resumedFrom.every((step) => step >= 50 && step % 25 === 0)).toBe(true);
    const reference = await runToEnd(lab, yaml);
    const referenceRuns = listRuns(lab.db, reference.id);
    listRuns(lab.db, resumed.id).forEach((run, i) => {
      const loss = metricRows(lab, run.id, 'loss');
      expect(loss.map((r) => r.step)).toEqual(Array.from({ length: 300 }, (_, s) => s + 1));
      // Bit-identical to a run that was never interrupted: the checkpoint restored everything.
      expect(loss).toEqual(metricRows(lab, referenceRuns[i].id, 'loss'));
      expect(metricRows(lab, run.id, 'val_loss')).toEqual(metricRows(lab, referenceRuns[i].id, 'val_loss'));
    });
    lab.close();
  });
});
