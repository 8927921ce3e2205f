// The roadmap kind's lifecycle without training: what it plans (teachers × the same seeds, each
// skill alone for transfer, a learned optimizer as an input), and what the report concludes from
// finished runs — steps to the target and to mastery over the seeds that got there, R with its
// untrained and final rows, what a skill cost alone against after its prerequisites — also after
// a trip through JSON, and as the tables and charts the CLI and app show.
import { describe, expect, it } from 'vitest';
import { parseRoadmapConfig, type RoadmapConfig } from '../../../../../main/lab/kinds/roadmap/config.ts';
import { aloneGroups, planRoadmap, teacherGroups } from '../../../../../main/lab/kinds/roadmap/plan.ts';
import { presentRoadmap } from '../../../../../main/lab/kinds/roadmap/present.ts';
import { parseRoadmapReport, summariseRoadmap } from '../../../../../main/lab/kinds/roadmap/report.ts';
import type { RunOutcome } from '../../../../../main/lab/runPlan.ts';

function config(overrides: Record<string, unknown> = {}): RoadmapConfig {
  return parseRoadmapConfig({
    name: 'unit',
    seed: 2,
    roadmap: {
      name: 'chain',
      version: 3,
      hash: 'h',
      skills: [
        { id: 'b', task: { name: 'copy', length: 2 }, prerequisites: ['a'], mastery: { inARow: 10 } },
        { id: 'a', task: { name: 'copy', length: 1 }, prerequisites: [], mastery: { inARow: 10 } },
      ],
    },
    learner: { model: { name: 'sequence' }, optimizer: { name: 'adam', lr: 0.01 } },
    teachers: [{ name: 'uniform' }, { name: 'manual' }, { name: 'manual', review: 0.5 }],
    budget: { steps: 1000 },
    evaluation: { every: 100, target: 0.9, transfer: true },
    seeds: 3,
    ...overrides,
  });
}

describe('planning', () => {
  it('runs every teacher on the same seeds, skills in roadmap order, and each skill alone for transfer', () => {
    const c = config();
    const { runs, complete } = planRoadmap(c, new Map());
    expect(complete).toBe(true);
    const groups = teacherGroups(c);
    expect(groups.map((g) => g.label)).toEqual([
      'uniform',
      'manual (review 0.2, final uniform 0)',
      'manual (review 0.5, final uniform 0)',
    ]);
    expect(new Set(groups.map((g) => g.runs.map((r) => r.seed).join()))).toHaveProperty('size', 1);
    const first = groups[0].runs[0];
    expect(first).toMatchObject({
      trainer: 'roadmap-sequence',
      loop: { steps: 1000, evalEvery: 100, checkpointEvery: 1000, divergenceFactor: null },
      selection: { name: 'val_accuracy', goal: 'max' },
    });
    expect(first.config.skills.map((s) => s.id)).toEqual(['a', 'b']);
    expect(first.config.roadmap).toEqual({ name: 'chain', version: 3, hash: 'h' });
    const alone = aloneGroups(c);
    expect(alone.map((g) => g.skill)).toEqual(['a', 'b']);
    expect(alone[1].runs[0].config).toMatchObject({
      skills: [{ id: 'b', prerequisites: [] }],
      teacher: { name: 'single', skill: 'b' },
      budget: { untilMastered: true },
    });
    expect(runs).toHaveLength(3 * 3 + 2 * 3);
    expect(new Set(runs.map((r) => r.key)).size).toBe(runs.length);
  });

  it('labels teachers apart when two read the same, and reads a learned optimizer as an input', () => {
    const c = config({
      teachers: [{ name: 'uniform' }, { name: 'uniform' }],
      learner: { model: { name: 'sequence' }, optimizer: { name: 'learned', artifact: 12 } },
      evaluation: {},
    });
    const groups = teacherGroups(c);
    expect(groups.map((g) => g.label)).toEqual(['uniform#1', 'uniform#2']);
    expect(groups[0].runs[0].inputs).toEqual({ optimizer: { artifactId: 12 } });
    expect(groups[0].runs[0].config.learner.optimizer).toEqual({ name: 'learned' });
  });
});

