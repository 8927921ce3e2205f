// Stochastic gradient descent with optional (Nesterov) momentum, exactly torch.optim.SGD:
//   b₁ = g₁,  b_t = μ·b_{t-1} + (1-dampening)·g_t          (the first step skips dampening)
//   d = g + μ·b  (Nesterov)  or  d = b  (heavy ball)  or  d = g  (μ = 0)
//   θ ← θ - lr·d
// Momentum and Nesterov are this class with μ = 0.9 by default.
import type { SharedVariable, Variable } from '../core/graph.ts';
import { add, minimum, mul, sub } from '../ops/math.ts';
import { Optimizer, scalarAs, type OptimizerOptions, type StepContext, type Update } from './optimizer.ts';

export interface SGDOptions extends OptimizerOptions {
  lr?: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;

  constructor(options: SGDOptions = {}, defaultName = 'sgd', defaultMomentum = 0) {
    super(defaultName, options);
    this.lr = options.lr ?? 0.01;
    this.momentum = options.momentum ?? defaultMomentum;
    this.dampening = options.dampening ?? 0;
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      // torch.optim.SGD refuses the same combination: Nesterov needs momentum and no dampening.
      throw new Error(`${this.name}: Nesterov momentum needs momentum > 0 and dampening 0`);
    }
  }

  protected usesStepCount(): boolean {
    return this.momentum !== 0 && this.dampening !== 0;
  }

  protected paramUpdates(param: SharedVariable, g: Variable, ctx: StepContext): Update[] {
    if (this.momentum === 0) return [[param, sub(param, mul(g, this.lr))]];
    const buf = this.slot(param, 'momentum');
    // With buf = 0 initially, b₁ = g needs the g coefficient to be 1 on step 1 only.
    const gScale = this.usesStepCount()
      ? scalarAs(sub(1, mul(this.dampening, minimum(sub(ctx.t(), 1), 1))), param.dtype)
      : 1;
    const newBuf = add(mul(buf, this.momentum), gScale === 1 ? g : mul(g, gScale));
    const d = this.nesterov ? add(g, mul(newBuf, this.momentum)) : newBuf;
    return [
      [param, sub(param, mul(d, this.lr))],
      [buf, newBuf],
    ];
  }
}

/** Heavy-ball momentum: SGD with μ = 0.9 unless told. */
export class Momentum extends SGD {
  constructor(options: Omit<SGDOptions, 'nesterov'> = {}) {
    super({ ...options, nesterov: false }, 'momentum', 0.9);
  }
}

/** Nesterov accelerated gradient as torch.optim.SGD(nesterov=True): μ = 0.9 unless told. */
export class Nesterov extends SGD {
  constructor(options: Omit<SGDOptions, 'nesterov'> = {}) {
    super({ ...options, nesterov: true }, 'nesterov', 0.9);
  }
}
