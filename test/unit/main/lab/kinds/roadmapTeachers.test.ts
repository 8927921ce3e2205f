// Every teacher of the roadmap kind on the scripted learner (skills improve by η·p²·(1 − m) when
// trained, p the prerequisite's mastery; everything else decays slowly; answers are noisy), so
// their choices are checked without training a network: the orderings TSCL and Graves et al.
// report (a manual curriculum and progress-seeking teachers beat uniform sampling; training only
// the last task never gets started on a chain), and each update rule against its formula.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../../engine/random/rng.ts';
import { CurriculumRun } from '../../../../../main/lab/kinds/roadmap/curriculumRun.ts';
import { ScriptedLearner } from '../../../../../main/lab/kinds/roadmap/learners/scriptedLearner.ts';
import {
  createTeacher,
  type TeacherSpec,
} from '../../../../../main/lab/kinds/roadmap/teachers/createTeacher.ts';
import {
  exp3sPolicy,
  exp3sUpdate,
  quantile,
  rescaleProgress,
} from '../../../../../main/lab/kinds/roadmap/teachers/exp3sTeacher.ts';
import { sinkSkills } from '../../../../../main/lab/kinds/roadmap/teachers/fixedTeachers.ts';
import { boltzmann, epsilonGreedy, slope } from '../../../../../main/lab/kinds/roadmap/teachers/policies.ts';
import type { TeacherSetting } from '../../../../../main/lab/kinds/roadmap/teachers/teacher.ts';
import { mean } from '../../../../../main/lab/statistics.ts';

const chainLength = 5;
const prerequisites = Array.from({ length: chainLength }, (_, i) => (i === 0 ? [] : [i - 1]));
const skills = prerequisites.map((p, i) => ({
  id: `s${i}`,
  prerequisites: p,
  mastery: { accuracy: 0.9, window: 40 },
}));
const budget = 6000;
const tscl = { lr: 0.1, window: 10, policy: 'egreedy', epsilon: 0.1, temperature: 0.0004 } as const;
const exp3s = { eta: 0.1, epsilon: 0.05, alpha: 0.001, history: 1000 } as const;

function setting(seed = 1, budgetSteps = budget): TeacherSetting {
  return { skills, budgetSteps, rng: new Rng(seed, 31) };
}

/** Runs `spec` on the scripted chain until every skill is mastered or the budget is spent. */
function climb(spec: TeacherSpec, seed: number, steps = budget): CurriculumRun & { chosen: number[] } {
  const learner = new ScriptedLearner(
    prerequisites,
    { rate: 0.05, decay: 0.0005, batchSize: 20, evaluationExamples: 200 },
    seed,
  );
  const run = Object.assign(
    new CurriculumRun(skills, createTeacher(spec, setting(seed, steps)), learner, seed, {
      teacherLogEvery: 10,
    }),
    { chosen: [] as number[] },
  );
  run.evaluate();
  while (run.step < steps && !run.allMastered()) run.chosen.push(run.trainStep()['teacher/skill']);
  return run;
}

const seeds = [1, 2, 3, 4, 5];
/** Steps until every skill was mastered, per seed (Infinity where the budget ran out). */
const stepsToAll = (spec: TeacherSpec) =>
  seeds.map((seed) => {
    const run = climb(spec, seed);
    return run.allMastered() ? run.step : Number.POSITIVE_INFINITY;
  });