/** Finished runs with results and curves made up to exercise every column of the report. */
function finishedRuns(c: RoadmapConfig) {
  const finished = new Map<string, RunOutcome>();
  const curves = new Map<string, { steps: number[]; values: (number | null)[] }>();
  let runId = 0;
  const add = (
    key: string,
    result: Record<string, number | null>,
    series: Record<string, [number, number][]>,
  ) => {
    runId++;
    finished.set(key, { key, runId, status: 'completed', result });
    for (const [name, points] of Object.entries(series))
      curves.set(`${runId}/${name}`, { steps: points.map((p) => p[0]), values: points.map((p) => p[1]) });
  };
  const [uniform, manual] = teacherGroups(c);
  uniform.runs.forEach((run, i) =>
    add(
      run.key,
      {
        'final_mastered_at/a': 100 + i,
        final_val_accuracy: 0.8,
        'final_accuracy/a': 1,
        'final_accuracy/b': 0.6,
        final_acc: 0.8,
        final_bwt: -0.1,
        final_fwt: 0.2,
      },
      {
        val_accuracy: [
          [0, 0],
          [100, 0.5],
          [200, i === 2 ? 0.7 : 0.95],
        ],
        'accuracy/a': [
          [0, 0.1],
          [100, 1],
          [200, 1],
        ],
        'accuracy/b': [
          [0, 0],
          [100, 0.3],
          [200, 0.6],
        ],
        'r/a/a': [[101, 0.9]],
        'r/a/b': [[101, 0.2]],
        'teacher/p/a': [
          [1, 0.5],
          [11, 0.5],
        ],
        'teacher/p/b': [
          [1, 0.5],
          [11, 0.5],
        ],
      },
    ),
  );
  manual.runs.forEach((run, i) =>
    add(
      run.key,
      { 'final_mastered_at/a': 50, 'final_mastered_at/b': 150 + 10 * i, final_val_accuracy: 1 },
      {
        val_accuracy: [
          [0, 0],
          [100, 0.5],
          [200, 1],
        ],
      },
    ),
  );
  aloneGroups(c).forEach((group) =>
    group.runs.forEach((run) =>
      add(run.key, { [`final_mastered_at/${group.skill}`]: group.skill === 'a' ? 60 : 400 }, {}),
    ),
  );
  const readCurve = (id: number, name: string) => curves.get(`${id}/${name}`) ?? { steps: [], values: [] };
  return { finished, readCurve };
}

describe('the report', () => {
  it('counts steps over the seeds that got there, averages R, and measures transfer in stage steps', () => {
    const c = config({ teachers: [{ name: 'uniform' }, { name: 'manual' }] });
    const { finished, readCurve } = finishedRuns(c);
    const report = parseRoadmapReport(JSON.parse(JSON.stringify(summariseRoadmap(c, finished, readCurve))));
    const [uniform, manual] = report.teachers;
    expect(uniform.stepsToTarget).toMatchObject({ perRun: [200, 200, null], reached: 2 });
    expect(uniform.stepsToTarget.interval?.mean).toBe(200);
    expect(uniform.skills[0].stepsToMastery.interval?.mean).toBe(101);
    expect(uniform.skills[1].stepsToMastery).toMatchObject({ reached: 0, interval: null });
    expect(uniform.skills[0].stepsToTarget.interval?.mean).toBe(100);
    expect(uniform.forgetting.bwt?.mean).toBeCloseTo(-0.1, 12);
    const close = (values: (number | null)[] | null | undefined) =>
      values?.map((v) => (v === null ? null : Number(v.toFixed(12))));
    expect(close(uniform.r?.rows[0])).toEqual([0.9, 0.2]);
    expect(uniform.r?.rows[1]).toBeNull();
    expect(close(uniform.r?.initial)).toEqual([0.1, 0]);
    expect(close(uniform.r?.final)).toEqual([1, 0.6]);
    expect(uniform.probabilities).toEqual({
      steps: [1, 11],
      bySkill: [
        [0.5, 0.5],
        [0.5, 0.5],
      ],
    });
    expect(manual.skills[1].stepsToMastery.interval?.mean).toBe(160);
    expect(report.roadmap).toEqual({ name: 'chain', version: 3, hash: 'h' });
    // Transfer: b alone took 400 steps; under manual its stage took (150..170) − 50.
    expect(report.transfer?.map((t) => t.skill)).toEqual(['a', 'b']);
    expect(report.transfer?.[1].alone.interval?.mean).toBe(400);
    expect(report.transfer?.[1].afterPrerequisites[0].steps.interval?.mean).toBe(110);

    const presented = presentRoadmap(report);
    expect(presented.title).toBe('Roadmap chain v3: 2 skills, 2 teacher(s), 1000 steps');
    expect(presented.tables.map((t) => t.id)).toEqual([
      'teachers',
      'mastery',
      'skill-target',
      'final-accuracy',
      'r/0',
      'transfer',
    ]);
    const r = presented.tables.find((t) => t.id === 'r/0')!;
    expect(r.heatmap).toBe(true);
    expect(r.rows.map((row) => (row[0] as { text: string }).text)).toEqual([
      'untrained (b)',
      'after stage a',
      'final',
    ]);
    expect(presented.tables[0].rows[0][1]).toEqual({ type: 'text', text: '200 ± 0 (2/3)', value: 200 });
    expect(presented.charts.map((chart) => chart.id)).toEqual(['val-accuracy', 'teacher-p/0', 'teacher-p/1']);
  });
});
