// Small-sample statistics for reports: mean ± a Student-t 95 % confidence interval. Seeds per
// configuration are few (3–10), where the normal 1.96 would understate the uncertainty.

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Sample standard deviation (n − 1 in the denominator). */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}

// Lanczos approximation (g = 7, n = 9): ln Γ(x) to about 15 significant digits for x > 0.
const lanczos = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = lanczos[0];
  for (let i = 1; i < 9; i++) sum += lanczos[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction for the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    for (const numerator of [
      (m * (b - m) * x) / ((a + m2 - 1) * (a + m2)),
      (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1)),
    ]) {
      d = 1 + numerator * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + numerator / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-16) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(x, a, b)) / a
    : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t with P(T ≤ t) = p, by bisection (the CDF is monotone; 200 halvings reach double precision). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0))
    throw new RangeError(`studentTQuantile needs 0 < p < 1 and df > 0, got p=${p}, df=${df}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface MeanWithInterval {
  n: number;
  mean: number;
  std: number;
  /** Half-width of the two-sided confidence interval (NaN with fewer than 2 values). */
  halfWidth: number;
  low: number;
  high: number;
}

/** Mean and two-sided Student-t confidence interval (default 95 %). */
export function meanConfidenceInterval(values: readonly number[], level = 0.95): MeanWithInterval {
  const n = values.length;
  const m = mean(values);
  const std = sampleStd(values);
  const halfWidth = n < 2 ? Number.NaN : (studentTQuantile(1 - (1 - level) / 2, n - 1) * std) / Math.sqrt(n);
  return { n, mean: m, std, halfWidth, low: m - halfWidth, high: m + halfWidth };
}

export interface WelchTest {
  /** (mean a − mean b) / √(s_a²/n_a + s_b²/n_b). */
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value. */
  p: number;
}

/**
 * Welch's unequal-variances t-test of mean a = mean b (scipy.stats.ttest_ind with
 * equal_var=False). Needs two values on each side; NaN throughout when both variances are 0.
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchTest {
  if (a.length < 2 || b.length < 2)
    throw new RangeError(`welchTTest needs at least 2 values on each side, got ${a.length} and ${b.length}`);
  const va = sampleStd(a) ** 2 / a.length;
  const vb = sampleStd(b) ** 2 / b.length;
  const se2 = va + vb;
  if (!(se2 > 0)) return { t: Number.NaN, df: Number.NaN, p: Number.NaN };
  const t = (mean(a) - mean(b)) / Math.sqrt(se2);
  const df = se2 ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  // Two-sided: P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2).
  const p = regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return { t, df, p };
}
