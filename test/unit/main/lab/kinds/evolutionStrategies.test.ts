// ES and PES gradient estimates (main/lab/kinds/metaTraining/evolutionStrategies.ts) on a problem
// whose gradient is known in closed form: a learned "optimizer" with one weight w (a learning
// rate) on f(θ) = θ²/2, θ ← (1 − w) θ, over a horizon of two truncations of one step each.
//   L(w) = f(θ₁) + f(θ₂),  θ₁ = (1 − w) θ₀,  θ₂ = (1 − w)² θ₀
//   dL/dw = −(1 − w) θ₀² − 2 (1 − w)³ θ₀²
// PES, summed over the two truncations, estimates dL/dw without bias; truncated ES restarts the
// second truncation from the unperturbed θ₁ and misses how w moved it there — biased.
import { describe, expect, it } from 'vitest';
import {
  antitheticGradient,
  esEstimate,
  perturbation,
  pesEstimate,
  type PesParticle,
  type Unroll,
} from '../../../../../main/lab/kinds/metaTraining/evolutionStrategies.ts';

const w0 = 0.3;
const theta0 = 1;
const sigma = 0.01;
const particles = 4000;
const exact = -(1 - w0) * theta0 ** 2 - 2 * (1 - w0) ** 3 * theta0 ** 2;

const step: Unroll<number> = (w, theta) => {
  const next = (1 - w[0]) * theta;
  return { metaLoss: (next * next) / 2, lastLoss: (next * next) / 2, next };
};

const draws = (iteration: number) =>
  Array.from({ length: particles }, (_, i) => perturbation(5, iteration, i, particles, 1, sigma));

describe('evolution strategies for meta-training', () => {
  it('antithetic ES recovers the gradient of a smooth function', () => {
    // L(w) = (w − 1)² + 3w: dL/dw at 0.3 is 2·(−0.7) + 3 = 1.6.
    const w = Float32Array.from([w0]);
    const L = (v: number) => (v - 1) ** 2 + 3 * v;
    const eps = draws(0);
    const g = antitheticGradient(
      eps,
      eps.map((e) => L(w[0] + e[0])),
      eps.map((e) => L(w[0] - e[0])),
      sigma,
    );
    expect(g[0]).toBeCloseTo(1.6, 1);
  });

  it('PES is unbiased over truncations; truncated ES is not', () => {
    const w = Float32Array.from([w0]);
    // PES: every particle carries its own two trajectories through both truncations.
    const pesParticles: PesParticle<number>[] = Array.from({ length: particles }, () => ({
      plus: theta0,
      minus: theta0,
      accumulated: new Float32Array(1),
    }));
    const pes =
      pesEstimate(w, draws(0), pesParticles, step, sigma).gradient[0] +
      pesEstimate(w, draws(1), pesParticles, step, sigma).gradient[0];
    // ES: both truncations start from the unperturbed trajectory.
    const first = esEstimate(w, draws(0), theta0, step, sigma).gradient[0];
    const theta1 = step(w, theta0).next;
    const es = first + esEstimate(w, draws(1), theta1, step, sigma).gradient[0];

    expect(Math.abs(pes - exact)).toBeLessThan(0.08);
    // What truncated ES estimates: the second truncation's gradient with θ₁ held fixed.
    const truncated = -(1 - w0) * theta0 ** 2 - (1 - w0) * theta1 ** 2;
    expect(Math.abs(es - truncated)).toBeLessThan(0.08);
    expect(Math.abs(es - exact)).toBeGreaterThan(0.25);
  });

  it('draws the same perturbations for the same (seed, meta-iteration, particle)', () => {
    expect(perturbation(3, 7, 2, 4, 5, 0.1)).toEqual(perturbation(3, 7, 2, 4, 5, 0.1));
    expect(perturbation(3, 7, 2, 4, 5, 0.1)).not.toEqual(perturbation(3, 7, 3, 4, 5, 0.1));
    expect(perturbation(3, 8, 2, 4, 5, 0.1)).not.toEqual(perturbation(3, 7, 2, 4, 5, 0.1));
  });
});
