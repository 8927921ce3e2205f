// Replay for continual learning: a reservoir (Vitter's algorithm R) over every training example
// the learner has seen, so it holds a uniform sample of the whole stream so far whatever its
// capacity (Chaudhry et al. 2019's "tiny episodic memories"). Each step mixes a few of them into
// the batch: earlier skills keep being rehearsed after their stage ends.
import type { Rng } from '../../../../../engine/random/rng.ts';

export interface ReplayEntry {
  skill: number;
  row: number;
}

export class ReservoirBuffer {
  readonly capacity: number;
  private entries: ReplayEntry[] = [];
  private seen = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Offers the rows of `skill` just trained on: each is kept with probability capacity / seen. */
  add(skill: number, rows: ArrayLike<number>, rng: Rng): void {
    for (let i = 0; i < rows.length; i++) {
      this.seen++;
      if (this.entries.length < this.capacity) this.entries.push({ skill, row: rows[i] });
      else {
        const slot = rng.int(0, this.seen);
        if (slot < this.capacity) this.entries[slot] = { skill, row: rows[i] };
      }
    }
  }

  /** `count` entries drawn with replacement (none while empty). */
  sample(count: number, rng: Rng): ReplayEntry[] {
    if (this.entries.length === 0) return [];
    return Array.from({ length: count }, () => this.entries[rng.int(0, this.entries.length)]);
  }

  save(): { entries: number[]; seen: number } {
    return { entries: this.entries.flatMap((e) => [e.skill, e.row]), seen: this.seen };
  }

  restore(state: { entries: number[]; seen: number }): void {
    this.entries = [];
    for (let i = 0; i < state.entries.length; i += 2)
      this.entries.push({ skill: state.entries[i], row: state.entries[i + 1] });
    this.seen = state.seen;
  }
}
