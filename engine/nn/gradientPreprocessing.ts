// Gradient preprocessing of Andrychowicz et al. 2016, appendix A: gradients span many orders of
// magnitude, so each coordinate becomes two features of bounded size:
//   |g| ≥ e^-p:  (log|g| / p, sign g)        otherwise:  (-1, e^p · g)
// Same as torch_ref.py's preprocess (log of |g| clamped at 1e-30 so the unused branch stays finite).
import type { Variable } from '../core/graph.ts';
import { stack } from '../ops/join.ts';
import { abs, div, ge, log, maximum, mul, sign, where } from '../ops/math.ts';

/** g of shape [n] → features [n, 2]. */
export function preprocessGradient(g: Variable, p = 10): Variable {
  const a = abs(g);
  const big = ge(a, Math.exp(-p));
  const logPart = where(big, div(log(maximum(a, 1e-30)), p), -1);
  const signPart = where(big, sign(g), mul(g, Math.exp(p)));
  return stack([logPart, signPart], 1);
}
