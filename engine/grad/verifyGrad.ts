// verifyGrad (Theano's verify_grad): check a graph's symbolic gradient against float64 central
// finite differences. A random projection turns any output into a scalar cost, so one check
// covers every output element; all evaluation goes through compiled functions on the js backend.
import { fn } from '../compile/fn.ts';
import type { Variable } from '../core/graph.ts';
import { NDArray, formatShape } from '../core/ndarray.ts';
import { Rng } from '../random/rng.ts';
import { cast, mul } from '../ops/math.ts';
import { sum } from '../ops/reduce.ts';
import { constant, tensor } from '../tensor.ts';
import { grad } from './grad.ts';

export interface VerifyGradOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** An element fails when both its absolute and its relative error exceed tol (default 1e-5). */
  tol?: number;
  /** Seed of the random projection (default 0). */
  seed?: number;
}

export interface VerifyGradReport {
  maxAbsError: number;
  maxRelError: number;
  checked: number;
}

function multiIndex(flat: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return `[${idx.join(', ')}]`;
}

/**
 * Checks d(sum(f(x...) * P))/dx for a random P at `points`. f builds the graph from float64
 * variables shaped like the points. Throws with the worst element when the check fails.
 */
export function verifyGrad(
  f: (...inputs: Variable[]) => Variable,
  points: readonly NDArray[],
  options: VerifyGradOptions = {},
): VerifyGradReport {
  const { eps = 1e-6, tol = 1e-5, seed = 0 } = options;
  const values = points.map((p) => p.astype('float64', true));
  const inputs = values.map((p, i) => tensor('float64', p.shape, `x${i}`));
  const out = f(...inputs);
  const outValue = fn(inputs, out, { backend: 'js' })(...values) as NDArray;
  const projection = new Rng(seed, 7).normal(outValue.shape, 'float64');
  const cost = sum(mul(cast(out, 'float64'), constant(projection)));
  const grads = grad(cost, inputs);
  const symbolic = (fn(inputs, grads, { backend: 'js' })(...values) as NDArray[]).map((g) => g.toFlat());
  const costAt = fn(inputs, cost, { backend: 'js' });
  const evalCost = (args: NDArray[]): number => (costAt(...args) as NDArray).toFlat()[0];

  let worst = { score: -1, input: 0, element: 0, sym: 0, num: 0, abs: 0, rel: 0 };
  let maxAbsError = 0;
  let maxRelError = 0;
  let checked = 0;
  values.forEach((point, i) => {
    for (let j = 0; j < point.size; j++) {
      const shifted = (delta: number): number => {
        const copy = point.astype('float64', true);
        copy.data[j] += delta;
        return evalCost(values.map((v, k) => (k === i ? copy : v)));
      };
      const num = (shifted(eps) - shifted(-eps)) / (2 * eps);
      const sym = symbolic[i][j];
      const abs = Math.abs(sym - num);
      const rel = abs / Math.max(Math.abs(sym) + Math.abs(num), 1e-12);
      const score = Number.isNaN(abs) ? Infinity : Math.min(abs, rel);
      maxAbsError = Math.max(maxAbsError, abs);
      maxRelError = Math.max(maxRelError, rel);
      checked++;
      if (score > worst.score) worst = { score, input: i, element: j, sym, num, abs, rel };
    }
  });
  if (worst.score > tol) {
    const p = values[worst.input];
    throw new Error(
      `verifyGrad: the symbolic gradient of ${out.toString()} disagrees with finite differences.\n` +
        `  worst element: input ${worst.input} (shape ${formatShape(p.shape)}) at ${multiIndex(worst.element, p.shape)}` +
        ` = ${p.data[worst.element]}\n` +
        `  symbolic ${worst.sym}, finite difference ${worst.num} (abs error ${worst.abs.toExponential(3)}, ` +
        `rel error ${worst.rel.toExponential(3)}, tol ${tol}, eps ${eps}); ${checked} elements checked`,
    );
  }
  return { maxAbsError, maxRelError, checked };
}
