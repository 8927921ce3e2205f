// The symbolic graph: variables (typed values that will exist when a function runs),
// constants, shared variables (state that lives between calls) and Apply nodes (an op applied
// to inputs, producing outputs). Built-in and user ops produce exactly these.
import { userCallSite } from './callSite.ts';
import { NDArray, type Shape } from './ndarray.ts';
import type { Op } from './op.ts';
import { TensorType } from './type.ts';

let nextId = 1;

export class Variable {
  readonly id: number;
  readonly type: TensorType;
  name: string | undefined;
  /** The node computing this variable, or null for graph inputs, constants and shared variables. */
  readonly owner: Apply | null;
  /** Which output of `owner` this is. */
  readonly index: number;

  constructor(type: TensorType, name?: string, owner: Apply | null = null, index = 0) {
    this.id = nextId++;
    this.type = type;
    this.name = name;
    this.owner = owner;
    this.index = index;
  }

  get dtype() {
    return this.type.dtype;
  }

  get ndim(): number {
    return this.type.ndim;
  }

  /** Static shape; null where a dimension is only known at call time. */
  get staticShape() {
    return this.type.shape;
  }

  /** A short label for printers and error messages: the name, or the op that made it. */
  toString(): string {
    if (this.name) return this.name;
    if (this.owner) {
      const suffix = this.owner.outputs.length > 1 ? `.${this.index}` : '';
      return `${this.owner.op.toString()}.out${suffix}`;
    }
    return `<${this.type.toString()}>`;
  }
}

export class Constant extends Variable {
  readonly value: NDArray;

  constructor(value: NDArray, name?: string) {
    super(new TensorType(value.dtype, value.shape), name);
    this.value = value.contiguous();
  }

  override toString(): string {
    if (this.name) return this.name;
    if (this.value.size === 1) return String(this.value.data[0]);
    return `Constant<${this.type.toString()}>`;
  }
}

/**
 * Where a shared variable's current value lives while a backend holds it (native memory,
 * GPU memory). The host copy is stale while a residence is attached.
 */
export interface SharedResidence {
  /** Copy the current value out to the host. */
  pull(): NDArray;
  /** The backend no longer holds the value (the host copy becomes the truth again). */
  release(): void;
}

export class SharedVariable extends Variable {
  private hostValue: NDArray;
  private residence: SharedResidence | null = null;

  constructor(value: NDArray, name?: string, shape?: TensorType['shape']) {
    super(new TensorType(value.dtype, shape ?? value.shape), name);
    const mismatch = this.type.mismatch(value);
    if (mismatch) throw new Error(`shared ${name ?? ''}: initial value has ${mismatch}`);
    this.hostValue = value.contiguous();
  }

  /** The current value (a copy out of a backend when one holds it). */
  get(): NDArray {
    if (this.residence) this.hostValue = this.residence.pull();
    return this.hostValue;
  }

  /**
   * The current value's shape, without copying it out of a backend: a resident value keeps the
   * shape it was attached with (compiled updates must keep shapes), so the host copy knows it.
   */
  get shape(): Shape {
    return this.hostValue.shape;
  }

  /** Replace the value; it must keep the declared dtype and static shape. */
  set(value: NDArray): void {
    const mismatch = this.type.mismatch(value);
    if (mismatch) {
      throw new Error(
        `shared variable ${this.toString()}: cannot set a value with ${mismatch}. ` +
          'Cast or reshape it first, or create a new shared variable.',
      );
    }
    this.detach();
    this.hostValue = value.contiguous();
  }

  /**
   * A backend takes the value over: it receives the current host value to upload, and from now
   * on `get()` pulls from it. A previous residence hands its value back first.
   */
  attach(residence: SharedResidence): NDArray {
    const current = this.get();
    this.detach();
    this.residence = residence;
    return current;
  }

  /** Is `residence` the one holding the value now? (A backend checks before reusing its copy.) */
  isHeldBy(residence: SharedResidence): boolean {
    return this.residence === residence;
  }

  private detach(): void {
    if (!this.residence) return;
    this.hostValue = this.residence.pull();
    const previous = this.residence;
    this.residence = null;
    previous.release();
  }
}

export class Apply {
  readonly op: Op;
  private inputList: readonly Variable[];
  readonly outputs: readonly Variable[];
  /**
   * The user's file:line that built this node, for error messages. A node a rewrite creates
   * takes over the trace of the node it replaces (FunctionGraph.replace), so errors still point
   * at the user's code.
   */
  trace: string;

  constructor(
    op: Op,
    inputs: readonly Variable[],
    outputTypes: readonly TensorType[],
    trace = userCallSite(),
  ) {
    this.op = op;
    this.inputList = Object.freeze([...inputs]);
    this.outputs = Object.freeze(outputTypes.map((t, i) => new Variable(t, undefined, this, i)));
    this.trace = trace;
  }

  get inputs(): readonly Variable[] {
    return this.inputList;
  }

  /**
   * Rewire input i. Only FunctionGraph calls this, on its own clone of the user's graph (a graph
   * the user holds is never rewired), so rewrites can replace a variable without rebuilding
   * every node downstream of it.
   */
  setInput(i: number, variable: Variable): void {
    const inputs = [...this.inputList];
    inputs[i] = variable;
    this.inputList = Object.freeze(inputs);
  }

  /** The single output of a one-output node. */
  get out(): Variable {
    if (this.outputs.length !== 1) {
      throw new Error(`${this.op.toString()} has ${this.outputs.length} outputs; pick one with .outputs[i]`);
    }
    return this.outputs[0];
  }
}

export function isConstant(v: Variable): v is Constant {
  return v instanceof Constant;
}

export function isShared(v: Variable): v is SharedVariable {
  return v instanceof SharedVariable;
}
