// GRU cell and unrolled GRU, PyTorch's GRUCell formulation and gate order (r, z, n):
//   r = σ(x·W_ir + b_ir + h·W_hr + b_hr)
//   z = σ(x·W_iz + b_iz + h·W_hz + b_hz)
//   n = tanh(x·W_in + b_in + r⊙(h·W_hn + b_hn))      (r gates the recurrent term *with* its bias)
//   h' = (1 - z)⊙n + z⊙h
// Weights stored [in, 3H] and [H, 3H]; every tensor starts U(±1/√H) as in PyTorch.
import type { Variable } from '../core/graph.ts';
import { dot } from '../ops/linalg.ts';
import { add, mul, sigmoid, sub, tanh } from '../ops/math.ts';
import { Module, type ParamBinding } from './module.ts';
import {
  FusedGateCell,
  splitGates,
  unrollInputs,
  type RecurrentOptions,
  type SequenceInput,
} from './recurrent.ts';

export class GRUCell extends FusedGateCell {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions) {
    super('gru', 3, inputSize, hiddenSize, options);
  }

  /** One step; `h` null means h = 0 (the recurrent product reduces to its bias b_hh). */
  step(x: Variable, h: Variable | null, binding?: ParamBinding): Variable {
    const H = this.hiddenSize;
    const xi = add(dot(x, this.use(this.Wih, binding)), this.use(this.bih, binding));
    const bhh = this.use(this.bhh, binding);
    const hh = h ? add(dot(h, this.use(this.Whh, binding)), bhh) : bhh;
    const [xr, xz, xn] = splitGates(xi, 3, H);
    const [hr, hz, hn] = splitGates(hh, 3, H);
    const r = sigmoid(add(xr, hr));
    const z = sigmoid(add(xz, hz));
    const n = tanh(add(xn, mul(r, hn)));
    const keepNew = mul(sub(1, z), n);
    return h ? add(keepNew, mul(z, h)) : keepNew;
  }
}

export interface GRUResult {
  outputs: Variable[];
  /** Every layer's final h, bottom first. */
  state: Variable[];
}

/** A stack of GRU cells unrolled over a sequence known at graph-building time. */
export class GRU extends Module {
  readonly cells: readonly GRUCell[];

  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions & { layers?: number }) {
    super('gru', options);
    const cells: GRUCell[] = [];
    for (let k = 0; k < (options.layers ?? 1); k++) {
      const name = this.childName(String(k));
      cells.push(
        this.addChild(
          String(k),
          new GRUCell(k === 0 ? inputSize : hiddenSize, hiddenSize, { ...options, name }),
        ),
      );
    }
    this.cells = cells;
  }

  forward(xs: SequenceInput, initial: readonly Variable[] | null = null, binding?: ParamBinding): GRUResult {
    let state: Variable[] | null = initial ? [...initial] : null;
    const outputs: Variable[] = [];
    for (const x of unrollInputs(xs, 'GRU')) {
      const next: Variable[] = [];
      let input = x;
      this.cells.forEach((cell, k) => {
        input = cell.step(input, state ? state[k] : null, binding);
        next.push(input);
      });
      outputs.push(input);
      state = next;
    }
    if (!state) throw new Error('GRU.forward: the sequence is empty; give at least one step');
    return { outputs, state };
  }
}
