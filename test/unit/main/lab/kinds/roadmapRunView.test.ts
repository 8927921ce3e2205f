// A roadmap run as the kind presents it (the app's run page under the roadmap graph, `lab
// inspect`): the skills with their criteria and mastery, R as a heat map — b, a row per ended
// stage in roadmap order, then "final" once the run ended or "now" while it trains — and
// ACC/BWT/FWT, read from the run's stored curves.
import { describe, expect, it } from 'vitest';
import type { RunReader } from '../../../../../main/lab/kinds/experimentKind.ts';
import { presentRoadmapRun, runAccuracyMatrix } from '../../../../../main/lab/kinds/roadmap/runView.ts';
import type { RunRecord } from '../../../../../main/store/records.ts';

const config = {
  roadmap: { name: 'chain', version: 2, hash: 'abcdef0123456789' },
  skills: [
    {
      id: 'a',
      title: 'first',
      task: { name: 'copy', length: 1 },
      prerequisites: [],
      mastery: { inARow: 10 },
    },
    {
      id: 'b',
      task: { name: 'copy', length: 2 },
      prerequisites: ['a'],
      mastery: { accuracy: 0.9, window: 30 },
    },
  ],
  learner: { model: { name: 'scripted', rate: 0.05, decay: 0 }, optimizer: { name: 'sgd' }, batchSize: 10 },
  teacher: { name: 'manual', review: 0.2, finalUniform: 0, label: 'manual (review 0.2, final uniform 0)' },
  budget: { steps: 100, untilMastered: true },
  evaluation: { examples: 50, teacherLogEvery: 5 },
  validationSeed: 1,
};

/** Curves by name: [step, value] pairs. */
function reader(curves: Record<string, [number, number][]>): RunReader {
  return {
    curve: (_runId, name) => {
      const points = curves[name] ?? [];
      return { steps: points.map((p) => p[0]), values: points.map((p) => p[1]) };
    },
    run: () => undefined,
    experimentRuns: () => [],
    artifactRun: () => undefined,
  };
}

const run = (status: RunRecord['status']) =>
  ({ id: 7, label: 'manual (review 0.2, final uniform 0)', status, config }) as unknown as RunRecord;

const cellValues = (rows: { type: string; text?: string; value?: number | null }[][]) =>
  rows.map((row) => row.map((cell) => (cell.type === 'text' ? cell.text : cell.value)));

describe("a roadmap run's view", () => {
  const curves: Record<string, [number, number][]> = {
    'accuracy/a': [
      [0, 0.1],
      [50, 0.8],
      [100, 0.95],
    ],
    'accuracy/b': [
      [0, 0.05],
      [50, 0.2],
      [100, 0.7],
    ],
    'r/a/a': [[40, 0.9]],
    'r/a/b': [[40, 0.3]],
    'mastery/a': [[100, 1]],
    'mastery/b': [[100, 0.6]],
    'mastered_at/a': [[100, 38]],
    acc: [[100, 0.825]],
    bwt: [[100, 0.05]],
    fwt: [[100, 0.25]],
  };

  it('shows the skills, R as a heat map in roadmap order with b and the final row, and ACC/BWT/FWT', () => {
    const view = presentRoadmapRun(run('completed'), reader(curves));
    expect(view.title).toBe('manual (review 0.2, final uniform 0) on roadmap chain v2');
    expect(view.notes[0]).toBe(
      'Roadmap chain version 2, sha256 abcdef012345…; teacher manual (review 0.2, final uniform 0).',
    );
    const [skills, r, forgetting] = view.tables;
    expect(cellValues(skills.rows as never)).toEqual([
      ['a (first)', '—', '10 right in a row', 38, 1, 0.95],
      ['b', 'a', 'accuracy ≥ 0.9 over 30 answers', null, 0.6, 0.7],
    ]);
    expect(r.heatmap).toBe(true);
    expect(r.columns).toEqual(['measured', 'a', 'b']);
    expect(cellValues(r.rows as never)).toEqual([
      ['untrained (b)', 0.1, 0.05],
      ['after stage a', 0.9, 0.3],
      ['final', 0.95, 0.7],
    ]);
    expect(cellValues(forgetting.rows as never)).toEqual([[0.825, 0.05, 0.25]]);
  });

  it('says "now" while the run trains, and explains a missing R', () => {
    const live = presentRoadmapRun(run('running'), reader(curves));
    expect(live.tables[1].rows.at(-1)![0]).toEqual({ type: 'text', text: 'now' });
    expect(live.tables[2].title).toBe('Forgetting and transfer so far');
    const early = presentRoadmapRun(run('running'), reader({ 'accuracy/a': [[0, 0.1]] }));
    expect(early.tables.map((t) => t.id)).toEqual(['run-skills', 'run-forgetting']);
    expect(early.notes[1]).toMatch(/^No stage has ended yet/);
  });

  it('leaves R out beyond 30 skills', () => {
    const ids = Array.from({ length: 31 }, (_, i) => `s${i}`);
    expect(
      runAccuracyMatrix(
        ids,
        () => 0.5,
        () => 0,
        true,
      ),
    ).toBeNull();
    expect(
      runAccuracyMatrix(
        ids.slice(0, 30),
        () => 0.5,
        () => 0,
        true,
      )?.rows,
    ).toHaveLength(32);
  });

  it('refuses a run config that is not a roadmap run’s, saying what is wrong', () => {
    expect(() => presentRoadmapRun({ ...run('completed'), config: { problem: {} } }, reader({}))).toThrow(
      /roadmap run config/,
    );
  });
});
