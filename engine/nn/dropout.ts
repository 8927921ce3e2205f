// Dropout (inverted, as PyTorch's): in training each element is zeroed with probability p and the
// survivors scaled by 1/(1-p), so evaluation is the identity. The mask comes from the engine's
// seeded Philox random op, offset by a step counter this module owns, so every training step
// draws a fresh mask yet a run is reproducible from its seed on every backend. The counter
// advances through `stateUpdates()`, which the training step passes to T.fn with the optimizer's
// updates.
import type { Update } from '../compile/fn.ts';
import type { SharedVariable, Variable } from '../core/graph.ts';
import { NDArray } from '../core/ndarray.ts';
import { add, mul } from '../ops/math.ts';
import { bernoulliDraw } from '../ops/random.ts';
import type { Rng } from '../random/rng.ts';
import { shared } from '../tensor.ts';
import { Module, type ModuleOptions } from './module.ts';

export interface DropoutOptions extends ModuleOptions {
  /** Probability of zeroing an element (0.5 as in PyTorch unless given). */
  p?: number;
  /** Where the mask's seed comes from, so masks follow the model's seed. */
  rng: Rng;
}

export class Dropout extends Module {
  readonly p: number;
  readonly seed: number;
  /** Training steps taken so far: the random draw's offset. */
  readonly step: SharedVariable;

  constructor(options: DropoutOptions) {
    super('dropout', options);
    this.p = options.p ?? 0.5;
    if (!(this.p >= 0 && this.p < 1))
      throw new Error(`Dropout ${this.name}: p must be in [0, 1), got ${this.p}`);
    this.seed = options.rng.int(0, 2 ** 31);
    this.step = shared(NDArray.scalar(0, 'int32'), `${this.name}.step`);
  }

  forward(x: Variable): Variable {
    if (!this.training || this.p === 0) return x;
    const shape = x.staticShape;
    if (shape.some((d) => d === null)) {
      throw new Error(
        `Dropout ${this.name}: the input ${x.type.toString()} needs a static shape to draw its mask; ` +
          'declare the batch size, e.g. T.matrix("x", "float32", [128, 784])',
      );
    }
    const keep = bernoulliDraw(shape as number[], {
      seed: this.seed,
      p: 1 - this.p,
      dtype: x.dtype,
      offset: this.step,
    });
    return mul(x, mul(keep, 1 / (1 - this.p)));
  }

  /** Advance the mask counter once per training step. */
  override stateUpdates(): Update[] {
    return this.training && this.p !== 0
      ? [[this.step, add(this.step, 1)], ...super.stateUpdates()]
      : super.stateUpdates();
  }
}
