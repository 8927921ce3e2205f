// Adagrad exactly as torch.optim.Adagrad:
//   clr = lr / (1 + (t-1)·lr_decay);  s ← s + g²;  θ ← θ - clr·g / (√s + eps)
import type { SharedVariable, Variable } from '../core/graph.ts';
import { add, div, mul, sqr, sqrt, sub } from '../ops/math.ts';
import { Optimizer, scalarAs, type OptimizerOptions, type StepContext, type Update } from './optimizer.ts';

export interface AdagradOptions extends OptimizerOptions {
  lr?: number;
  lrDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

export class Adagrad extends Optimizer {
  readonly lr: number;
  readonly lrDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;

  constructor(options: AdagradOptions = {}) {
    super('adagrad', options);
    this.lr = options.lr ?? 0.01;
    this.lrDecay = options.lrDecay ?? 0;
    this.initialAccumulatorValue = options.initialAccumulatorValue ?? 0;
    this.eps = options.eps ?? 1e-10;
  }

  protected usesStepCount(): boolean {
    return this.lrDecay !== 0;
  }

  protected paramUpdates(param: SharedVariable, g: Variable, ctx: StepContext): Update[] {
    const sum = this.slot(param, 'sum', this.initialAccumulatorValue);
    const newSum = add(sum, sqr(g));
    const clr = this.usesStepCount()
      ? scalarAs(div(this.lr, add(1, mul(sub(ctx.t(), 1), this.lrDecay))), param.dtype)
      : this.lr;
    const step = div(mul(g, clr), add(sqrt(newSum), this.eps));
    return [
      [param, sub(param, step)],
      [sum, newSum],
    ];
  }
}
