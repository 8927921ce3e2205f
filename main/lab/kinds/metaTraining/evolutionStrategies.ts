// Gradient estimates from loss values alone, for meta-training a learned optimizer without
// backpropagating through its unroll (Salimans et al. 2017; Vicol et al. 2021):
//   antithetic ES  ĝ = Σ_i (L(w + ε_i) − L(w − ε_i)) ε_i / (2 P σ²)   over one truncation, from a
//                  shared starting state: cheap but biased, since it ignores how earlier
//                  truncations' weights shaped that state;
//   PES            each antithetic pair keeps its own two trajectories across truncations and the
//                  sum ξ_i of every perturbation it has carried since the problem started:
//                  ĝ = Σ_i (L⁺_i − L⁻_i) ξ_i / (2 P σ²), an unbiased estimate of the gradient of
//                  the whole horizon's loss.
// Perturbations are drawn from Philox by (seed, meta-iteration, particle), so a resumed run draws
// the same ones without storing them.
import { normal } from '../../../../engine/random/philox.ts';

/** Stream of the perturbation draws (a run's other draws use other streams). */
const perturbationStream = 7;

/** ε_i ~ N(0, σ² I) of `dim` coordinates for particle i of meta-iteration `iteration`. */
export function perturbation(
  seed: number,
  iteration: number,
  particle: number,
  particles: number,
  dim: number,
  sigma: number,
): Float32Array {
  const eps = normal(
    { seed, stream: perturbationStream, start: (iteration * particles + particle) * dim },
    dim,
    'float32',
  ) as Float32Array;
  for (let j = 0; j < dim; j++) eps[j] *= sigma;
  return eps;
}

/**
 * Σ_i (plus_i − minus_i) · directions_i / (2 P σ²): ES with directions = ε_i, PES with directions =
 * the accumulated ξ_i.
 */
export function antitheticGradient(
  directions: readonly Float32Array[],
  plus: readonly number[],
  minus: readonly number[],
  sigma: number,
): Float32Array {
  const P = directions.length;
  if (P === 0 || plus.length !== P || minus.length !== P)
    throw new Error(
      `antitheticGradient: ${P} directions, ${plus.length} plus and ${minus.length} minus losses`,
    );
  const dim = directions[0].length;
  const out = new Float64Array(dim);
  for (let i = 0; i < P; i++) {
    const scale = (plus[i] - minus[i]) / (2 * P * sigma * sigma);
    const d = directions[i];
    for (let j = 0; j < dim; j++) out[j] += scale * d[j];
  }
  return Float32Array.from(out);
}

/** w + sign · ε as a new vector. */
export function offset(w: Float32Array, eps: Float32Array, sign: 1 | -1): Float32Array {
  const out = new Float32Array(w.length);
  for (let j = 0; j < w.length; j++) out[j] = w[j] + sign * eps[j];
  return out;
}

/** One unroll of the learned rule with weights w from a starting point: its meta-loss and where it ends. */
export type Unroll<T> = (w: Float32Array, from: T) => { metaLoss: number; lastLoss: number; next: T };

/** A PES particle: its two trajectories and the sum of the perturbations it has carried. */
export interface PesParticle<T> {
  plus: T;
  minus: T;
  accumulated: Float32Array;
}

export interface Estimate {
  gradient: Float32Array;
  plus: number[];
  minus: number[];
}

/** Antithetic ES over one truncation, every particle starting from the same point. */
export function esEstimate<T>(
  w: Float32Array,
  eps: readonly Float32Array[],
  from: T,
  unroll: Unroll<T>,
  sigma: number,
): Estimate {
  const plus = eps.map((e) => unroll(offset(w, e, 1), from).metaLoss);
  const minus = eps.map((e) => unroll(offset(w, e, -1), from).metaLoss);
  return { gradient: antitheticGradient(eps, plus, minus, sigma), plus, minus };
}

/**
 * PES over one truncation: each particle adds its new perturbation to what it carries, unrolls
 * its own two trajectories (moved forward in place), and the estimate weights the accumulated
 * perturbations. `lastLoss` is the mean over particles of both trajectories' last losses.
 */
export function pesEstimate<T>(
  w: Float32Array,
  eps: readonly Float32Array[],
  particles: PesParticle<T>[],
  unroll: Unroll<T>,
  sigma: number,
): Estimate & { lastLoss: number } {
  const plus: number[] = [];
  const minus: number[] = [];
  let last = 0;
  particles.forEach((particle, i) => {
    for (let j = 0; j < w.length; j++) particle.accumulated[j] += eps[i][j];
    const p = unroll(offset(w, eps[i], 1), particle.plus);
    const m = unroll(offset(w, eps[i], -1), particle.minus);
    particle.plus = p.next;
    particle.minus = m.next;
    plus.push(p.metaLoss);
    minus.push(m.metaLoss);
    last += (p.lastLoss + m.lastLoss) / (2 * particles.length);
  });
  const gradient = antitheticGradient(
    particles.map((p) => p.accumulated),
    plus,
    minus,
    sigma,
  );
  return { gradient, plus, minus, lastLoss: last };
}