describe('teachers on the scripted learner', () => {
  const uniform = mean(stepsToAll({ name: 'uniform' }));

  it('uniform masters the whole chain, slowly', () => {
    expect(Number.isFinite(uniform)).toBe(true);
  });

  it('the manual curriculum masters skills in roadmap order and beats uniform', () => {
    const run = climb({ name: 'manual', review: 0.2, finalUniform: 0 }, 1);
    const at = run.masteredAt as number[];
    expect(at.every((s, i) => i === 0 || s > at[i - 1])).toBe(true);
    expect(mean(stepsToAll({ name: 'manual', review: 0.2, finalUniform: 0 }))).toBeLessThan(0.6 * uniform);
  });

  it('last-task-only never gets started on a chain whose first skill it never trains', () => {
    const run = climb({ name: 'last-task-only' }, 1, 2000);
    expect(run.mastered.some(Boolean)).toBe(false);
    expect(new Set(run.chosen)).toEqual(new Set([chainLength - 1]));
  });

  it.each(['tscl-online', 'tscl-window', 'tscl-sampling'] as const)(
    '%s with |slope| beats uniform and moves its focus up the chain',
    (name) => {
      const spec = { name, ...tscl, slope: 'absolute' } as const;
      expect(mean(stepsToAll(spec))).toBeLessThan(0.9 * uniform);
      const run = climb(spec, 2);
      const early = mean(run.chosen.slice(0, 100));
      const late = mean(run.chosen.slice(-100));
      expect(late).toBeGreaterThan(early + 1);
    },
  );

  it.each([
    ['tscl-naive', 'absolute'],
    ['tscl-online', 'signed'],
    ['tscl-window', 'signed'],
    ['tscl-sampling', 'signed'],
  ] as const)('%s (%s slope) masters the whole chain within the budget', (name, slopeKind) => {
    expect(stepsToAll({ name, ...tscl, slope: slopeKind }).every(Number.isFinite)).toBe(true);
  });

  it('Exp3.S on prediction gain beats uniform; on score gain it still masters everything', () => {
    expect(mean(stepsToAll({ name: 'exp3s', ...exp3s, signal: 'prediction-gain' }))).toBeLessThan(
      0.7 * uniform,
    );
    expect(stepsToAll({ name: 'exp3s', ...exp3s, signal: 'score-gain' }).every(Number.isFinite)).toBe(true);
  });

  it('a sequential schedule ends a stage every stepsPerSkill steps: R has a row per stage and forgetting shows in BWT', () => {
    const learner = new ScriptedLearner(
      [[], [], []],
      { rate: 0.05, decay: 0.002, batchSize: 20, evaluationExamples: 400 },
      1,
    );
    const three = skills.slice(0, 3).map((s) => ({ ...s, prerequisites: [] }));
    const teacher = createTeacher(
      { name: 'sequential', stepsPerSkill: 200 },
      { skills: three, budgetSteps: 600, rng: new Rng(1) },
    );
    const run = new CurriculumRun(three, teacher, learner, 1, { teacherLogEvery: 1 });
    run.evaluate();
    const rowSteps: number[] = [];
    for (let i = 0; i < 600; i++) {
      const metrics = run.trainStep();
      if ('r/s0/s0' in metrics || 'r/s1/s0' in metrics) rowSteps.push(run.step);
      // Each stage trains only its own skill.
      expect(metrics['teacher/skill']).toBe(Math.floor(i / 200));
    }
    expect(rowSteps).toEqual([201, 401]);
    const final = run.evaluate();
    expect(run.rows[0]![0]).toBeGreaterThan(0.9);
    expect(run.rows[1]![1]).toBeGreaterThan(0.9);
    expect(final.bwt).toBeLessThan(-0.2);
    expect(final.fwt).toBeCloseTo(0, 1);
  });

  it('continues bit-identically from a saved state', () => {
    const spec = { name: 'tscl-sampling', ...tscl, slope: 'absolute' } as const;
    const make = () =>
      new CurriculumRun(
        skills,
        createTeacher(spec, setting(7)),
        new ScriptedLearner(
          prerequisites,
          { rate: 0.05, decay: 0.0005, batchSize: 20, evaluationExamples: 50 },
          7,
        ),
        7,
        { teacherLogEvery: 1 },
      );
    const whole = make();
    const first = make();
    for (let i = 0; i < 150; i++) {
      whole.trainStep();
      first.trainStep();
    }
    const saved = JSON.parse(JSON.stringify(first.save())) as unknown;
    const resumed = make();
    resumed.restore(saved);
    for (let i = 0; i < 150; i++) expect(resumed.trainStep()).toEqual(whole.trainStep());
    expect(resumed.evaluate()).toEqual(whole.evaluate());
  });
});

