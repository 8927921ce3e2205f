// Progressive networks (Rusu et al. 2016, "Progressive Neural Networks"): one column — an MLP —
// per task, and lateral connections from every earlier column into each later one. Column k's
// layer l+1 (l ≥ 1) sees its own layer l and the layer l of every earlier column:
//     h⁽ᵏ⁾_{l+1} = f(W⁽ᵏ⁾_l h⁽ᵏ⁾_l + b⁽ᵏ⁾_l + Σ_{j<k} U⁽ᵏ:ʲ⁾_l h⁽ʲ⁾_l)
// (layer 0 of every column reads the same input, so laterals start at the first hidden layer).
// Task k trains only column k's parameters and its laterals; earlier columns stay as they were,
// so nothing learned before is forgotten, and what they learned transfers through the laterals.
// The last layer of each column is linear (logits).
import type { SharedVariable, Variable } from '../core/graph.ts';
import { add } from '../ops/math.ts';
import type { Rng } from '../random/rng.ts';
import { applyActivation, type Activation } from './activation.ts';
import { Dense } from './dense.ts';
import { Module, type ModuleOptions, type ParamBinding } from './module.ts';

export interface ProgressiveOptions extends ModuleOptions {
  rng: Rng;
  /** Hidden layers' activation (default relu). */
  activation?: Activation;
}

export class ProgressiveNet extends Module {
  readonly sizes: readonly number[];
  readonly columnCount: number;
  private readonly activation: Activation;
  /** layers[k][l]: column k's own layer l. */
  private readonly layers: Dense[][];
  /** laterals[k][l][j]: from column j's layer-l activations into column k's layer l (l ≥ 1). */
  private readonly laterals: Dense[][][];

  constructor(sizes: readonly number[], columns: number, options: ProgressiveOptions) {
    super('progressive', options);
    if (sizes.length < 2)
      throw new Error(`ProgressiveNet: give at least input and output sizes, got [${sizes.join(', ')}]`);
    if (!Number.isInteger(columns) || columns < 1)
      throw new Error(`ProgressiveNet: columns must be ≥ 1, got ${columns}`);
    this.sizes = sizes;
    this.columnCount = columns;
    this.activation = options.activation ?? 'relu';
    const { rng, dtype } = options;
    const layerCount = sizes.length - 1;
    this.layers = [];
    this.laterals = [];
    for (let k = 0; k < columns; k++) {
      const own: Dense[] = [];
      const lateral: Dense[][] = [];
      for (let l = 0; l < layerCount; l++) {
        const local = `column${k}.${l}`;
        own.push(
          this.addChild(
            local,
            new Dense(sizes[l], sizes[l + 1], { rng, dtype, name: this.childName(local) }),
          ),
        );
        const into: Dense[] = [];
        for (let j = 0; l >= 1 && j < k; j++) {
          const name = `column${k}.${l}.from${j}`;
          into.push(
            this.addChild(
              name,
              new Dense(sizes[l], sizes[l + 1], { rng, dtype, bias: false, name: this.childName(name) }),
            ),
          );
        }
        lateral.push(into);
      }
      this.layers.push(own);
      this.laterals.push(lateral);
    }
  }

  /** The logits of column `column` for input x (columns before it run alongside). */
  forward(x: Variable, column: number, binding?: ParamBinding): Variable {
    if (!Number.isInteger(column) || column < 0 || column >= this.columnCount)
      throw new Error(
        `ProgressiveNet.forward: column ${column} does not exist (0 to ${this.columnCount - 1})`,
      );
    const layerCount = this.sizes.length - 1;
    // activations[j][l]: column j's input to layer l (activations[j][0] = x).
    const activations: Variable[][] = [];
    for (let k = 0; k <= column; k++) {
      const inputs = [x];
      for (let l = 0; l < layerCount; l++) {
        let z = this.layers[k][l].forward(inputs[l], binding);
        this.laterals[k][l].forEach((u, j) => (z = add(z, u.forward(activations[j][l], binding))));
        inputs.push(l === layerCount - 1 ? z : applyActivation(this.activation, z));
      }
      activations.push(inputs);
    }
    return activations[column][layerCount];
  }

  /** What training column k updates: its own layers and the laterals into it. */
  columnParameters(column: number): SharedVariable[] {
    return [
      ...this.layers[column].flatMap((d) => d.parameters()),
      ...this.laterals[column].flat().flatMap((d) => d.parameters()),
    ];
  }
}
