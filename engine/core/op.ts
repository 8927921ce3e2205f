// Op: the one API every operator implements, built-in or user-written (Theano's Op).
//
// - `props` are the op's parameters. Equality, hashing and the printed name follow them, so
//   two `AXPB{a=4, b=5}` are the same op (the merge rewrite relies on it).
// - `makeNode` checks and types the inputs and returns the Apply node; it throws an error that
//   names the op, the shapes and the user's line.
// - `perform` is the reference implementation on host arrays (the js backend, the test oracle).
// - `inferShape` gives output shapes from input shapes without computing values.
// - `grad` builds the symbolic gradient with respect to each input.
// - `native` (optional) describes the native kernel the op lowers to.
import { Apply, type Variable } from './graph.ts';
import type { NDArray, Shape } from './ndarray.ts';
import type { TensorType } from './type.ts';

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

  /** A string key equal for equal ops (hashing by value, as Theano's __hash__ over __props__). */
  hash(): string {
    return `${this.name}${canonical(this.props as PropValue)}`;
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

  /** Symbolic gradients of the cost w.r.t. each input, given the gradients w.r.t. each output. */
  grad?(node: Apply, outputGrads: readonly (Variable | null)[]): GradEntry[];

  /** The native kernel this node lowers to, when the op has one. */
  native?(node: Apply): NativeKernel | null;

  /** Aliasing facts for the in-place rewrite and the buffer planner. */
  aliasMap?(): AliasMap;

  /** Build the node and return its single output (or all outputs for multi-output ops). */
  apply(...inputs: Variable[]): Variable {
    return this.makeNode(...inputs).out;
  }

  /** Helper for makeNode: an Apply with these output types and the user's call site. */
  protected node(inputs: readonly Variable[], outputTypes: readonly TensorType[]): Apply {
    return new Apply(this, inputs, outputTypes);
  }
}
