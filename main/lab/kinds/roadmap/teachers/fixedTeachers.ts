// Teachers that do not learn from what they observe: uniform over every skill, only the last
// skills of the roadmap (TSCL's "last task only" baseline: its sinks, the skills nothing builds
// on), a single named skill (what a skill costs learned alone, for transfer), and a sequential
// schedule of a fixed number of steps per skill in roadmap order (the continual-learning stream
// of Lopez-Paz & Ranzato 2017, where the R matrix takes a row at the end of every stage).
import { oneHot, uniformOver, type LearnerStatus, type Teacher, type TeacherSetting } from './teacher.ts';

const stateless = {
  needsPredictionGain: false,
  observe: () => undefined,
  save: () => ({}),
  restore: () => undefined,
} as const;

export function uniformTeacher(setting: TeacherSetting): Teacher {
  const p = uniformOver(setting.skills.length);
  return { ...stateless, probabilities: () => p, stage: () => null };
}

/** Skills no other skill lists as a prerequisite, in roadmap order. */
export function sinkSkills(setting: Pick<TeacherSetting, 'skills'>): number[] {
  const needed = new Set(setting.skills.flatMap((s) => s.prerequisites));
  return setting.skills.flatMap((_, i) => (needed.has(i) ? [] : [i]));
}

export function lastTaskOnlyTeacher(setting: TeacherSetting): Teacher {
  const p = uniformOver(setting.skills.length, sinkSkills(setting));
  return { ...stateless, probabilities: () => p, stage: () => null };
}

export function singleSkillTeacher(setting: TeacherSetting, skill: number): Teacher {
  const p = oneHot(setting.skills.length, skill);
  return { ...stateless, probabilities: () => p, stage: () => null };
}

export function sequentialTeacher(setting: TeacherSetting, stepsPerSkill: number): Teacher {
  const n = setting.skills.length;
  // Step s (0-based, the one about to run) belongs to stage ⌊s / stepsPerSkill⌋; after the last
  // stage the schedule stays on the last skill.
  const stageAt = (status: LearnerStatus) => Math.min(n - 1, Math.floor(status.step / stepsPerSkill));
  return {
    ...stateless,
    probabilities: (status) => oneHot(n, stageAt(status)),
    stage: (status) => (status.step >= n * stepsPerSkill ? n : stageAt(status)),
  };
}
