// How a bandit teacher turns its value estimates into a distribution over skills (Matiisen et
// al. 2017 use both): ε-greedy — the best skill (ties broken at random), with ε spread over all
// so every skill keeps being measured — and Boltzmann — softmax(Q / temperature).
import type { Rng } from '../../../../../engine/random/rng.ts';

export interface PolicySpec {
  policy: 'egreedy' | 'boltzmann';
  epsilon: number;
  temperature: number;
}

export function epsilonGreedy(values: readonly number[], epsilon: number, rng: Rng): number[] {
  const best = Math.max(...values);
  const ties = values.flatMap((v, i) => (v === best ? [i] : []));
  const chosen = ties[ties.length === 1 ? 0 : rng.int(0, ties.length)];
  return values.map((_, i) => (i === chosen ? 1 - epsilon : 0) + epsilon / values.length);
}

export function boltzmann(values: readonly number[], temperature: number): number[] {
  const best = Math.max(...values);
  const weights = values.map((v) => Math.exp((v - best) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

export function applyPolicy(values: readonly number[], spec: PolicySpec, rng: Rng): number[] {
  return spec.policy === 'boltzmann'
    ? boltzmann(values, spec.temperature)
    : epsilonGreedy(values, spec.epsilon, rng);
}

/** Least-squares slope of y against x (0 for fewer than two distinct x). */
export function slope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}
