// AdaDelta (Zeiler 2012) exactly as torch.optim.Adadelta:
//   v ← ρ·v + (1-ρ)·g²;  Δ = √(u + eps)/√(v + eps)·g;  u ← ρ·u + (1-ρ)·Δ²;  θ ← θ - lr·Δ
import type { SharedVariable, Variable } from '../core/graph.ts';
import { add, div, mul, sqr, sqrt, sub } from '../ops/math.ts';
import { Optimizer, type OptimizerOptions, type Update } from './optimizer.ts';

export interface AdaDeltaOptions extends OptimizerOptions {
  lr?: number;
  rho?: number;
  eps?: number;
}

export class AdaDelta extends Optimizer {
  readonly lr: number;
  readonly rho: number;
  readonly eps: number;

  constructor(options: AdaDeltaOptions = {}) {
    super('adadelta', options);
    this.lr = options.lr ?? 1.0;
    this.rho = options.rho ?? 0.9;
    this.eps = options.eps ?? 1e-6;
  }

  protected usesStepCount(): boolean {
    return false;
  }

  protected paramUpdates(param: SharedVariable, g: Variable): Update[] {
    const sq = this.slot(param, 'square_avg');
    const acc = this.slot(param, 'acc_delta');
    const newSq = add(mul(sq, this.rho), mul(sqr(g), 1 - this.rho));
    const delta = mul(div(sqrt(add(acc, this.eps)), sqrt(add(newSq, this.eps))), g);
    const newAcc = add(mul(acc, this.rho), mul(sqr(delta), 1 - this.rho));
    return [
      [param, sub(param, this.lr === 1 ? delta : mul(delta, this.lr))],
      [sq, newSq],
      [acc, newAcc],
    ];
  }
}
