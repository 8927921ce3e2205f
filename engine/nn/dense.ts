// Dense (fully connected) layer: y = act(x·W + b) with W stored [in, out], so a batch of rows
// multiplies without a transpose. The default initialisation is PyTorch's Linear default,
// U(±1/√in) for W and b, so a model here and its PyTorch twin start from the same distribution.
import type { SharedVariable, Variable } from '../core/graph.ts';
import { dot } from '../ops/linalg.ts';
import { add } from '../ops/math.ts';
import type { Rng } from '../random/rng.ts';
import { applyActivation, type Activation } from './activation.ts';
import { torchDefault, type Initializer } from './init.ts';
import { Module, type ModuleOptions, type ParamBinding } from './module.ts';

export interface DenseOptions extends ModuleOptions {
  rng: Rng;
  activation?: Activation;
  /** false drops the bias (y = x·W). */
  bias?: boolean;
  weightInit?: Initializer;
  biasInit?: Initializer;
}

export class Dense extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly activation: Activation;
  readonly W: SharedVariable;
  readonly b: SharedVariable | null;

  constructor(inFeatures: number, outFeatures: number, options: DenseOptions) {
    super('dense', options);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.activation = options.activation ?? 'identity';
    const fallback = torchDefault(inFeatures);
    this.W = this.addParam('W', [inFeatures, outFeatures], options.weightInit ?? fallback, options.rng);
    this.b =
      options.bias === false
        ? null
        : this.addParam('b', [outFeatures], options.biasInit ?? fallback, options.rng);
  }

  forward(x: Variable, binding?: ParamBinding): Variable {
    const z = dot(x, this.use(this.W, binding));
    return applyActivation(this.activation, this.b ? add(z, this.use(this.b, binding)) : z);
  }
}
