// The coordinatewise LSTM optimizer of Andrychowicz et al. 2016 ("Learning to learn by gradient
// descent by gradient descent"): every coordinate of the optimizee's flat parameter vector is one
// row of the batch, all rows share the weights. Same network as torch_ref.py's CoordLSTM:
// preprocessed gradient (2 features) → stacked LSTM cells (2 × 20) → Linear(20, 1) → × 0.1.
import type { Variable } from '../core/graph.ts';
import { squeeze } from '../ops/dimshuffle.ts';
import { mul } from '../ops/math.ts';
import type { Rng } from '../random/rng.ts';
import { Dense } from './dense.ts';
import {
  applyGradientPreprocessing,
  preprocessedFeatures,
  type GradientPreprocessing,
} from './gradientPreprocessing.ts';
import { LSTM, type LSTMState } from './lstm.ts';
import { Module, type ModuleOptions, type ParamBinding } from './module.ts';

export interface CoordinatewiseLSTMOptions extends ModuleOptions {
  rng: Rng;
  hidden?: number;
  layers?: number;
  /** Multiplies the output so initial steps are small (0.1 in the paper's code). */
  outScale?: number;
  /** The p of the paper's log/sign preprocessing; null feeds the raw gradient as one feature. */
  preprocessP?: number | null;
  /** The preprocessing in full (the paper's, deepmind's clamped LogAndSign, or none); wins over preprocessP. */
  preprocessing?: GradientPreprocessing;
}

export interface CoordinatewiseStep {
  /** The proposed update of every coordinate, shape [n]. */
  step: Variable;
  state: LSTMState[];
}

export class CoordinatewiseLSTM extends Module {
  readonly hidden: number;
  readonly outScale: number;
  readonly preprocessing: GradientPreprocessing;
  readonly lstm: LSTM;
  readonly out: Dense;

  constructor(options: CoordinatewiseLSTMOptions) {
    super('coordlstm', options);
    this.hidden = options.hidden ?? 20;
    this.outScale = options.outScale ?? 0.1;
    const p = options.preprocessP === undefined ? 10 : options.preprocessP;
    this.preprocessing = options.preprocessing ?? (p === null ? { kind: 'none' } : { kind: 'log-sign', p });
    const inputs = preprocessedFeatures(this.preprocessing);
    const common = { dtype: this.dtype, rng: options.rng };
    this.lstm = this.addChild(
      'lstm',
      new LSTM(inputs, this.hidden, { ...common, layers: options.layers ?? 2, name: this.childName('lstm') }),
    );
    this.out = this.addChild('out', new Dense(this.hidden, 1, { ...common, name: this.childName('out') }));
  }

  /**
   * One optimizer step for a gradient vector g of n coordinates. `state` null starts from zeros
   * (rows = coordinates, so the state is n × hidden per layer).
   */
  forward(g: Variable, state: readonly LSTMState[] | null, binding?: ParamBinding): CoordinatewiseStep {
    const x = applyGradientPreprocessing(g, this.preprocessing);
    const r = this.lstm.step(x, state, binding);
    const y = squeeze(this.out.forward(r.h, binding), 1);
    return { step: this.outScale === 1 ? y : mul(y, this.outScale), state: r.state };
  }
}
