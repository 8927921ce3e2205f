// What a curriculum needs from a learner, whatever it is (an LSTM on character tasks, an MLP on
// MNIST streams, the scripted learner of the tests): train one step on a skill, say how each
// answer of that batch was graded before the update, and measure a skill on its validation set.

export interface TrainedStep {
  /** The training loss of the step (on the batch, before the update). */
  loss: number;
  /** Per instance of the batch: 1 when the learner's answer was right before it trained on it. */
  correct: Uint8Array;
  /** Loss on the same batch before the update minus after it, when it was asked for. */
  predictionGain?: number;
  /** Training examples the step used (the batch, plus replayed ones). */
  examples: number;
}

export interface SkillMeasurement {
  accuracy: number;
  loss: number;
}

export interface SkillLearner {
  trainStep(skill: number, options: { predictionGain: boolean }): TrainedStep;
  evaluate(skill: number): SkillMeasurement;
  /**
   * The curriculum's stage of `skill` ended (a sequential teacher moved on, or the skill was
   * mastered): where EWC takes its Fisher information and replay keeps the skill's examples.
   */
  endStage?(skill: number): void;
  /** State outside the graph (data cursors, RNG, buffers) as JSON. */
  saveState(): unknown;
  restoreState(state: unknown): void;
}
