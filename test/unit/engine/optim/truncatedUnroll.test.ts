// Truncated unrolls of the learned update rules (the L2L LSTM with each gradient preprocessing,
// the per-parameter MLP) over a batch of quadratics, two unrolls in a row with θ and the rule's
// state carried across, against an independent PyTorch float64 implementation written from the
// rules' definitions: meta-loss, meta-gradient of every weight, θ and state after each unroll.
// First-order (the gradient behind stopGradient) and second-order alike.
import { beforeAll, describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { expandDims, squeeze } from '../../../../engine/ops/dimshuffle.ts';
import { dot } from '../../../../engine/ops/linalg.ts';
import { add, sqr, sub } from '../../../../engine/ops/math.ts';
import { subtensor } from '../../../../engine/ops/subtensor.ts';
import { crossEntropy } from '../../../../engine/nn/losses.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import { bindFlat } from '../../../../engine/params/symbolic.ts';
import { flattenValues } from '../../../../engine/params/host.ts';
import { mean, sum } from '../../../../engine/ops/reduce.ts';
import { reshape } from '../../../../engine/ops/reshape.ts';
import type { GradientPreprocessing } from '../../../../engine/nn/gradientPreprocessing.ts';
import { createLearnedRule } from '../../../../engine/optim/createLearnedRule.ts';
import type { LearnedRuleConfig } from '../../../../engine/optim/learnedRule.ts';
import { truncatedUnroll } from '../../../../engine/optim/truncatedUnroll.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { constant, tensor } from '../../../../engine/tensor.ts';
import { findPython, runPythonJson } from '../../../support/python.ts';
import { TORCH_LEARNED_RULES } from '../../../support/torchLearnedRules.ts';

const B = 3;
const D = 4;
const N = B * D;
const STEPS = 4;
const UNROLLS = 2;

interface TorchUnroll {
  metaLoss: number;
  grads: Record<string, number[]>;
  // (torch sends null for a weight the loss does not reach; none here)
  theta: number[];
  state: number[][];
}

const lstm = (preprocessing: GradientPreprocessing): LearnedRuleConfig => ({
  kind: 'lstm',
  hidden: 5,
  layers: 2,
  preprocessing,
  outputScale: 0.1,
});

const mlp: LearnedRuleConfig = {
  kind: 'mlp',
  hidden: 6,
  hiddenLayers: 2,
  decays: [0.5, 0.9, 0.99],
  timescales: [1, 10, 100],
  stepMultiplier: 0.1,
  expMultiplier: 0.5,
};

function quadratic(W: Variable, y: Variable) {
  return (theta: Variable) => {
    const r = sub(squeeze(dot(W, expandDims(reshape(theta, [B, D]), 2)), 2), y);
    return mean(sum(sqr(r), 1));
  };
}

interface Case {
  ours: TorchUnroll[];
  /** What the PyTorch reference is given. */
  input: Record<string, unknown>;
}

/** Two unrolls in a row on the engine (js, float64), and the inputs PyTorch needs to redo them. */
function engineCase(config: LearnedRuleConfig, groups: number[], secondOrder: boolean): Case {
  const rule = createLearnedRule(config, new Rng(7), 'float64');
  const params = rule.module.parameters();
  const W = tensor('float64', [B, D, D], 'W');
  const y = tensor('float64', [B, D], 'y');
  const theta = tensor('float64', [N], 'theta');
  const shapes = rule.stateShapes(N);
  const state = shapes.map((shape, i) => tensor('float64', shape, `state${i}`));
  const r = truncatedUnroll({ rule, loss: quadratic(W, y), theta, state, steps: STEPS, groups, secondOrder });
  const call = fn([W, y, theta, ...state], [r.metaLoss, r.theta, ...r.state, ...grad(r.metaLoss, params)], {
    backend: 'js',
  });
  const rng = new Rng(11);
  const Wv = rng.normal([B, D, D], 'float64');
  const yv = rng.normal([B, D], 'float64');
  const theta0 = rng.normal([N], 'float64');
  const state0 = shapes.map((shape) => NDArray.zeros(shape, 'float64'));
  let thetaValue = theta0;
  let stateValues = state0;
  const ours: TorchUnroll[] = [];
  for (let u = 0; u < UNROLLS; u++) {
    const out = call(Wv, yv, thetaValue, ...stateValues) as NDArray[];
    thetaValue = out[1];
    stateValues = out.slice(2, 2 + shapes.length);
    const grads = out.slice(2 + shapes.length);
    ours.push({
      metaLoss: out[0].toFlat()[0],
      theta: thetaValue.toFlat(),
      state: stateValues.map((s) => s.toFlat()),
      grads: Object.fromEntries(params.map((p, i) => [p.name!, grads[i].toFlat()])),
    });
  }
  const input = {
    config,
    weights: Object.fromEntries(
      params.map((p) => [p.name, { data: p.get().toFlat(), shape: p.get().shape }]),
    ),
    W: Wv.toNested(),
    y: yv.toNested(),
    theta: theta0.toFlat(),
    state: state0.map((s) => ({ data: s.toFlat(), shape: s.shape })),
    steps: STEPS,
    unrolls: UNROLLS,
    groups,
    secondOrder,
  };
  return { ours, input };
}

/** Largest |a − b| / max(1, |b|) over two lists. */
function worstRelative(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]) / Math.max(1, Math.abs(b[i]))), 0);
}

