// The four Teacher-Student Curriculum Learning teachers of Matiisen et al. 2017, each the
// paper's algorithm with one skill drawn per learner step and the score x of the drawn skill
// observed after it (its batch's accuracy before the update). They estimate the slope of each
// skill's learning curve and prefer the steepest — by |slope| when `slope: absolute`, which also
// sends the learner back to skills it is forgetting:
//   online    Q(a) ← α (x − x_prev(a)) + (1 − α) Q(a)                                (Alg. 1)
//   naive     a is trained K steps in a row; Q(a) ← α slope(those K scores) + (1 − α) Q(a) (Alg. 2)
//   window    Q(a) = slope of a's last K scores against the steps they were taken at  (Alg. 3)
//   sampling  the last K changes x − x_prev(a) of each skill are kept; one is drawn from each,
//             and the largest wins (a Thompson-sampling flavour; an empty buffer wins first) (Alg. 4)
// Online, naive and window choose through ε-greedy or Boltzmann (policies.ts); sampling mixes ε
// of uniform exploration into its choice, as the reference code does.
import { Rng, type RngState } from '../../../../../engine/random/rng.ts';
import { applyPolicy, slope, type PolicySpec } from './policies.ts';
import {
  savedState,
  type LearnerStatus,
  type Observation,
  type Teacher,
  type TeacherSetting,
} from './teacher.ts';

export interface TsclOptions extends PolicySpec {
  /** α, the learning rate of the Q estimates (online, naive). */
  lr: number;
  /** K: steps per naive round, scores per window, changes per sampling buffer. */
  window: number;
  slope: 'signed' | 'absolute';
}

const magnitude = (options: TsclOptions) => (q: number) => (options.slope === 'absolute' ? Math.abs(q) : q);

export function tsclOnlineTeacher(setting: TeacherSetting, options: TsclOptions): Teacher {
  const n = setting.skills.length;
  let q = new Array<number>(n).fill(0);
  let previous = new Array<number>(n).fill(0);
  let rng = setting.rng;
  return {
    needsPredictionGain: false,
    probabilities: () => applyPolicy(q.map(magnitude(options)), options, rng),
    observe({ skill, score }) {
      q[skill] += options.lr * (score - previous[skill] - q[skill]);
      previous[skill] = score;
    },
    stage: () => null,
    save: () => ({ q, previous, rng: rng.state() }),
    restore(state) {
      const saved = savedState<{ q: number[]; previous: number[]; rng: RngState }>(state, 'tscl-online');
      ({ q, previous } = saved);
      rng = Rng.fromState(saved.rng);
    },
  };
}

export function tsclNaiveTeacher(setting: TeacherSetting, options: TsclOptions): Teacher {
  const n = setting.skills.length;
  let q = new Array<number>(n).fill(0);
  // The skill of the current round and the scores it has had in it.
  let round: { skill: number; scores: number[] } | null = null;
  let rng = setting.rng;
  return {
    needsPredictionGain: false,
    probabilities() {
      if (!round) {
        const p = applyPolicy(q.map(magnitude(options)), options, rng);
        round = { skill: drawFrom(p, rng.float()), scores: [] };
      }
      const skill = round.skill;
      return q.map((_, i) => (i === skill ? 1 : 0));
    },
    observe({ skill, score }) {
      if (!round || round.skill !== skill) return;
      round.scores.push(score);
      if (round.scores.length >= options.window) {
        const s = slope([...round.scores.keys()], round.scores);
        q[skill] += options.lr * (s - q[skill]);
        round = null;
      }
    },
    stage: () => null,
    save: () => ({ q, round, rng: rng.state() }),
    restore(state) {
      const saved = savedState<{ q: number[]; round: typeof round; rng: RngState }>(state, 'tscl-naive');
      ({ q, round } = saved);
      rng = Rng.fromState(saved.rng);
    },
  };
}

/**
 * The naive teacher commits to one skill for a round: it draws that skill itself from the policy
 * and reports one-hot on it for the whole round, so the loop's own draw lands on it.
 */
function drawFrom(p: readonly number[], u: number): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    total += p[i];
    if (u < total) return i;
  }
  return p.length - 1;
}

export function tsclWindowTeacher(setting: TeacherSetting, options: TsclOptions): Teacher {
  const n = setting.skills.length;
  let scores: number[][] = Array.from({ length: n }, () => []);
  let steps: number[][] = Array.from({ length: n }, () => []);
  let rng = setting.rng;
  return {
    needsPredictionGain: false,
    probabilities() {
      // A skill with fewer than two scores has no slope yet: 1, so it is tried (reference code).
      const q = scores.map((s, i) => (s.length > 1 ? slope(steps[i], s) : 1));
      return applyPolicy(q.map(magnitude(options)), options, rng);
    },
    observe({ skill, score }, status: LearnerStatus) {
      scores[skill].push(score);
      steps[skill].push(status.step);
      if (scores[skill].length > options.window) {
        scores[skill].shift();
        steps[skill].shift();
      }
    },
    stage: () => null,
    save: () => ({ scores, steps, rng: rng.state() }),
    restore(state) {
      const saved = savedState<{ scores: number[][]; steps: number[][]; rng: RngState }>(
        state,
        'tscl-window',
      );
      ({ scores, steps } = saved);
      rng = Rng.fromState(saved.rng);
    },
  };
}

export function tsclSamplingTeacher(setting: TeacherSetting, options: TsclOptions): Teacher {
  const n = setting.skills.length;
  let changes: number[][] = Array.from({ length: n }, () => []);
  let previous = new Array<number>(n).fill(0);
  let rng = setting.rng;
  return {
    needsPredictionGain: false,
    probabilities() {
      const drawn = changes.map((c) => (c.length === 0 ? 1 : c[rng.int(0, c.length)]));
      const value = drawn.map(magnitude(options));
      const best = Math.max(...value);
      const ties = value.flatMap((v, i) => (v === best ? [i] : []));
      const chosen = ties[ties.length === 1 ? 0 : rng.int(0, ties.length)];
      return value.map((_, i) => (i === chosen ? 1 - options.epsilon : 0) + options.epsilon / n);
    },
    observe({ skill, score }: Observation) {
      changes[skill].push(score - previous[skill]);
      if (changes[skill].length > options.window) changes[skill].shift();
      previous[skill] = score;
    },
    stage: () => null,
    save: () => ({ changes, previous, rng: rng.state() }),
    restore(state) {
      const saved = savedState<{ changes: number[][]; previous: number[]; rng: RngState }>(
        state,
        'tscl-sampling',
      );
      ({ changes, previous } = saved);
      rng = Rng.fromState(saved.rng);
    },
  };
}
