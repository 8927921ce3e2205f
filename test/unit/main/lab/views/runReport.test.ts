// A run's view by its kind (runReport) read from a store: a distillation run gets its kind's view,
// a kind without one gets none, and a run config the kind cannot read becomes a view that says
// why instead of failing the run page.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReport } from '../../../../../main/lab/views/runReport.ts';
import { createExperiment, saveDefinition } from '../../../../../main/store/experimentStore.ts';
import { openLabDatabase } from '../../../../../main/store/labDatabase.ts';
import { ensureRun } from '../../../../../main/store/runStore.ts';
import { imageMentorRunConfig } from '../../../../fixtures/lab/distillationRunConfig.ts';

function storedRun(kind: string, config: unknown) {
  const lab = openLabDatabase(join(mkdtempSync(join(tmpdir(), 'lab-run-report-')), 'lab.db'));
  const experiment = createExperiment(lab.db, saveDefinition(lab.db, 'x.yaml', kind, 'text'), kind, 'e', {});
  const run = ensureRun(lab.db, experiment.id, {
    planKey: 'mentor',
    phase: 'mentor',
    label: 'mentor 784-24-10',
    trainer: 't',
    config,
    loop: { steps: 10, evalEvery: 5, checkpointEvery: 5, divergenceFactor: null },
    selection: { name: 'val_loss', goal: 'min' },
    seed: 1,
  });
  return { lab, run };
}

describe('a run as its kind sees it', () => {
  it("draws a distillation run with its kind's view", () => {
    const { lab, run } = storedRun('distillation', imageMentorRunConfig);
    expect(runReport(lab.db, run)?.title).toBe('mentor 784-24-10: mentor of a distillation experiment');
    lab.close();
  });

  it('has no view for a kind without one', () => {
    const { lab, run } = storedRun('optimizer-comparison', {});
    expect(runReport(lab.db, run)).toBeNull();
    lab.close();
  });

  it('says why when the stored config cannot be read, instead of failing', () => {
    const { lab, run } = storedRun('distillation', { role: 'teacher' });
    const view = runReport(lab.db, run);
    expect(view?.tables).toEqual([]);
    expect(view?.notes[0]).toMatch(
      /^This view could not be drawn: the distillation run config does not match .*'task'/s,
    );
    lab.close();
  });
});
