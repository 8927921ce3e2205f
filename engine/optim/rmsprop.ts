// RMSProp exactly as torch.optim.RMSprop (eps outside the square root):
//   v ← α·v + (1-α)·g²;  centered: ḡ ← α·ḡ + (1-α)·g, a = √(v - ḡ²) + eps; else a = √v + eps
//   momentum μ > 0: b ← μ·b + g/a, θ ← θ - lr·b;  else θ ← θ - lr·g/a
import type { SharedVariable, Variable } from '../core/graph.ts';
import { add, div, mul, sqr, sqrt, sub } from '../ops/math.ts';
import { Optimizer, type OptimizerOptions, type Update } from './optimizer.ts';

export interface RMSPropOptions extends OptimizerOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  momentum?: number;
  centered?: boolean;
}

export class RMSProp extends Optimizer {
  readonly lr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly momentum: number;
  readonly centered: boolean;

  constructor(options: RMSPropOptions = {}) {
    super('rmsprop', options);
    this.lr = options.lr ?? 0.01;
    this.alpha = options.alpha ?? 0.99;
    this.eps = options.eps ?? 1e-8;
    this.momentum = options.momentum ?? 0;
    this.centered = options.centered ?? false;
  }

  protected usesStepCount(): boolean {
    return false;
  }

  protected paramUpdates(param: SharedVariable, g: Variable): Update[] {
    const sq = this.slot(param, 'square_avg');
    const newSq = add(mul(sq, this.alpha), mul(sqr(g), 1 - this.alpha));
    const out: Update[] = [];
    let variance = newSq;
    if (this.centered) {
      const gAvg = this.slot(param, 'grad_avg');
      const newGAvg = add(mul(gAvg, this.alpha), mul(g, 1 - this.alpha));
      variance = sub(newSq, sqr(newGAvg));
      out.push([gAvg, newGAvg]);
    }
    const avg = add(sqrt(variance), this.eps);
    if (this.momentum > 0) {
      const buf = this.slot(param, 'momentum');
      const newBuf = add(mul(buf, this.momentum), div(g, avg));
      out.unshift([param, sub(param, mul(newBuf, this.lr))], [sq, newSq]);
      out.push([buf, newBuf]);
    } else {
      out.unshift([param, sub(param, div(mul(g, this.lr), avg))], [sq, newSq]);
    }
    return out;
  }
}
