// Adam (Kingma & Ba 2015) exactly as torch.optim.Adam (single-tensor path):
//   m ← β₁·m + (1-β₁)·g;  v ← β₂·v + (1-β₂)·g²
//   θ ← θ - (lr / (1-β₁ᵗ)) · m / (√v / √(1-β₂ᵗ) + eps)
// i.e. eps is added after the bias correction of v, which is what makes it match torch bit-for-bit
// in float64 rather than "approximately Adam".
import type { SharedVariable, Variable } from '../core/graph.ts';
import { add, div, mul, pow, sqr, sqrt, sub } from '../ops/math.ts';
import { Optimizer, scalarAs, type OptimizerOptions, type StepContext, type Update } from './optimizer.ts';

export interface AdamOptions extends OptimizerOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export class Adam extends Optimizer {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;

  constructor(options: AdamOptions = {}) {
    super('adam', options);
    this.lr = options.lr ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
  }

  protected usesStepCount(): boolean {
    return true;
  }

  protected paramUpdates(param: SharedVariable, g: Variable, ctx: StepContext): Update[] {
    const m = this.slot(param, 'm');
    const v = this.slot(param, 'v');
    const t = ctx.t();
    const newM = add(mul(m, this.beta1), mul(g, 1 - this.beta1));
    const newV = add(mul(v, this.beta2), mul(sqr(g), 1 - this.beta2));
    const stepSize = scalarAs(div(this.lr, sub(1, pow(this.beta1, t))), param.dtype);
    const bc2Sqrt = scalarAs(sqrt(sub(1, pow(this.beta2, t))), param.dtype);
    const denom = add(div(sqrt(newV), bc2Sqrt), this.eps);
    return [
      [param, sub(param, mul(div(newM, denom), stepSize))],
      [m, newM],
      [v, newV],
    ];
  }
}
