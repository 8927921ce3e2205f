import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExperiment, saveDefinition } from '../../../../main/store/experimentStore.ts';
import { openLabDatabase } from '../../../../main/store/labDatabase.ts';
import {
  ensureRun,
  finishRun,
  getRun,
  recordRunStep,
  truncateRunAfter,
} from '../../../../main/store/runStore.ts';

describe('runs in the store', () => {
  it('a run started over from nothing is at step 0 (not −1), and its step only moves forward while it runs', () => {
    const lab = openLabDatabase(join(mkdtempSync(join(tmpdir(), 'lab-runs-')), 'lab.db'));
    const definition = saveDefinition(lab.db, 'x.yaml', 'optimizer-comparison', 'text');
    const experiment = createExperiment(lab.db, definition, 'optimizer-comparison', 'e', {});
    const run = ensureRun(lab.db, experiment.id, {
      planKey: 'k',
      phase: 'tuning',
      label: 'sgd',
      trainer: 't',
      config: {},
      loop: { steps: 10, evalEvery: 5, checkpointEvery: 5, divergenceFactor: null },
      selection: { name: 'val_loss', goal: 'min' },
      seed: 1,
    });
    truncateRunAfter(lab.db, run.id, -1);
    expect(getRun(lab.db, run.id)?.step).toBe(0);
    recordRunStep(lab.db, run.id, 7);
    recordRunStep(lab.db, run.id, 5);
    expect(getRun(lab.db, run.id)?.step).toBe(7);
    truncateRunAfter(lab.db, run.id, 5);
    expect(getRun(lab.db, run.id)?.step).toBe(5);
    // A cancelled run queued again by resume no longer says why it stopped.
    finishRun(lab.db, run.id, 'cancelled', 'cancelled before it started', null, 5);
    truncateRunAfter(lab.db, run.id, 5);
    expect(getRun(lab.db, run.id)).toMatchObject({ status: 'queued', reason: null, step: 5 });
    lab.close();
  });
});
