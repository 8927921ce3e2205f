// A roadmap experiment end to end through worker processes, on the scripted learner (no network,
// so it takes seconds): every teacher's runs complete, each run records the roadmap version it
// climbed, the metrics the app reads are there under their names, and the report comes back as
// tables. And a broken roadmap is refused through LabApi with its problems located, storing
// nothing — no definition, no experiment, no roadmap version.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labApiHandlers } from '../../../main/api/labApiTransport.ts';
import { createLabService } from '../../../main/api/labService.ts';
import type { ProgressEvent } from '../../../main/lab/progress.ts';
import { requireKind } from '../../../main/lab/kinds/registry.ts';
import { listRuns } from '../../../main/store/runStore.ts';
import { metricNames } from '../../../main/store/metricSeries.ts';
import { getRoadmapVersion } from '../../../main/store/roadmapStore.ts';
import { openTestLab, runToEnd } from '../lab/labHarness.ts';

const definition = (prerequisiteOfC = 'b') => `
version: 1
kind: roadmap
experiment:
  name: scripted-integration
  seed: 4
  roadmap:
    name: chain-3
    skills:
      - { id: a, task: { name: copy, length: 1 }, prerequisites: [], mastery: { accuracy: 0.9, window: 30 } }
      - { id: b, task: { name: copy, length: 2 }, prerequisites: [a], mastery: { accuracy: 0.9, window: 30 } }
      - { id: c, task: { name: copy, length: 3 }, prerequisites: [${prerequisiteOfC}], mastery: { inARow: 10 } }
  learner: { model: { name: scripted, rate: 0.08 }, batchSize: 10 }
  teachers: [{ name: uniform }, { name: manual, review: 0.2 }, { name: exp3s }]
  budget: { steps: 1500, untilMastered: true }
  evaluation: { every: 25, examples: 100, teacherLogEvery: 5, checkpointEvery: 100 }
  seeds: 2
`;

describe('roadmap experiments through worker processes', () => {
  it('runs every teacher, records the roadmap version, streams the metrics the app reads, and reports', async () => {
    const lab = await openTestLab();
    const events: ProgressEvent[] = [];
    const experiment = await runToEnd(lab, definition(), (event) => events.push(event));
    expect(experiment.status).toBe('completed');
    const runs = listRuns(lab.db, experiment.id);
    expect(runs).toHaveLength(6);
    // Progress carries each skill's mastery (the CLI's per-skill bars).
    const withMastery = events.filter((e) => e.type === 'run' && e.mastery);
    expect(withMastery.length).toBeGreaterThan(0);
    expect(Object.keys((withMastery.at(-1) as { mastery: object }).mastery)).toEqual(['a', 'b', 'c']);
    const version = getRoadmapVersion(lab.db, 'chain-3');
    expect(version?.version).toBe(1);
    for (const run of runs) {
      expect(run.status).toBe('completed');
      expect(run.reason).toMatch(/^every skill mastered at step \d+$/);
      expect((run.config as { roadmap: unknown }).roadmap).toEqual({
        name: 'chain-3',
        version: 1,
        hash: version!.hash,
      });
    }
    const names = metricNames(lab.db, runs[0].id);
    for (const name of [
      'loss',
      'reward',
      'teacher/skill',
      'teacher/p/a',
      'accuracy/c',
      'mastery/b',
      'mastered/a',
      'mastered_at/c',
      'val_accuracy',
      'r/a/a',
      'r/c/b',
      'acc',
      'bwt',
    ])
      expect(names).toContain(name);
    const report = requireKind('roadmap').present(experiment.report);
    expect(report.tables[0].rows.map((row) => (row[0] as { text: string }).text)).toEqual([
      'uniform',
      'manual (review 0.2, final uniform 0)',
      'exp3s (prediction-gain)',
    ]);
    // Every run mastered every skill: all of them counted in steps to mastery.
    expect(
      report.tables[1].rows.flat().filter((cell) => cell.type === 'text' && /\(2\/2\)$/.test(cell.text)),
    ).toHaveLength(9);

    // The same roadmap again is the same version; an edited one is the next.
    await runToEnd(lab, definition().replace('steps: 1500', 'steps: 30'));
    expect(getRoadmapVersion(lab.db, 'chain-3')?.version).toBe(1);
    await runToEnd(lab, definition('a').replace('steps: 1500', 'steps: 30'));
    expect(getRoadmapVersion(lab.db, 'chain-3')?.version).toBe(2);
    lab.close();
  });

  it('refuses a roadmap with a cycle through LabApi, located, and stores nothing', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'roadmap-api-'));
    const api = createLabService({ dbPath: join(directory, 'lab.db'), poolSize: 1 });
    const broken = definition().replace('prerequisites: [], mastery', 'prerequisites: [c], mastery');
    const created = await api.createExperiment(broken, 'cycle.yaml');
    expect(created.ok).toBe(false);
    if (!created.ok) {
      expect(created.problems[0]).toMatchObject({
        file: 'cycle.yaml',
        line: 10,
        keyPath: 'experiment.roadmap.skills[0].prerequisites[0]',
      });
      expect(created.problems[0].message).toContain('prerequisites form a cycle: a → c → b → a');
    }
    expect(await api.listExperiments()).toEqual([]);
    expect(await api.listRoadmaps()).toEqual([]);
    await api.close();
    const { openLabDatabase } = await import('../../../main/store/labDatabase.ts');
    const lab = openLabDatabase(join(directory, 'lab.db'));
    for (const table of ['definitions', 'experiments', 'roadmaps'])
      expect(lab.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    lab.close();
  });

  it('lists the stored roadmaps and every version through LabApi, and which one each run climbed', async () => {
    const api = createLabService({
      dbPath: join(mkdtempSync(join(tmpdir(), 'roadmap-versions-')), 'lab.db'),
      poolSize: 1,
    });
    const start = async (text: string) => {
      const created = await api.createExperiment(text.replace('steps: 1500', 'steps: 30'), 'chain.yaml');
      if (!created.ok) throw new Error(JSON.stringify(created.problems));
      await api.whenIdle();
      return created.experimentId;
    };
    await start(definition());
    await start(definition('a'));
    const third = await start(definition());

    expect(await api.listRoadmaps()).toEqual([
      { name: 'chain-3', latestVersion: 2, versions: 2, skills: 3, updatedAt: expect.any(Number) },
    ]);
    const versions = await api.roadmapVersions('chain-3');
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    const prerequisitesOfC = (v: (typeof versions)[number]) =>
      (v.roadmap.skills[2] as { prerequisites: string[] }).prerequisites;
    expect(versions.map(prerequisitesOfC)).toEqual([['a'], ['b']]);
    expect(await api.roadmapVersions('no-such-roadmap')).toEqual([]);

    // The third experiment ran the first version again, and its runs say so.
    const [run] = await api.listRuns({ experimentId: third });
    const detail = await api.getRun(run.id);
    expect((detail!.run.config as { roadmap: unknown }).roadmap).toEqual({
      name: 'chain-3',
      version: 1,
      hash: versions[1].hash,
    });

    const handlers = labApiHandlers(api);
    await expect(handlers.roadmapVersions([7])).rejects.toThrow(/text/);
    await api.close();
  });
});
