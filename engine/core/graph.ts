// The symbolic graph: variables (typed values that will exist when a function runs),
// constants, shared variables (state that lives between calls), Apply nodes (an op applied
// to inputs, producing outputs) and Op, the API every operator implements. Built-in and user
// ops produce exactly these.
//
// Variable, Apply and Op are one knot of types: a variable's owner is an Apply, an Apply holds
// its Op and makes its output Variables, an Op makes Apply nodes from Variables. They live in
// one file so that no two modules import each other (split, graph.ts and op.ts did).
import { callSiteHere, CallSite } from './callSite.ts';
import type { GradKit } from './gradKit.ts';
import { NDArray, type Shape } from './ndarray.ts';
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
  site: CallSite;

  constructor(
    op: Op,
    inputs: readonly Variable[],
    outputTypes: readonly TensorType[],
    site: CallSite = callSiteHere(),
  ) {
    this.op = op;
    this.inputList = Object.freeze([...inputs]);
    this.outputs = Object.freeze(outputTypes.map((t, i) => new Variable(t, undefined, this, i)));
    this.site = site;
  }

  /** The user's file:line that built this node (named on first use, see CallSite). */
  get trace(): string {
    return this.site.toString();
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

// Op: the one API every operator implements, built-in or user-written (Theano's Op).
//
// - `props` are the op's parameters. Equality, hashing and the printed name follow them, so
//   two `AXPB{a=4, b=5}` are the same op (the merge rewrite relies on it).
// - `makeNode` checks and types the inputs and returns the Apply node; it throws an error that
//   names the op, the shapes and the user's line.
// - `perform` is the reference implementation on host arrays (the js backend, the test oracle).
// - `inferShape` gives output shapes from input shapes without computing values.
// - `grad` builds the symbolic gradient with respect to each input. The differentiation driver
//   passes a third argument, `g`: graph builders (add, mul, sum, sumToShape…; core/gradKit.ts).
//   Built-in ops build their gradients with it, so an op file never imports the builders that
//   import op classes; a user op may ignore it and call T.mul and friends as before.
// - `native` (optional) describes the native kernel the op lowers to.

export type PropValue =
  number | string | boolean | null | readonly PropValue[] | { readonly [k: string]: PropValue };
export type Props = Readonly<Record<string, PropValue>>;

/**
 * A gradient entry: a Variable, `null` when the output does not depend on that input
 * (disconnected: a zero gradient), or an UndefinedGrad when it is not defined.
 */
export type GradEntry = Variable | null | UndefinedGrad;

export class UndefinedGrad {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

/** A native kernel call: a kernel of the native executor and its attributes. */
export interface NativeKernel {
  kernel: string;
  attrs: Readonly<Record<string, PropValue>>;
}

/**
 * In-place and aliasing facts, like Theano's destroy_map / view_map: output i overwrites
 * input j (destroys), or output i is a view of input j (shares memory).
 */
export interface AliasMap {
  destroys?: Readonly<Record<number, number>>;
  views?: Readonly<Record<number, number>>;
}

function canonical(value: PropValue): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as { readonly [k: string]: PropValue };
    return `{${Object.keys(record)
      .sort()
      .map((k) => `${k}: ${canonical(record[k])}`)
      .join(', ')}}`;
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

export abstract class Op {
  readonly props: Props;

  constructor(props: Props = {}) {
    this.props = Object.freeze({ ...props });
  }

  /** The printed name. Defaults to the class name; override when it is not meaningful. */
  get name(): string {
    return this.constructor.name;
  }

  /** Same class and equal props: the same op. */
  equals(other: Op): boolean {
    return this === other || (this.constructor === other.constructor && this.hash() === other.hash());
  }

  /** Computed once: props are frozen and the name derives from them. */
  private hashKey: string | undefined;

  /** A string key equal for equal ops (hashing by value, as Theano's __hash__ over __props__). */
  hash(): string {
    this.hashKey ??= `${this.name}${canonical(this.props as PropValue)}`;
    return this.hashKey;
  }

  /** `Name{a=4, b=5}`, or `Name` for an op without props. */
  toString(): string {
    const keys = Object.keys(this.props);
    if (keys.length === 0) return this.name;
    return `${this.name}{${keys.map((k) => `${k}=${canonical(this.props[k])}`).join(', ')}}`;
  }

  /** Check and type the inputs; return the node. */
  abstract makeNode(...inputs: Variable[]): Apply;

  /** Reference implementation: compute the outputs from host values. */
  abstract perform(inputs: readonly NDArray[], node: Apply): NDArray[];

  /** Output shapes from input shapes. Ops that can should: compilation plans buffers with it. */
  inferShape?(node: Apply, inputShapes: readonly Shape[]): Shape[];

  /**
   * Symbolic gradients of the cost w.r.t. each input, given the gradients w.r.t. each output.
   * `g` holds the graph builders a gradient needs (the same functions as T.add, T.sum…).
   */
  grad?(node: Apply, outputGrads: readonly (Variable | null)[], g: GradKit<Variable>): GradEntry[];

  /** The native kernel this node lowers to, when the op has one. */
  native?(node: Apply): NativeKernel | null;

  /** Aliasing facts for the in-place rewrite and the buffer planner. */
  aliasMap?(): AliasMap;

  /**
   * May a program computing this op be cached on disk and reused by another process
   * (engine/compile/programCache.ts)? Yes when the op's class and props fix what it computes;
   * ops whose behaviour comes from elsewhere (a user's function or compiled library) say no.
   */
  get programCacheable(): boolean {
    return true;
  }

  /** Build the node and return its single output (or all outputs for multi-output ops). */
  apply(...inputs: Variable[]): Variable {
    return this.makeNode(...inputs).out;
  }

  /** Helper for makeNode: an Apply with these output types and the user's call site. */
  protected node(inputs: readonly Variable[], outputTypes: readonly TensorType[]): Apply {
    return new Apply(this, inputs, outputTypes);
  }
}
