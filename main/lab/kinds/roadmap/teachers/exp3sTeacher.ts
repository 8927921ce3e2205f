// Exp3.S on learning progress (Graves et al. 2017, "Automated Curriculum Learning for Neural
// Networks", Algorithm 1). Weights w start at 0; the policy is
//     π(i) = (1 − ε) · exp(w_i) / Σ_j exp(w_j) + ε / N.
// After skill k is drawn and trained, its learning progress ν (the prediction gain — the batch's
// loss before the update minus after it — or the change in its score) is rescaled to [−1, 1]
// by the 20th and 80th percentiles of the progress seen so far (the last `history` values):
// below q20 → −1, above q80 → 1, linear in between. The importance-weighted reward
// r̂_i = r/π(k) for i = k (0 otherwise) updates every weight, with α sharing weight between skills
// so the bandit can follow a non-stationary best arm (the "S" of Exp3.S):
//     w_i ← log[(1 − α) exp(w_i + η r̂_i) + α/(N − 1) Σ_{j≠i} exp(w_j + η r̂_j)].
import { savedState, type Observation, type Teacher, type TeacherSetting } from './teacher.ts';

export interface Exp3sOptions {
  /** η, the step size on rewards. */
  eta: number;
  /** ε, the uniform exploration mixed into the policy. */
  epsilon: number;
  /** α, the weight shared between skills each step. */
  alpha: number;
  /** What counts as progress: prediction gain (Graves's PG) or the change in the skill's score. */
  signal: 'prediction-gain' | 'score-gain';
  /** How many past progress values the percentiles are taken over. */
  history: number;
}

/** The q-quantile of sorted values (linear interpolation, as numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** ν rescaled to [−1, 1] by the 20th and 80th percentiles of `history` (which holds ν already). */
export function rescaleProgress(progress: number, history: readonly number[]): number {
  const sorted = [...history].sort((a, b) => a - b);
  const low = quantile(sorted, 0.2);
  const high = quantile(sorted, 0.8);
  if (progress <= low) return high > low ? -1 : 0;
  if (progress >= high) return 1;
  return (2 * (progress - low)) / (high - low) - 1;
}

export function exp3sPolicy(weights: readonly number[], epsilon: number): number[] {
  const best = Math.max(...weights);
  const e = weights.map((w) => Math.exp(w - best));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => ((1 - epsilon) * v) / total + epsilon / weights.length);
}

/** One Exp3.S weight update after skill k earned rescaled reward r under policy π. */
export function exp3sUpdate(
  weights: readonly number[],
  k: number,
  reward: number,
  policy: readonly number[],
  options: Pick<Exp3sOptions, 'eta' | 'alpha'>,
): number[] {
  const n = weights.length;
  const raised = weights.map((w, i) => w + (i === k ? (options.eta * reward) / policy[k] : 0));
  // Work relative to the largest value so exp() cannot overflow; the log adds it back.
  const top = Math.max(...raised);
  const e = raised.map((w) => Math.exp(w - top));
  const total = e.reduce((a, b) => a + b, 0);
  if (n === 1) return raised;
  return e.map((v) => top + Math.log((1 - options.alpha) * v + (options.alpha / (n - 1)) * (total - v)));
}

export function exp3sTeacher(setting: TeacherSetting, options: Exp3sOptions): Teacher {
  const n = setting.skills.length;
  let weights = new Array<number>(n).fill(0);
  let history: number[] = [];
  let previous = new Array<number>(n).fill(0);
  let lastPolicy: number[] = exp3sPolicy(weights, options.epsilon);
  return {
    needsPredictionGain: options.signal === 'prediction-gain',
    probabilities() {
      lastPolicy = exp3sPolicy(weights, options.epsilon);
      return lastPolicy;
    },
    observe({ skill, score, predictionGain }: Observation) {
      const progress = options.signal === 'prediction-gain' ? (predictionGain ?? 0) : score - previous[skill];
      previous[skill] = score;
      history.push(progress);
      if (history.length > options.history) history.shift();
      const reward = rescaleProgress(progress, history);
      weights = exp3sUpdate(weights, skill, reward, lastPolicy, options);
    },
    stage: () => null,
    save: () => ({ weights, history, previous, lastPolicy }),
    restore(state) {
      ({ weights, history, previous, lastPolicy } = savedState<{
        weights: number[];
        history: number[];
        previous: number[];
        lastPolicy: number[];
      }>(state, 'exp3s'));
    },
  };
}
