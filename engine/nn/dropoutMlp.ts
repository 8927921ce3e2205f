// An MLP with dropout on its input and after every hidden layer — the regularised network of
// Hinton et al. 2012 that "Distilling the Knowledge in a Neural Network" uses as its MNIST mentor
// (784-1200-1200-10, dropout 0.2 on pixels and 0.5 on hidden units). Its parameters carry the
// same names as MLP's (`<name>.0.W`, `<name>.0.b`, …): the dropouts own no parameters, so a model
// trained with dropout loads into an MLP of the same sizes and the other way round.
import type { SharedVariable, Variable } from '../core/graph.ts';
import type { Rng } from '../random/rng.ts';
import { applyActivation, type Activation } from './activation.ts';
import { Dense } from './dense.ts';
import { Dropout } from './dropout.ts';
import { Module, type ModuleOptions, type ParamBinding } from './module.ts';

export interface DropoutMLPOptions extends ModuleOptions {
  rng: Rng;
  /** Hidden layers' activation (relu unless given). */
  activation?: Activation;
  /** Probability of dropping an input element (0: none). */
  inputDropout?: number;
  /** Probability of dropping a hidden unit, after each hidden layer (0: none). */
  dropout?: number;
}

export class DropoutMLP extends Module {
  readonly sizes: readonly number[];
  readonly activation: Activation;
  readonly layers: readonly Dense[];
  private readonly dropouts: readonly (Dropout | null)[];

  /** sizes = [in, hidden..., out]; the last layer gives logits. */
  constructor(sizes: readonly number[], options: DropoutMLPOptions) {
    super('mlp', options);
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
      throw new Error(
        `DropoutMLP: sizes must be at least [in, out] positive integers, got [${sizes.join(', ')}]`,
      );
    }
    this.sizes = Object.freeze([...sizes]);
    this.activation = options.activation ?? 'relu';
    const layers: Dense[] = [];
    for (let i = 0; i < sizes.length - 1; i++) {
      const name = this.childName(String(i));
      layers.push(
        this.addChild(
          String(i),
          new Dense(sizes[i], sizes[i + 1], { name, dtype: options.dtype, rng: options.rng }),
        ),
      );
    }
    this.layers = layers;
    // Dropout i acts on the input of dense layer i: the pixels for i = 0, hidden layer i − 1 after.
    this.dropouts = layers.map((_, i) => {
      const p = i === 0 ? (options.inputDropout ?? 0) : (options.dropout ?? 0);
      if (p === 0) return null;
      const local = `dropout${i}`;
      return this.addChild(local, new Dropout({ name: this.childName(local), p, rng: options.rng }));
    });
  }

  forward(x: Variable, binding?: ParamBinding): Variable {
    let h = x;
    this.layers.forEach((layer, i) => {
      const drop = this.dropouts[i];
      if (drop) h = drop.forward(h);
      const z = layer.forward(h, binding);
      h = i === this.layers.length - 1 ? z : applyActivation(this.activation, z);
    });
    return h;
  }

  /** The dropouts' step counters: state a checkpoint must keep for masks to continue exactly. */
  dropoutCounters(): SharedVariable[] {
    return this.dropouts.filter((d): d is Dropout => d !== null).map((d) => d.step);
  }
}
