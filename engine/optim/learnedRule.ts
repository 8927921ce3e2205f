// A learned update rule: a network with its own weights that turns an optimizee's gradient (and,
// for some rules, its parameters and running statistics) into an update of every coordinate. The
// same rule is used three ways: unrolled over a flat θ while it is meta-trained
// (truncatedUnroll.ts), evaluated with weights bound to other values (evolution strategies), and
// frozen as an ordinary Optimizer (frozenLearnedOptimizer.ts). Its state — LSTM cells, momenta,
// a step counter — is a list of tensors that all start at zero, so a truncated unroll can carry
// it from one unroll to the next as plain values.
import type { Variable } from '../core/graph.ts';
import type { Shape } from '../core/ndarray.ts';
import type { FloatDType } from '../nn/init.ts';
import type { GradientPreprocessing } from '../nn/gradientPreprocessing.ts';
import type { Module, ParamBinding } from '../nn/module.ts';

/** The L2L coordinatewise LSTM (Andrychowicz et al. 2016): θ ← θ + scale · Linear(LSTM(pre(g))). */
export interface LSTMRuleConfig {
  kind: 'lstm';
  hidden: number;
  layers: number;
  preprocessing: GradientPreprocessing;
  outputScale: number;
}

/**
 * A per-parameter MLP (Metz et al.'s small_fc_lopt family): features g, θ and momenta at several
 * decays, each normalised by its second moment over the tensor, plus a step embedding; two
 * outputs d, m give θ ← θ − d · exp(m · expMultiplier) · stepMultiplier.
 */
export interface MLPRuleConfig {
  kind: 'mlp';
  hidden: number;
  hiddenLayers: number;
  decays: number[];
  timescales: number[];
  stepMultiplier: number;
  expMultiplier: number;
}

export type LearnedRuleConfig = LSTMRuleConfig | MLPRuleConfig;

export interface LearnedRuleInput {
  /** The optimizee's gradient, flat [n]. */
  g: Variable;
  /** The optimizee's parameters, flat [n]. */
  theta: Variable;
  /** The rule's state, shaped as stateShapes(n) says. */
  state: readonly Variable[];
  /**
   * Sizes of the consecutive tensors θ is made of (summing to n): rules with per-tensor
   * features (second-moment normalisation) compute them tensor by tensor.
   */
  groups: readonly number[];
}

export interface LearnedRuleStep {
  /** What is added to θ, flat [n]. */
  update: Variable;
  state: Variable[];
}

export interface LearnedRule {
  readonly config: LearnedRuleConfig;
  /** The weights meta-training learns. */
  readonly module: Module;
  readonly dtype: FloatDType;
  /** Shapes of the state tensors for n coordinates; every one starts at zero. */
  stateShapes(n: number): Shape[];
  /** One step. `binding` evaluates the rule with other weights (a perturbation, a flat vector). */
  apply(input: LearnedRuleInput, binding?: ParamBinding): LearnedRuleStep;
}

/** A one-line description for tables and errors: `lstm 2×20, log-sign p=10, ×0.1`. */
export function describeLearnedRule(config: LearnedRuleConfig): string {
  if (config.kind === 'lstm') {
    const pre = config.preprocessing;
    const preText =
      pre.kind === 'log-sign'
        ? `log-sign p=${pre.p}`
        : pre.kind === 'log-sign-clamped'
          ? `log-sign-clamped k=${pre.k}`
          : 'no preprocessing';
    return `lstm ${config.layers}×${config.hidden}, ${preText}, ×${config.outputScale}`;
  }
  return `mlp ${config.hiddenLayers}×${config.hidden}, decays ${config.decays.join('/')}, step ×${config.stepMultiplier}`;
}
