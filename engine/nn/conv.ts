// 2-d convolution layer: y = act(conv2d(x, W) + b) over NCHW images, W stored [out, in/groups,
// kh, kw] — PyTorch's Conv2d layout and semantics (cross-correlation), which is also ONNX's, so
// a model's weights go to and from PyTorch and ONNX unchanged (Keras's HWIO and Theano's flipped
// kernels: engine/io/frameworks.ts). Default initialisation is PyTorch's Conv2d default,
// U(±1/√fanIn) with fanIn = in/groups · kh · kw for both tensors.
import type { SharedVariable, Variable } from '../core/graph.ts';
import { conv2d, conv2dParams, type Conv2dParams, type Pair } from '../ops/conv.ts';
import { dimshuffle } from '../ops/dimshuffle.ts';
import { add } from '../ops/math.ts';
import type { Rng } from '../random/rng.ts';
import { applyActivation, type Activation } from './activation.ts';
import { torchDefault, type Initializer } from './init.ts';
import { Module, type ModuleOptions, type ParamBinding } from './module.ts';

export interface Conv2dLayerOptions extends ModuleOptions {
  rng: Rng;
  stride?: number | Pair;
  padding?: number | Pair;
  dilation?: number | Pair;
  groups?: number;
  activation?: Activation;
  /** false drops the bias. */
  bias?: boolean;
  weightInit?: Initializer;
  biasInit?: Initializer;
}

export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: Pair;
  readonly params: Conv2dParams;
  readonly activation: Activation;
  readonly W: SharedVariable;
  readonly b: SharedVariable | null;

  constructor(inChannels: number, outChannels: number, kernel: number | Pair, options: Conv2dLayerOptions) {
    super('conv', options);
    const k: Pair = typeof kernel === 'number' ? [kernel, kernel] : kernel;
    this.params = conv2dParams(`Conv2d ${this.name}`, options);
    const { groups } = this.params;
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(
        `Conv2d ${this.name}: ${inChannels} input and ${outChannels} output channels must both be divisible by groups ${groups}`,
      );
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernel = k;
    this.activation = options.activation ?? 'identity';
    const fallback = torchDefault((inChannels / groups) * k[0] * k[1]);
    this.W = this.addParam(
      'W',
      [outChannels, inChannels / groups, k[0], k[1]],
      options.weightInit ?? fallback,
      options.rng,
    );
    this.b =
      options.bias === false
        ? null
        : this.addParam('b', [outChannels], options.biasInit ?? fallback, options.rng);
  }

  forward(x: Variable, binding?: ParamBinding): Variable {
    const y = conv2d(x, this.use(this.W, binding), this.params);
    return applyActivation(
      this.activation,
      this.b ? add(y, dimshuffle(this.use(this.b, binding), 'x', 0, 'x', 'x')) : y,
    );
  }
}