describe('teacher update rules', () => {
  it('manual: 1 − review on the first unmastered skill, review shared by those before it, uniform at the end', () => {
    const teacher = createTeacher({ name: 'manual', review: 0.2, finalUniform: 0.1 }, setting(1, 1000));
    const p = teacher.probabilities({ step: 10, mastered: [true, true, false, false, false] });
    expect(p).toEqual([0.1, 0.1, 0.8, 0, 0]);
    expect(teacher.probabilities({ step: 10, mastered: [false, false, false, false, false] })).toEqual([
      1, 0, 0, 0, 0,
    ]);
    expect(teacher.probabilities({ step: 10, mastered: Array(5).fill(true) })).toEqual(Array(5).fill(0.2));
    // The last 10 % of the budget is uniform whatever is mastered.
    expect(teacher.probabilities({ step: 900, mastered: Array(5).fill(false) })).toEqual(Array(5).fill(0.2));
    expect(teacher.stage({ step: 10, mastered: [true, false, false, false, false] })).toBe(1);
  });

  it('last-task-only trains the sinks of a DAG: the skills nothing builds on', () => {
    expect(
      sinkSkills({
        skills: [
          { id: 'a', prerequisites: [] },
          { id: 'b', prerequisites: [0] },
          { id: 'c', prerequisites: [0] },
        ],
      }),
    ).toEqual([1, 2]);
  });

  it('tscl-online: Q(a) ← α(x − x_prev(a)) + (1 − α)Q(a)', () => {
    const teacher = createTeacher({ name: 'tscl-online', ...tscl, lr: 0.5, slope: 'signed' }, setting());
    const status = { step: 0, mastered: Array(5).fill(false) };
    teacher.observe({ skill: 2, score: 0.4 }, status);
    teacher.observe({ skill: 2, score: 0.5 }, status);
    // Q = 0.5·0.4 = 0.2, then 0.2 + 0.5·(0.1 − 0.2) = 0.15
    expect((teacher.save() as { q: number[] }).q[2]).toBeCloseTo(0.15, 12);
    expect(teacher.probabilities(status)[2]).toBeCloseTo(0.9 + 0.1 / 5, 12);
  });

  it('tscl-window: slope of the last K scores against their steps; skills with fewer than two scores count 1', () => {
    const teacher = createTeacher(
      { name: 'tscl-window', ...tscl, window: 3, epsilon: 0, slope: 'signed' },
      setting(),
    );
    for (const [step, score] of [
      [0, 0.9],
      [1, 0.1],
      [2, 0.2],
      [3, 0.3],
    ])
      teacher.observe({ skill: 0, score }, { step, mastered: [] });
    for (let i = 1; i < 5; i++) teacher.observe({ skill: i, score: 0 }, { step: 10 + i, mastered: [] });
    for (let i = 1; i < 5; i++) teacher.observe({ skill: i, score: 0 }, { step: 20 + i, mastered: [] });
    // Only the last three scores of skill 0 remain: slope 0.1; every other skill is flat.
    expect(teacher.probabilities({ step: 30, mastered: [] })).toEqual([1, 0, 0, 0, 0]);
    expect(slope([0, 1, 2], [0.1, 0.2, 0.3])).toBeCloseTo(0.1, 12);
  });

  it('tscl-sampling: an untried skill is drawn first; then the largest |change| drawn wins', () => {
    const teacher = createTeacher(
      { name: 'tscl-sampling', ...tscl, epsilon: 0, slope: 'absolute' },
      setting(),
    );
    const status = { step: 0, mastered: [] };
    for (let i = 0; i < 4; i++) teacher.observe({ skill: i, score: 0.01 * i }, status);
    expect(teacher.probabilities(status)).toEqual([0, 0, 0, 0, 1]);
    teacher.observe({ skill: 4, score: -0.5 }, status);
    expect(teacher.probabilities(status)).toEqual([0, 0, 0, 0, 1]);
  });

  it('tscl-naive trains one skill for a whole round of K steps', () => {
    const teacher = createTeacher({ name: 'tscl-naive', ...tscl, window: 4, slope: 'absolute' }, setting(3));
    const status = { step: 0, mastered: [] };
    const first = teacher.probabilities(status).indexOf(1);
    for (let k = 0; k < 3; k++) {
      teacher.observe({ skill: first, score: 0.1 * k }, status);
      expect(teacher.probabilities(status).indexOf(1)).toBe(first);
    }
    teacher.observe({ skill: first, score: 0.3 }, status);
    // Q(first) = 0.1·slope(0, .1, .2, .3) = 0.01: the next round goes to it unless ε explores.
    expect((teacher.save() as { q: number[] }).q[first]).toBeCloseTo(0.01, 12);
  });

  it('ε-greedy breaks ties at random; Boltzmann is a softmax of Q / τ', () => {
    const rng = new Rng(5);
    const picks = new Set(
      Array.from({ length: 40 }, () => epsilonGreedy([1, 0, 1], 0.3, rng).indexOf(0.7 + 0.1)),
    );
    expect(picks).toEqual(new Set([0, 2]));
    const p = boltzmann([0, Math.log(3)], 1);
    expect(p[0]).toBeCloseTo(0.25, 12);
    expect(p[1]).toBeCloseTo(0.75, 12);
  });

  it('Exp3.S: policy, weight update and reward rescaling as in Graves et al. 2017', () => {
    const w = [0.1, -0.2, 0.3];
    const pi = exp3sPolicy(w, 0.05);
    const soft = w.map((x) => Math.exp(x) / w.reduce((s, y) => s + Math.exp(y), 0));
    pi.forEach((p, i) => expect(p).toBeCloseTo(0.95 * soft[i] + 0.05 / 3, 12));
    const next = exp3sUpdate(w, 1, 0.5, pi, { eta: 0.2, alpha: 0.01 });
    const raised = w.map((x, i) => x + (i === 1 ? (0.2 * 0.5) / pi[1] : 0));
    raised.forEach((_, i) => {
      const others = raised.reduce((s, x, j) => (j === i ? s : s + Math.exp(x)), 0);
      expect(next[i]).toBeCloseTo(Math.log(0.99 * Math.exp(raised[i]) + (0.01 / 2) * others), 12);
    });
    const history = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(history, 0.2)).toBe(2);
    expect(rescaleProgress(1, history)).toBe(-1);
    expect(rescaleProgress(9, history)).toBe(1);
    expect(rescaleProgress(5, history)).toBeCloseTo(0, 12);
  });
});
