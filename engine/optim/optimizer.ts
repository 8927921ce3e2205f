// Optimizer: turns parameters and their symbolic gradients into the `updates` pairs of a compiled
// training step (Theano style: T.fn(inputs, loss, {updates})). Per-parameter state (momentum
// buffers, second moments) lives in shared variables the optimizer creates once and reuses, named
// `${optimizer}.${parameter}.${slot}` (`adam.mlp.0.W.m`), so checkpoints keep stable keys.
import type { SharedVariable, Variable } from '../core/graph.ts';
import { NDArray, type Shape } from '../core/ndarray.ts';
import { add, cast, mul } from '../ops/math.ts';
import { shared } from '../tensor.ts';

/** One update of a compiled step: the shared variable and its new value. */
export type Update = readonly [SharedVariable, Variable];

export interface OptimizerOptions {
  /** Prefix of the state variables' names. */
  name?: string;
  /** L2 penalty added to the gradient as wd·θ (torch.optim's weight_decay). */
  weightDecay?: number;
}

/** The step number, for rules that need it. */
export interface StepContext {
  /**
   * t (1 on the first step, as torch counts) as a float64 scalar: the counter after this step's
   * increment. Scalar schedules (bias corrections, decayed rates) are computed from it in float64,
   * as torch does in Python floats, and cast to the parameter's dtype with `scalarAs`.
   */
  t(): Variable;
}

/** A float64 scalar expression in the dtype of the tensor it scales (no cast when equal). */
export function scalarAs(x: Variable, dtype: Variable['dtype']): Variable {
  return x.dtype === dtype ? x : cast(x, dtype);
}

export abstract class Optimizer {
  readonly name: string;
  readonly weightDecay: number;
  private readonly slots = new Map<string, SharedVariable>();
  private counter: SharedVariable | null = null;

  constructor(defaultName: string, options: OptimizerOptions) {
    this.name = options.name ?? defaultName;
    this.weightDecay = options.weightDecay ?? 0;
    if (this.weightDecay < 0)
      throw new Error(`${this.name}: weightDecay must be ≥ 0, got ${this.weightDecay}`);
  }

  /** Does this rule read the step number? (Adam's bias correction, SGD's dampening, …) */
  protected abstract usesStepCount(): boolean;

  /** The updates for one parameter: its new value first, then its state. */
  protected abstract paramUpdates(param: SharedVariable, grad: Variable, ctx: StepContext): Update[];

  /** Updates for every parameter (and the step counter when the rule reads it). */
  updates(params: readonly SharedVariable[], grads: readonly Variable[]): Update[] {
    if (params.length !== grads.length) {
      throw new Error(`${this.name}.updates: ${params.length} parameters but ${grads.length} gradients`);
    }
    const out: Update[] = [];
    let tNext: Variable | null = null;
    if (this.usesStepCount()) {
      this.counter ??= shared(NDArray.scalar(0, 'float64'), `${this.name}.step`);
      tNext = add(this.counter, 1);
      out.push([this.counter, tNext]);
    }
    const ctx: StepContext = {
      t: () => {
        if (!tNext) throw new Error(`${this.name}: usesStepCount() must be true to read the step number`);
        return tNext;
      },
    };
    params.forEach((param, i) => {
      const grad = grads[i];
      this.checkPair(param, grad);
      const g = this.weightDecay !== 0 ? add(grad, mul(param, this.weightDecay)) : grad;
      out.push(...this.paramUpdates(param, g, ctx));
    });
    return out;
  }

  /** Every state variable created so far (for checkpoints), counter first. */
  state(): SharedVariable[] {
    return [...(this.counter ? [this.counter] : []), ...this.slots.values()];
  }

  /** The state slot `slot` of `param`, created on first use filled with `initial`. */
  protected slot(param: SharedVariable, slot: string, initial = 0): SharedVariable {
    const value = param.get();
    return this.shapedSlot(param, slot, value.shape, initial);
  }

  /**
   * A state slot of its own shape (a learned optimizer's LSTM cells, [coordinates, hidden]),
   * created on first use filled with `initial`, in the parameter's dtype.
   */
  protected shapedSlot(param: SharedVariable, slot: string, shape: Shape, initial = 0): SharedVariable {
    const key = `${this.name}.${param.name}.${slot}`;
    let s = this.slots.get(key);
    if (!s) {
      s = shared(NDArray.full(shape, initial, param.dtype), key);
      this.slots.set(key, s);
    }
    return s;
  }

  private checkPair(param: SharedVariable, grad: Variable): void {
    if (!param.name) {
      throw new Error(
        `${this.name}: a parameter has no name; optimizer state is keyed by parameter names, so give ` +
          'every shared variable a unique name (nn modules do this for you)',
      );
    }
    const same =
      grad.dtype === param.dtype &&
      grad.ndim === param.ndim &&
      grad.staticShape.every((d, i) => d === null || d === param.staticShape[i]);
    if (!same) {
      throw new Error(
        `${this.name}: gradient ${grad.type.toString()} does not match parameter ${param.name} ` +
          `${param.type.toString()}; pass T.grad(loss, params) in the same order as params`,
      );
    }
  }
}
