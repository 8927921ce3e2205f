// The one interface every teacher implements, from "uniform" to Exp3.S. A teacher sees the
// roadmap (skills in roadmap order with their prerequisites), chooses a distribution over skills
// before every learner step, and is told afterwards how the learner did on the skill that was
// drawn: the batch's score before the update (what the learner could already do) and, for
// teachers that ask for it, the prediction gain (the batch's loss before the update minus after,
// Graves et al. 2017). Teachers never see a network: the same code teaches an LSTM and the
// scripted learner the tests use.
import type { Rng } from '../../../../../engine/random/rng.ts';

export interface TeacherSkill {
  id: string;
  /** Indices (in roadmap order) of the skills this one builds on. */
  prerequisites: readonly number[];
}

/** What a teacher is built from. */
export interface TeacherSetting {
  /** Skills in roadmap order: every prerequisite comes before the skills that need it. */
  skills: readonly TeacherSkill[];
  /** The run's step budget (a manual teacher reserves its end for its uniform phase). */
  budgetSteps: number;
  /** The teacher's own random stream (ties, exploration, Thompson samples). */
  rng: Rng;
}

/** Where the learner stands, as every teacher may read it before choosing. */
export interface LearnerStatus {
  /** Learner steps done so far. */
  step: number;
  /** Which skills have met their mastery criterion (once met, stays met). */
  mastered: readonly boolean[];
}

export interface Observation {
  skill: number;
  /** Fraction of the batch answered right before the learner trained on it, in [0, 1]. */
  score: number;
  /** Loss on the batch before the update minus after it; present when the teacher asked for it. */
  predictionGain?: number;
}

export interface Teacher {
  /** Whether the learner must measure the prediction gain (an extra forward pass per step). */
  readonly needsPredictionGain: boolean;
  /** The distribution to draw the next skill from. Called exactly once per step (it may draw randomness). */
  probabilities(status: LearnerStatus): number[];
  /** What happened on the skill that was drawn. */
  observe(observation: Observation, status: LearnerStatus): void;
  /**
   * A teacher that works through the roadmap in stages (manual, sequential) names the skill of the
   * current stage (skills.length once past the last); null for teachers without stages. Stage ends
   * are where the accuracy matrix R takes its rows.
   */
  stage(status: LearnerStatus): number | null;
  /** Everything needed to continue exactly: plain JSON. */
  save(): unknown;
  restore(state: unknown): void;
}

/** Draws an index from `p` (non-negative, summing to 1 up to rounding). */
export function drawSkill(p: readonly number[], rng: Rng): number {
  const u = rng.float();
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    total += p[i];
    if (u < total) return i;
  }
  // Rounding left u just above the sum: the last skill with any probability.
  for (let i = p.length - 1; i >= 0; i--) if (p[i] > 0) return i;
  throw new Error('drawSkill: every probability is 0');
}

export function oneHot(n: number, index: number): number[] {
  return Array.from({ length: n }, (_, i) => (i === index ? 1 : 0));
}

export function uniformOver(n: number, indices: readonly number[] = [...Array(n).keys()]): number[] {
  const p = new Array<number>(n).fill(0);
  for (const i of indices) p[i] = 1 / indices.length;
  return p;
}

/** A saved teacher's state as the record it must be; throws naming the teacher if it is not. */
export function savedState<T extends object>(state: unknown, teacher: string): T {
  if (typeof state !== 'object' || state === null)
    throw new Error(
      `the checkpoint holds no state for the ${teacher} teacher: was it written by another teacher?`,
    );
  return state as T;
}
