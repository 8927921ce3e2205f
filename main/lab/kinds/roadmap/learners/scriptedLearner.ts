// A learner without a network, whose skills improve when trained by a known rule — so a
// teacher's choices can be checked in milliseconds, and a whole roadmap experiment can run end to
// end in tests. Skill i has mastery m_i ∈ [0, 1], starting at 0. A step on skill i raises it by
//     Δm_i = η · p_i² · (1 − m_i),  p_i = min over i's prerequisites of m_j (1 for a root)
// — a skill is learnable once what it builds on is — and every other skill decays slowly,
// m_j ← (1 − δ) m_j. Answers are right with probability m (noisy observations): a batch's score
// and a validation accuracy are binomial draws. The loss is 1 − m, so the prediction gain of a
// step is exactly its Δm.
import { Rng, type RngState } from '../../../../../engine/random/rng.ts';
import type { SkillLearner, SkillMeasurement, TrainedStep } from '../skillLearner.ts';

export interface ScriptedLearnerOptions {
  /** η: how fast a skill with mastered prerequisites is learned. */
  rate: number;
  /** δ: how much of every other skill is forgotten per step. */
  decay: number;
  /** Instances per training step. */
  batchSize: number;
  /** Instances per validation measurement. */
  evaluationExamples: number;
}

export class ScriptedLearner implements SkillLearner {
  mastery: number[];
  private rng: Rng;
  private readonly prerequisites: readonly (readonly number[])[];
  private readonly options: ScriptedLearnerOptions;

  constructor(prerequisites: readonly (readonly number[])[], options: ScriptedLearnerOptions, seed: number) {
    this.prerequisites = prerequisites;
    this.options = options;
    this.mastery = prerequisites.map(() => 0);
    this.rng = new Rng(seed, 23);
  }

  private readiness(skill: number): number {
    const before = this.prerequisites[skill].map((j) => this.mastery[j]);
    return before.length === 0 ? 1 : Math.min(...before);
  }

  private answers(m: number, count: number): Uint8Array {
    const correct = new Uint8Array(count);
    for (let i = 0; i < count; i++) correct[i] = this.rng.float() < m ? 1 : 0;
    return correct;
  }

  trainStep(skill: number): TrainedStep {
    const before = this.mastery[skill];
    const correct = this.answers(before, this.options.batchSize);
    const { rate, decay } = this.options;
    const gain = rate * this.readiness(skill) ** 2 * (1 - before);
    this.mastery = this.mastery.map((m, j) => (j === skill ? m + gain : m * (1 - decay)));
    return { loss: 1 - before, correct, predictionGain: gain, examples: this.options.batchSize };
  }

  evaluate(skill: number): SkillMeasurement {
    const n = this.options.evaluationExamples;
    const right = this.answers(this.mastery[skill], n).reduce((a, b) => a + b, 0);
    return { accuracy: right / n, loss: 1 - this.mastery[skill] };
  }

  saveState(): { mastery: number[]; rng: RngState } {
    return { mastery: [...this.mastery], rng: this.rng.state() };
  }

  restoreState(state: unknown): void {
    const saved = state as { mastery: number[]; rng: RngState };
    this.mastery = [...saved.mastery];
    this.rng = Rng.fromState(saved.rng);
  }
}
