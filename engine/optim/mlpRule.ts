// A per-parameter MLP learned optimizer in the family of Metz et al.'s small_fc_lopt / MLPLOpt
// (learned_optimization): for every coordinate the features are
//   g, θ, and momenta m_k ← β_k·m_k + (1 − β_k)·g at several decays β_k,
// each normalised by its second moment over the tensor it belongs to (x / √(ε + mean x²)), then
// a step embedding tanh(t / τ − 1) for timescales τ, the same for every coordinate. An MLP
// (ReLU hidden layers) maps them to a direction d and a log-magnitude m:
//   θ ← θ − d · exp(m · expMultiplier) · stepMultiplier
// The small multipliers make a freshly initialised rule take tiny steps. The state is the
// momenta [n, K] and the step counter t (a scalar, counted from 0 as MLPLOpt counts).
import type { Variable } from '../core/graph.ts';
import type { Shape } from '../core/ndarray.ts';
import { expandDims } from '../ops/dimshuffle.ts';
import { concatenate, split } from '../ops/join.ts';
import { add, exp, mul, rsqrt, sqr, sub, tanh } from '../ops/math.ts';
import { mean } from '../ops/reduce.ts';
import { zerosLike } from '../ops/shapeOps.ts';
import { subtensor } from '../ops/subtensor.ts';
import { constant } from '../tensor.ts';
import type { FloatDType } from '../nn/init.ts';
import type { ParamBinding } from '../nn/module.ts';
import { MLP } from '../nn/sequential.ts';
import { NDArray } from '../core/ndarray.ts';
import type { Rng } from '../random/rng.ts';
import type { LearnedRule, LearnedRuleInput, LearnedRuleStep, MLPRuleConfig } from './learnedRule.ts';

/** ε of the second-moment normalisation (MLPLOpt's 1e-5). */
const normalisationEpsilon = 1e-5;

/** Features per coordinate: g, θ, one momentum per decay, one embedding per timescale. */
export function mlpRuleFeatures(config: Pick<MLPRuleConfig, 'decays' | 'timescales'>): number {
  return 2 + config.decays.length + config.timescales.length;
}

/** Rows of x scaled column by column by 1/√(ε + mean of squares) over each group of rows. */
export function secondMomentNormalise(x: Variable, groups: readonly number[]): Variable {
  const normalise = (rows: Variable) => mul(rows, rsqrt(add(mean(sqr(rows), 0, true), normalisationEpsilon)));
  if (groups.length <= 1) return normalise(x);
  return concatenate(split(x, groups, 0).map(normalise), 0);
}

export class MLPRule implements LearnedRule {
  readonly config: MLPRuleConfig;
  readonly module: MLP;
  readonly dtype: FloatDType;

  constructor(config: MLPRuleConfig, rng: Rng, dtype: FloatDType = 'float32') {
    if (!Number.isInteger(config.hidden) || config.hidden < 1)
      throw new Error(`MLPRule: hidden must be a positive integer, got ${config.hidden}`);
    if (!Number.isInteger(config.hiddenLayers) || config.hiddenLayers < 0)
      throw new Error(`MLPRule: hiddenLayers must be a non-negative integer, got ${config.hiddenLayers}`);
    if (config.decays.some((d) => !(d >= 0 && d < 1)))
      throw new Error(`MLPRule: every decay must be in [0, 1), got ${config.decays.join(', ')}`);
    if (config.timescales.some((t) => !(t > 0)))
      throw new Error(`MLPRule: every timescale must be > 0, got ${config.timescales.join(', ')}`);
    this.config = config;
    this.dtype = dtype;
    const sizes = [mlpRuleFeatures(config), ...Array<number>(config.hiddenLayers).fill(config.hidden), 2];
    this.module = new MLP(sizes, { rng, dtype, activation: 'relu', name: 'mlpopt' });
  }

  stateShapes(n: number): Shape[] {
    return [[n, this.config.decays.length], []];
  }

  apply({ g, theta, state, groups }: LearnedRuleInput, binding?: ParamBinding): LearnedRuleStep {
    if (state.length !== 2)
      throw new Error(`MLPRule.apply: expected 2 state tensors (momenta, step), got ${state.length}`);
    const [momenta, t] = state;
    const { decays, timescales, stepMultiplier, expMultiplier } = this.config;
    const beta = constant(NDArray.from(decays, [decays.length], this.dtype));
    const column = expandDims(g, 1);
    const nextMomenta = add(mul(momenta, beta), mul(column, sub(1, beta)));
    const perCoordinate = secondMomentNormalise(
      concatenate([column, expandDims(theta, 1), nextMomenta], 1),
      groups,
    );
    const inverseScales = constant(
      NDArray.from(
        timescales.map((s) => 1 / s),
        [timescales.length],
        this.dtype,
      ),
    );
    const embedding = tanh(sub(mul(t, inverseScales), 1));
    const broadcast = add(zerosLike(subtensor(perCoordinate, null, [0, 1])), expandDims(embedding, 0));
    const out = this.module.forward(concatenate([perCoordinate, broadcast], 1), binding);
    const direction = subtensor(out, null, 0);
    const magnitude = subtensor(out, null, 1);
    const step = mul(mul(direction, exp(mul(magnitude, expMultiplier))), stepMultiplier);
    return { update: mul(step, -1), state: [nextMomenta, add(t, 1)] };
  }
}
