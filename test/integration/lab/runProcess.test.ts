import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startRunProcess } from '../../../main/workers/runProcess.ts';
import { testTrainerModule } from './labHarness.ts';

describe('a run process', () => {
  it('is killed when it does not stop within the grace period after a cancel', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const run = startRunProcess(
      {
        runId: 1,
        trainerModuleUrl: pathToFileURL(testTrainerModule).href,
        trainerName: 'test-quadratic-1d',
        // Each step blocks for 10 s, so the polite cancel (checked between steps) cannot land.
        config: {
          problem: { name: 'test-quadratic-1d', curvature: 1, gradientNoise: 0, stepDelayMs: 10_000 },
          optimizer: { name: 'sgd', lr: 0.1 },
        },
        loop: { steps: 5, evalEvery: 1, checkpointEvery: 5, divergenceFactor: null },
        selection: { name: 'val_loss', goal: 'min' },
        seed: 1,
        inputs: {},
        checkpointDirectory: mkdtempSync(join(tmpdir(), 'lab-run-process-')),
        artifactDirectory: mkdtempSync(join(tmpdir(), 'lab-run-process-artifacts-')),
      },
      { started: () => started() },
      { cancelGraceMs: 300 },
    );
    await running;
    const cancelledAt = performance.now();
    run.cancel();
    const exit = await run.exit;
    expect(exit).toMatchObject({
      status: 'cancelled',
      reason: 'cancelled by request (the worker was stopped)',
    });
    expect(performance.now() - cancelledAt).toBeLessThan(5_000);
  });
});
