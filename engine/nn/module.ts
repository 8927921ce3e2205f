// Module: the base of every layer. A module owns named parameters (shared variables) and child
// modules; names are fixed at construction as dotted paths (`mlp.0.W`), so checkpoints, model
// files and optimizer state keep the same keys from run to run.
//
// Forward methods take an optional ParamBinding: a map from a parameter to the symbolic value that
// stands in for it. Meta-training unrolls an optimizee many times with its weights replaced by
// slices of a symbolic θ (engine/params/symbolic.ts builds that binding); without a binding a
// layer uses its own shared variables.
import type { Update } from '../compile/fn.ts';
import type { Variable } from '../core/graph.ts';
import { SharedVariable } from '../core/graph.ts';
import type { NDArray, Shape } from '../core/ndarray.ts';
import type { Rng } from '../random/rng.ts';
import { ParamLayout } from '../params/layout.ts';
import type { FloatDType, Initializer } from './init.ts';

export type ParamBinding = ReadonlyMap<SharedVariable, Variable>;

/** What every layer's constructor accepts besides its sizes. */
export interface ModuleOptions {
  /** Dotted path prefix of this module's parameters. */
  name?: string;
  /** float32 unless stated (float64 for gradient checks and references). */
  dtype?: FloatDType;
}

export abstract class Module {
  readonly name: string;
  readonly dtype: FloatDType;
  /** Dropout and friends read this; train()/eval() set it on the whole tree. */
  training = true;
  private readonly ownParams = new Map<string, SharedVariable>();
  private readonly children = new Map<string, Module>();

  constructor(defaultName: string, options: ModuleOptions = {}) {
    this.name = options.name ?? defaultName;
    this.dtype = options.dtype ?? 'float32';
  }

  /** Creates and registers the parameter `${name}.${local}` with an initial value from `init`. */
  protected addParam(local: string, shape: Shape, init: Initializer, rng: Rng): SharedVariable {
    const full = `${this.name}.${local}`;
    if (this.ownParams.has(local) || this.children.has(local)) {
      throw new Error(`${this.constructor.name} ${this.name}: "${local}" is registered twice`);
    }
    const value = init(rng, shape, this.dtype);
    const param = new SharedVariable(value, full);
    this.ownParams.set(local, param);
    return param;
  }

  /** Registers a child module; build it with `this.childName(local)` as its name. */
  protected addChild<M extends Module>(local: string, child: M): M {
    if (this.ownParams.has(local) || this.children.has(local)) {
      throw new Error(`${this.constructor.name} ${this.name}: "${local}" is registered twice`);
    }
    if (child.name !== this.childName(local)) {
      throw new Error(
        `${this.constructor.name} ${this.name}: child "${local}" is named "${child.name}"; ` +
          `build it with name ${this.childName(local)} so parameter names stay stable paths`,
      );
    }
    this.children.set(local, child);
    return child;
  }

  protected childName(local: string): string {
    return `${this.name}.${local}`;
  }

  /** The symbolic value a parameter has under `binding` (itself when unbound). */
  protected use(param: SharedVariable, binding?: ParamBinding): Variable {
    return binding?.get(param) ?? param;
  }

  /** Every parameter of the tree, own ones first, then children in registration order. */
  namedParameters(): [string, SharedVariable][] {
    const out: [string, SharedVariable][] = [];
    for (const p of this.ownParams.values()) out.push([p.name ?? '', p]);
    for (const child of this.children.values()) out.push(...child.namedParameters());
    return out;
  }

  /** Direct children with their local names, in registration order (for walks over a model). */
  childModules(): (readonly [string, Module])[] {
    return [...this.children.entries()];
  }

  parameters(): SharedVariable[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Where each parameter sits in the model's flat vector (engine/params). */
  layout(): ParamLayout {
    // Static shapes: reading values would pull them out of a backend for nothing. addParam gives
    // every parameter a concrete shape; only a caller who relaxed one could meet the fallback.
    return new ParamLayout(
      this.namedParameters().map(([name, p]) => ({
        name,
        shape: p.staticShape.every((d) => d !== null) ? (p.staticShape as number[]) : p.get().shape,
      })),
    );
  }

  /** Current parameter values by name (for checkpoints and model files). */
  stateDict(): Record<string, NDArray> {
    return Object.fromEntries(this.namedParameters().map(([name, p]) => [name, p.get()]));
  }

  /**
   * Sets parameters from values by name. Every parameter must be present with its shape and
   * dtype; extra names are an error too, so a file for another model is not half-loaded.
   */
  loadStateDict(values: Readonly<Record<string, NDArray>>): void {
    const params = new Map(this.namedParameters());
    const missing = [...params.keys()].filter((n) => !(n in values));
    const extra = Object.keys(values).filter((n) => !params.has(n));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(
        `${this.constructor.name} ${this.name}: cannot load parameters — ` +
          [
            missing.length > 0 ? `missing ${missing.join(', ')}` : '',
            extra.length > 0 ? `unexpected ${extra.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join('; '),
      );
    }
    // Check everything before setting anything: a bad file leaves the model untouched.
    for (const [name, p] of params) {
      const mismatch = p.type.mismatch(values[name]);
      if (mismatch)
        throw new Error(`${this.constructor.name} ${this.name}: parameter ${name} got ${mismatch}`);
    }
    for (const [name, p] of params) p.set(values[name]);
  }

  /**
   * Updates of non-parameter state that a training step must apply (dropout's mask counters),
   * to pass to T.fn next to the optimizer's updates.
   */
  stateUpdates(): Update[] {
    return [...this.children.values()].flatMap((child) => child.stateUpdates());
  }

  /** Training mode (dropout active) for the whole tree. */
  train(): this {
    this.setTraining(true);
    return this;
  }

  /** Evaluation mode (dropout is the identity) for the whole tree. */
  eval(): this {
    this.setTraining(false);
    return this;
  }

  private setTraining(on: boolean): void {
    this.training = on;
    for (const child of this.children.values()) child.setTraining(on);
  }
}