const cases: [string, LearnedRuleConfig, number[], boolean][] = [
  ['lstm, paper preprocessing (p = 10), first-order', lstm({ kind: 'log-sign', p: 10 }), [N], false],
  ['lstm, deepmind LogAndSign (k = 5), first-order', lstm({ kind: 'log-sign-clamped', k: 5 }), [N], false],
  ['lstm, no preprocessing, second-order', lstm({ kind: 'none' }), [N], true],
  ['mlp, one tensor, first-order', mlp, [N], false],
  ['mlp, two tensors (per-tensor normalisation), second-order', mlp, [5, N - 5], true],
];

describe('truncated unrolls of learned rules against PyTorch (float64)', () => {
  const found = findPython('torch');
  if (found.python === null) console.warn(`skipping the PyTorch comparison: ${found.reason}`);
  let engine: Case[] = [];
  let torch: TorchUnroll[][] = [];
  beforeAll(() => {
    if (found.python === null) return;
    engine = cases.map(([, config, groups, secondOrder]) => engineCase(config, groups, secondOrder));
    // One Python start for every case.
    torch = runPythonJson<TorchUnroll[][]>(
      found.python,
      TORCH_LEARNED_RULES,
      engine.map((c) => c.input),
    );
  });

  it.skipIf(found.python === null).each(cases.map((c, i) => [c[0], i] as const))('%s', (_name, i) => {
    const { ours } = engine[i];
    ours.forEach((o, u) => {
      const t = torch[i][u];
      expect(Math.abs(o.metaLoss - t.metaLoss) / Math.abs(t.metaLoss), `unroll ${u} meta-loss`).toBeLessThan(
        1e-10,
      );
      expect(worstRelative(o.theta, t.theta), `unroll ${u} θ`).toBeLessThan(1e-10);
      o.state.forEach((s, k) =>
        expect(worstRelative(s, t.state[k]), `unroll ${u} state ${k}`).toBeLessThan(1e-10),
      );
      for (const [name, g] of Object.entries(o.grads)) {
        expect(worstRelative(g, t.grads[name]), `unroll ${u} ∂/∂${name}`).toBeLessThan(1e-9);
      }
    });
    // The second unroll started where the first ended: a different θ, so a different meta-loss.
    expect(ours[1].metaLoss).not.toBe(ours[0].metaLoss);
  });
});

describe('second-order unrolls through a softmax cross-entropy optimizee', () => {
  // The meta-loss as a function of the rule's weights alone (θ₀, state₀ and the data fixed): with
  // second derivatives its symbolic gradient is its true derivative, so float64 central finite
  // differences must agree; the first-order gradient drops ∂g/∂θ and is a different vector.
  const config: LearnedRuleConfig = {
    kind: 'lstm',
    hidden: 3,
    layers: 1,
    preprocessing: { kind: 'log-sign', p: 10 },
    outputScale: 1,
  };
  const rule = createLearnedRule(config, new Rng(13), 'float64');
  const layout = rule.module.layout();
  const rng = new Rng(14);
  const x = rng.normal([6, 3], 'float64');
  const labels = rng.randint([6], 0, 4);
  const theta0 = rng.normal([3 * 4 + 4], 'float64');
  const metaLoss = (secondOrder: boolean) => (w: Variable) => {
    const theta = constant(theta0);
    const state = rule.stateShapes(16).map((shape) => constant(NDArray.zeros(shape, 'float64')));
    const loss = (th: Variable) => {
      const W = reshape(subtensor(th, [0, 12]), [3, 4]);
      const b = subtensor(th, [12, 16]);
      return crossEntropy(add(dot(constant(x), W), b), constant(labels));
    };
    const binding = bindFlat(rule.module.parameters(), layout, w);
    return truncatedUnroll({ rule, loss, theta, state, steps: 3, groups: [16], secondOrder, binding })
      .metaLoss;
  };
  const weights = flattenValues(
    layout,
    rule.module.parameters().map((p) => p.get()),
    'float64',
  );

  it('matches finite differences of the meta-loss with respect to the rule’s weights', () => {
    expect(verifyGrad(metaLoss(true), [weights], { eps: 1e-6, tol: 1e-6 }).checked).toBe(layout.size);
    const w = tensor('float64', [layout.size], 'w');
    const [second, first] = [true, false].map((order) =>
      (fn([w], grad(metaLoss(order)(w), w), { backend: 'js' })(weights) as NDArray).toFlat(),
    );
    // 100× the tolerance the finite differences were held to.
    expect(worstRelative(first, second)).toBeGreaterThan(1e-4);
  });
});
