// The manual curriculum: the roadmap in order with mastery gates, a review mix of the skills
// already passed, and a final uniform phase — Zaremba & Sutskever's (2014) "combined" strategy as
// TSCL's code runs it. The current skill is the first one in roadmap order not yet mastered; it
// gets 1 − review of the probability and the skills before it share `review`. Once every skill is
// mastered, or the last `finalUniform` fraction of the step budget has begun, every skill is
// drawn uniformly.
import { oneHot, uniformOver, type LearnerStatus, type Teacher, type TeacherSetting } from './teacher.ts';

export interface ManualOptions {
  review: number;
  finalUniform: number;
}

export function manualTeacher(setting: TeacherSetting, options: ManualOptions): Teacher {
  const n = setting.skills.length;
  const finalPhaseFrom = Math.floor((1 - options.finalUniform) * setting.budgetSteps);
  const current = (status: LearnerStatus): number => {
    if (status.step >= finalPhaseFrom && options.finalUniform > 0) return n;
    const k = status.mastered.findIndex((m) => !m);
    return k < 0 ? n : k;
  };
  return {
    needsPredictionGain: false,
    probabilities(status) {
      const k = current(status);
      if (k === n) return uniformOver(n);
      if (k === 0 || options.review === 0) return oneHot(n, k);
      const p = uniformOver(n, [...Array(k).keys()]).map((q) => q * options.review);
      p[k] = 1 - options.review;
      return p;
    },
    observe: () => undefined,
    stage: current,
    save: () => ({}),
    restore: () => undefined,
  };
}
