// What the lab offers every experiment kind, through a test-only kind: a run that reads another
// run's artifact waits for it and gets its file; a run waits for the runs named in `after`;
// artifacts are recorded and readable across experiments; a missing input fails the run that
// needs it with the reason, and nothing else.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../../main/lab/experimentRunner.ts';
import { labKind } from '../../../main/lab/kinds/experimentKind.ts';
import { registerTrainerModule } from '../../../main/lab/trainers/registry.ts';
import { runModels } from '../../../main/store/artifactStore.ts';
import { createExperiment, saveDefinition } from '../../../main/store/experimentStore.ts';
import { openLabDatabase, type LabDatabase } from '../../../main/store/labDatabase.ts';
import type { RunRecord } from '../../../main/store/records.ts';
import { listRuns } from '../../../main/store/runStore.ts';
import { WorkerPool } from '../../../main/workers/workerPool.ts';
import { stagedKind, stagedKindName, type StagedConfig } from '../../fixtures/lab/stagedKind.ts';

const kinds = new Map([[stagedKindName, labKind(stagedKind)]]);

async function openLab(
  directory = mkdtempSync(join(tmpdir(), 'lab-stages-')),
  name = 'lab.db',
): Promise<LabDatabase> {
  await registerTrainerModule(new URL('../../fixtures/lab/stagedKind.ts', import.meta.url).pathname);
  return openLabDatabase(join(directory, name));
}

function run(lab: LabDatabase, config: StagedConfig) {
  const definition = saveDefinition(lab.db, 'stages.yaml', stagedKindName, JSON.stringify(config));
  const experiment = createExperiment(lab.db, definition, stagedKindName, config.name, config);
  return runExperiment(experiment.id, { lab, executor: new WorkerPool({ size: 2 }), kinds });
}

const byKey = (runs: RunRecord[]) => Object.fromEntries(runs.map((r) => [r.planKey, r]));

describe('stages and artifacts, for every kind', () => {
  it('starts a student only after the teacher left its model, hands it the file, and records what it read', async () => {
    const lab = await openLab();
    const experiment = await run(lab, { name: 'stages', teacherValue: 7, students: 2 });
    expect(experiment.status, experiment.reason ?? '').toBe('completed');
    const runs = byKey(listRuns(lab.db, experiment.id));
    const [model] = runModels(lab.db, runs.teacher.id);
    expect(model).toMatchObject({
      name: 'model',
      format: 'safetensors',
      meta: { role: 'teacher', value: 7 },
    });
    expect(existsSync(model.path)).toBe(true);
    for (const key of ['student/0', 'student/1']) {
      // With two worker slots, only the dependency keeps the students from starting with the teacher.
      expect(runs[key].startedAt!).toBeGreaterThanOrEqual(runs.teacher.endedAt!);
      expect(runs[key].inputs).toEqual({ teacher: model.id });
    }
    expect(runs['student/0'].result?.final_val_loss).toBe(7);
    expect(runs['student/1'].result?.final_val_loss).toBe(8);
    expect(runs.late.startedAt!).toBeGreaterThanOrEqual(runs['student/0'].endedAt!);
    expect(experiment.report).toEqual({
      values: { teacher: 7, 'student/0': 7, 'student/1': 8, late: 0 },
    });

    // Another experiment reads the same model by its artifact id.
    const reuse = await run(lab, { name: 'reuse', teacherValue: 0, students: 1, artifactId: model.id });
    expect(reuse.status, reuse.reason ?? '').toBe('completed');
    const reused = byKey(listRuns(lab.db, reuse.id));
    expect(reused['student/0'].inputs).toEqual({ teacher: model.id });
    expect(reused['student/0'].result?.final_val_loss).toBe(7);
    lab.close();
  });

  it('keeps the files of two databases in one folder apart (their run ids both start at 1)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'lab-stages-two-'));
    const first = await openLab(folder, 'first.db');
    const second = await openLab(folder, 'second.db');
    const experiment = await run(first, { name: 'first', teacherValue: 7, students: 1 });
    const other = await run(second, { name: 'second', teacherValue: 3, students: 1 });
    expect([experiment.status, other.status]).toEqual(['completed', 'completed']);
    const [model] = runModels(first.db, byKey(listRuns(first.db, experiment.id)).teacher.id);
    const [otherModel] = runModels(second.db, byKey(listRuns(second.db, other.id)).teacher.id);
    expect(model.path).not.toBe(otherModel.path);
    // The first database's model is still its own: a student reading it gets 7, not the second's 3.
    const reuse = await run(first, { name: 'reuse', teacherValue: 0, students: 1, artifactId: model.id });
    expect(byKey(listRuns(first.db, reuse.id))['student/0'].result?.final_val_loss).toBe(7);
    first.close();
    second.close();
  });

  it('fails a run whose input is missing with the reason, and the experiment with it', async () => {
    const lab = await openLab();
    const experiment = await run(lab, {
      name: 'no model',
      teacherValue: 3,
      students: 1,
      teacherLeavesNothing: true,
    });
    expect(experiment.status).toBe('failed');
    const runs = byKey(listRuns(lab.db, experiment.id));
    expect(runs.teacher.status).toBe('completed');
    expect(runs['student/0'].status).toBe('failed');
    expect(runs['student/0'].reason).toBe(
      `input "teacher": run ${runs.teacher.id} (teacher) left no artifact named "model" (it left none)`,
    );
    expect(experiment.reason).toContain(`run ${runs['student/0'].id} (student/0): input "teacher"`);
    // The run waiting for the failed student never started.
    expect(runs.late).toBeUndefined();

    const unknown = await run(lab, { name: 'bad id', teacherValue: 0, students: 1, artifactId: 999 });
    expect(unknown.status).toBe('failed');
    expect(byKey(listRuns(lab.db, unknown.id))['student/0'].reason).toMatch(
      /^input "teacher": artifact 999 is not in this lab database/,
    );
    lab.close();
  });
});
