// When a skill counts as mastered, judged on the learner's graded answers to that skill's
// instances as they come (each scored before the learner trains on it, as GoodAI's Round 1 scores
// every answer): accuracy ≥ x over the last n answers, or k right in a row ("10 in a row").
// `value` is what the app charts as mastery/<skill>: the windowed accuracy, or the current run of
// right answers divided by k (capped at 1).

export type MasteryCriterion = { accuracy: number; window: number } | { inARow: number };

export interface MasteryState {
  /** The window's answers, oldest first, as '1' and '0'. */
  recent: string;
  run: number;
}

export class MasteryTracker {
  readonly criterion: MasteryCriterion;
  private recent: number[] = [];
  private run = 0;

  constructor(criterion: MasteryCriterion) {
    this.criterion = criterion;
  }

  /** Adds answers in the order they were given (true or 1: right). */
  record(correct: ArrayLike<number | boolean>): void {
    const window = 'window' in this.criterion ? this.criterion.window : 0;
    for (let i = 0; i < correct.length; i++) {
      const right = correct[i] ? 1 : 0;
      this.run = right ? this.run + 1 : 0;
      if (window > 0) {
        this.recent.push(right);
        if (this.recent.length > window) this.recent.shift();
      }
    }
  }

  value(): number {
    if ('inARow' in this.criterion) return Math.min(1, this.run / this.criterion.inARow);
    if (this.recent.length === 0) return 0;
    return this.recent.reduce((a, b) => a + b, 0) / this.recent.length;
  }

  met(): boolean {
    if ('inARow' in this.criterion) return this.run >= this.criterion.inARow;
    return this.recent.length >= this.criterion.window && this.value() >= this.criterion.accuracy;
  }

  save(): MasteryState {
    return { recent: this.recent.join(''), run: this.run };
  }

  restore(state: MasteryState): void {
    this.recent = Array.from(state.recent, (c) => (c === '1' ? 1 : 0));
    this.run = state.run;
  }
}

/** "accuracy ≥ 0.99 over 100", "10 in a row". */
export function describeMastery(criterion: MasteryCriterion): string {
  return 'inARow' in criterion
    ? `${criterion.inARow} in a row`
    : `accuracy ≥ ${criterion.accuracy} over ${criterion.window}`;
}
