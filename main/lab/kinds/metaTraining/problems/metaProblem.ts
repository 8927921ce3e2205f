// An optimizee problem family as learned optimizers see it (Andrychowicz et al. 2016 §3): a loss
// of a flat parameter vector θ, and a distribution of instances — each seed draws a fresh problem
// (new W and y, or a new θ0 and new minibatches). The same problem serves meta-training (a
// truncated unroll over `steps` optimizee steps: data for the losses at steps 0 … steps) and the
// optimizer-comparison runs that evaluate learned and handcrafted optimizers on it (one step at a
// time), so both see exactly the same losses.
import type { Variable } from '../../../../../engine/core/graph.ts';
import type { NDArray } from '../../../../../engine/core/ndarray.ts';

/** One tensor of θ (θ is these tensors' coordinates, concatenated in order). */
export interface ProblemSlot {
  name: string;
  shape: readonly number[];
  size: number;
}

export interface ProblemInstance {
  readonly seed: number;
  /** The starting point, flat [size], float32. */
  readonly theta0: NDArray;
  /** Values for `stepInputs(steps)`: the data of optimizee steps start … start + steps. */
  stepData(start: number, steps: number): NDArray[];
  /** Values for `evaluationInputs`: the fixed data the evaluation loss is measured on. */
  evaluationData(): NDArray[];
}

export interface MetaProblem {
  /** The problem's name (its trainer's name in an optimizer comparison). */
  readonly name: string;
  /** Coordinates of θ. */
  readonly size: number;
  readonly slots: readonly ProblemSlot[];
  /** Placeholders for the data of `steps` + 1 consecutive losses (t = 0 … steps). */
  stepInputs(steps: number): Variable[];
  /** The scalar loss at flat θ on step t of `data` (from stepInputs). */
  loss(data: readonly Variable[], theta: Variable, t: number): Variable;
  /** Placeholders for the evaluation data. */
  readonly evaluationInputs: readonly Variable[];
  /**
   * The loss the lab reports as val_loss: the optimizee's loss on a fixed evaluation sample of its
   * own training data (the exact loss for a quadratic), so curves are not minibatch noise.
   */
  evaluationLoss(data: readonly Variable[], theta: Variable): Variable;
  /** The instance a seed draws. */
  sample(seed: number): ProblemInstance;
}
