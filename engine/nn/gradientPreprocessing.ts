// Gradient preprocessing for coordinatewise learned optimizers: gradients span many orders of
// magnitude, so each coordinate becomes two features of bounded size. Two variants exist, because
// the paper and its reference code disagree:
//   paper (Andrychowicz et al. 2016, appendix A), parameter p:
//     |g| ≥ e^-p:  (log|g| / p, sign g)        otherwise:  (-1, e^p · g)
//   deepmind/learning-to-learn's LogAndSign, parameter k (preprocess.py):
//     (max(log(|g| + eps) / k, -1), clip(e^k · g, -1, 1))   with eps = float32 machine epsilon
// The first is torch_ref.py's preprocess (log of |g| clamped at 1e-30 so the unused branch stays
// finite); the second has no branch and is continuous in g.
import type { Variable } from '../core/graph.ts';
import { expandDims } from '../ops/dimshuffle.ts';
import { stack } from '../ops/join.ts';
import { abs, add, clip, div, ge, log, maximum, mul, sign, where } from '../ops/math.ts';

/** How a coordinatewise optimizer turns each gradient coordinate into its input features. */
export type GradientPreprocessing =
  { kind: 'log-sign'; p: number } | { kind: 'log-sign-clamped'; k: number } | { kind: 'none' };

/** float32 machine epsilon, numpy.finfo(float32).eps: what LogAndSign adds inside the log. */
const float32Epsilon = 2 ** -23;

/** The paper's piecewise rule: g of shape [n] → features [n, 2]. */
export function preprocessGradient(g: Variable, p = 10): Variable {
  const a = abs(g);
  const big = ge(a, Math.exp(-p));
  const logPart = where(big, div(log(maximum(a, 1e-30)), p), -1);
  const signPart = where(big, sign(g), mul(g, Math.exp(p)));
  return stack([logPart, signPart], 1);
}

/** deepmind/learning-to-learn's LogAndSign(k): g of shape [n] → features [n, 2]. */
export function preprocessGradientClamped(g: Variable, k = 5): Variable {
  const logPart = maximum(div(log(add(abs(g), float32Epsilon)), k), -1);
  const signPart = clip(mul(g, Math.exp(k)), -1, 1);
  return stack([logPart, signPart], 1);
}

/** Number of features per coordinate a preprocessing produces. */
export function preprocessedFeatures(preprocessing: GradientPreprocessing): number {
  return preprocessing.kind === 'none' ? 1 : 2;
}

/** g of shape [n] → features [n, preprocessedFeatures(preprocessing)]. */
export function applyGradientPreprocessing(g: Variable, preprocessing: GradientPreprocessing): Variable {
  switch (preprocessing.kind) {
    case 'log-sign':
      return preprocessGradient(g, preprocessing.p);
    case 'log-sign-clamped':
      return preprocessGradientClamped(g, preprocessing.k);
    case 'none':
      return expandDims(g, 1);
  }
}
