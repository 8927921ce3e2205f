// The L2L coordinatewise LSTM as a LearnedRule: nn.CoordinatewiseLSTM on the gradient alone
// (θ is not an input), its state the h and c of every layer, [n, hidden] each, in the order
// h₀, c₀, h₁, c₁, … The update is the network's output: θ ← θ + output.
import type { Variable } from '../core/graph.ts';
import type { Shape } from '../core/ndarray.ts';
import { CoordinatewiseLSTM } from '../nn/coordinatewise.ts';
import type { FloatDType } from '../nn/init.ts';
import type { LSTMState } from '../nn/lstm.ts';
import type { ParamBinding } from '../nn/module.ts';
import type { Rng } from '../random/rng.ts';
import type { LearnedRule, LearnedRuleInput, LearnedRuleStep, LSTMRuleConfig } from './learnedRule.ts';

export class LSTMRule implements LearnedRule {
  readonly config: LSTMRuleConfig;
  readonly module: CoordinatewiseLSTM;
  readonly dtype: FloatDType;

  constructor(config: LSTMRuleConfig, rng: Rng, dtype: FloatDType = 'float32') {
    for (const [key, value] of [
      ['hidden', config.hidden],
      ['layers', config.layers],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`LSTMRule: ${key} must be a positive integer, got ${value}`);
    }
    this.config = config;
    this.dtype = dtype;
    this.module = new CoordinatewiseLSTM({
      rng,
      dtype,
      hidden: config.hidden,
      layers: config.layers,
      outScale: config.outputScale,
      preprocessing: config.preprocessing,
    });
  }

  stateShapes(n: number): Shape[] {
    return Array.from({ length: 2 * this.config.layers }, () => [n, this.config.hidden]);
  }

  apply({ g, state }: LearnedRuleInput, binding?: ParamBinding): LearnedRuleStep {
    const expected = 2 * this.config.layers;
    if (state.length !== expected) {
      throw new Error(
        `LSTMRule.apply: expected ${expected} state tensors (h and c per layer), got ${state.length}`,
      );
    }
    const cells: LSTMState[] = [];
    for (let k = 0; k < this.config.layers; k++) cells.push({ h: state[2 * k], c: state[2 * k + 1] });
    const r = this.module.forward(g, cells, binding);
    return { update: r.step, state: r.state.flatMap((s): Variable[] => [s.h, s.c]) };
  }
}
