// What the recurrent cells share: their options and fused-gate parameters, cutting a fused gate
// matrix into its gates, and turning a sequence argument into the per-step inputs of an
// unrolled loop.
import type { SharedVariable, Variable } from '../core/graph.ts';
import { split } from '../ops/join.ts';
import { subtensor } from '../ops/subtensor.ts';
import type { Rng } from '../random/rng.ts';
import { torchDefault, type Initializer } from './init.ts';
import { Module, type ModuleOptions } from './module.ts';

export interface RecurrentOptions extends ModuleOptions {
  rng: Rng;
  /** Initialiser of every weight and bias; PyTorch's U(±1/√hidden) unless given. */
  init?: Initializer;
}

/**
 * A cell whose `gates` gate blocks of H columns are fused into one product, stored as PyTorch
 * stores them transposed: W_ih [in, gates·H], W_hh [H, gates·H] and both biases [gates·H] (kept
 * apart so PyTorch weights load one to one), every tensor U(±1/√H) unless options.init is given.
 */
export abstract class FusedGateCell extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly Wih: SharedVariable;
  readonly Whh: SharedVariable;
  readonly bih: SharedVariable;
  readonly bhh: SharedVariable;

  protected constructor(
    defaultName: string,
    gates: number,
    inputSize: number,
    hiddenSize: number,
    options: RecurrentOptions,
  ) {
    super(defaultName, options);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    const init = options.init ?? torchDefault(hiddenSize);
    const G = gates * hiddenSize;
    // Registration order (W_ih, W_hh, b_ih, b_hh) is PyTorch's state_dict order.
    this.Wih = this.addParam('W_ih', [inputSize, G], init, options.rng);
    this.Whh = this.addParam('W_hh', [hiddenSize, G], init, options.rng);
    this.bih = this.addParam('b_ih', [G], init, options.rng);
    this.bhh = this.addParam('b_hh', [G], init, options.rng);
  }
}

/** Per-step inputs (each [batch, features]) or one [steps, batch, features] tensor of static length. */
export type SequenceInput = readonly Variable[] | Variable;

/**
 * The G gates of a fused LSTM/GRU product: equal pieces of H along the last axis, so it cuts a
 * [rows, G·H] matrix and a [G·H] bias alike. One split node (views, one gradient concatenate)
 * rather than G separate slices.
 */
export function splitGates(z: Variable, count: number, hidden: number): Variable[] {
  return split(z, new Array<number>(count).fill(hidden), z.ndim - 1);
}

export function unrollInputs(xs: SequenceInput, layer: string): Variable[] {
  if (Array.isArray(xs)) return [...(xs as readonly Variable[])];
  const seq = xs as Variable;
  const steps = seq.staticShape[0];
  if (seq.ndim !== 3 || steps === null) {
    throw new Error(
      `${layer}: a sequence tensor must be [steps, batch, features] with a static number of steps ` +
        `(the loop is unrolled when the graph is built), got ${seq.type.toString()}; ` +
        'declare it with T.tensor(dtype, [steps, null, features]) or pass a list of per-step inputs',
    );
  }
  return Array.from({ length: steps }, (_, t) => subtensor(seq, t));
}
