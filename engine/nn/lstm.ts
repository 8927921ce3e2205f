// LSTM cell and unrolled LSTM, PyTorch's LSTMCell formulation and gate order (i, f, g, o):
//   z = x·W_ih + b_ih + h·W_hh + b_hh            (z has 4H columns: i | f | g | o)
//   i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o)
//   c' = f⊙c + i⊙g,  h' = o⊙tanh(c')
// Weights are stored [in, 4H] and [H, 4H] (PyTorch's transposes), both biases kept so PyTorch
// weights load one to one, and every tensor starts U(±1/√H) as in PyTorch.
// Rows are independent: a batch of B rows is B sequences, or — the coordinatewise mode of
// coordinatewise.ts — B coordinates of a learned optimizer sharing the weights.
import type { Variable } from '../core/graph.ts';
import { dot } from '../ops/linalg.ts';
import { add, mul, sigmoid, tanh } from '../ops/math.ts';
import { Module, type ParamBinding } from './module.ts';
import {
  FusedGateCell,
  splitGates,
  unrollInputs,
  type RecurrentOptions,
  type SequenceInput,
} from './recurrent.ts';

export interface LSTMState {
  h: Variable;
  c: Variable;
}

export class LSTMCell extends FusedGateCell {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions) {
    super('lstm', 4, inputSize, hiddenSize, options);
  }

  /**
   * One step. `state` null means h = c = 0 (the usual start), which skips the h·W_hh product and
   * the forget term instead of multiplying zeros of a shape only known at run time.
   */
  step(x: Variable, state: LSTMState | null, binding?: ParamBinding): LSTMState {
    const H = this.hiddenSize;
    const bias = add(this.use(this.bih, binding), this.use(this.bhh, binding));
    let z = add(dot(x, this.use(this.Wih, binding)), bias);
    if (state) z = add(z, dot(state.h, this.use(this.Whh, binding)));
    const [zi, zf, zg, zo] = splitGates(z, 4, H);
    const ig = mul(sigmoid(zi), tanh(zg));
    const c = state ? add(mul(sigmoid(zf), state.c), ig) : ig;
    return { h: mul(sigmoid(zo), tanh(c)), c };
  }
}

export interface LSTMOptions extends RecurrentOptions {
  /** Stacked layers; layer k > 0 reads layer k-1's h. */
  layers?: number;
}

export interface LSTMResult {
  /** The top layer's h at every step. */
  outputs: Variable[];
  /** Every layer's final state, bottom first. */
  state: LSTMState[];
}

/** A stack of LSTM cells unrolled over a sequence known at graph-building time. */
export class LSTM extends Module {
  readonly cells: readonly LSTMCell[];

  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions) {
    super('lstm', options);
    const layers = options.layers ?? 1;
    const cells: LSTMCell[] = [];
    for (let k = 0; k < layers; k++) {
      const name = this.childName(String(k));
      const cell = new LSTMCell(k === 0 ? inputSize : hiddenSize, hiddenSize, { ...options, name });
      cells.push(this.addChild(String(k), cell));
    }
    this.cells = cells;
  }

  /** One step of the whole stack: returns the top h and every layer's new state. */
  step(
    x: Variable,
    state: readonly LSTMState[] | null,
    binding?: ParamBinding,
  ): { h: Variable; state: LSTMState[] } {
    const next: LSTMState[] = [];
    let input = x;
    this.cells.forEach((cell, k) => {
      const s = cell.step(input, state ? state[k] : null, binding);
      next.push(s);
      input = s.h;
    });
    return { h: input, state: next };
  }

  forward(
    xs: SequenceInput,
    initial: readonly LSTMState[] | null = null,
    binding?: ParamBinding,
  ): LSTMResult {
    let state: LSTMState[] | null = initial ? [...initial] : null;
    const outputs: Variable[] = [];
    for (const x of unrollInputs(xs, 'LSTM')) {
      const r = this.step(x, state, binding);
      outputs.push(r.h);
      state = r.state;
    }
    if (!state) throw new Error('LSTM.forward: the sequence is empty; give at least one step');
    return { outputs, state };
  }
}
