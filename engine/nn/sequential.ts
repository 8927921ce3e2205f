// Sequential containers: a chain of layers applied in order, and the MLP built from sizes.
// Children are named by position (`mlp.0`, `mlp.1`), so an MLP 784-20-10 has parameters
// mlp.0.W, mlp.0.b, mlp.1.W, mlp.1.b in that order — also the order of its flat vector.
import type { Variable } from '../core/graph.ts';
import type { Rng } from '../random/rng.ts';
import type { Activation } from './activation.ts';
import { Dense } from './dense.ts';
import type { Initializer } from './init.ts';
import { Module, type ModuleOptions, type ParamBinding } from './module.ts';

/** A module that maps one tensor to one tensor. */
export interface Layer extends Module {
  forward(x: Variable, binding?: ParamBinding): Variable;
}

export class Sequential extends Module {
  readonly layers: readonly Layer[];

  /** `build(childName, index)` makes each layer with the name it must carry. */
  constructor(count: number, build: (name: string, index: number) => Layer, options: ModuleOptions = {}) {
    super('seq', options);
    const layers: Layer[] = [];
    for (let i = 0; i < count; i++)
      layers.push(this.addChild(String(i), build(this.childName(String(i)), i)));
    this.layers = layers;
  }

  forward(x: Variable, binding?: ParamBinding): Variable {
    return this.layers.reduce((h, layer) => layer.forward(h, binding), x);
  }
}

export interface MLPOptions extends ModuleOptions {
  rng: Rng;
  /** Hidden layers' activation (sigmoid as in the learning-to-learn MNIST task). */
  activation?: Activation;
  /** The last layer's activation; identity gives logits for crossEntropy. */
  outputActivation?: Activation;
  weightInit?: Initializer;
  biasInit?: Initializer;
}

export class MLP extends Sequential {
  readonly sizes: readonly number[];

  /** sizes = [in, hidden..., out]: MLP([784, 20, 10], {rng}) */
  constructor(sizes: readonly number[], options: MLPOptions) {
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
      throw new Error(`MLP: sizes must be at least [in, out] positive integers, got [${sizes.join(', ')}]`);
    }
    const last = sizes.length - 2;
    super(
      sizes.length - 1,
      (name, i) =>
        new Dense(sizes[i], sizes[i + 1], {
          name,
          dtype: options.dtype,
          rng: options.rng,
          activation:
            i === last ? (options.outputActivation ?? 'identity') : (options.activation ?? 'sigmoid'),
          weightInit: options.weightInit,
          biasInit: options.biasInit,
        }),
      { name: options.name ?? 'mlp', dtype: options.dtype },
    );
    this.sizes = Object.freeze([...sizes]);
  }
}
