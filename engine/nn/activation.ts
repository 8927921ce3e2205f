// Activations by name, so layers and experiment configs (YAML) can name them as strings.
import type { Variable } from '../core/graph.ts';
import { relu, sigmoid, softplus, tanh } from '../ops/math.ts';

export const activations = ['identity', 'sigmoid', 'tanh', 'relu', 'softplus'] as const;
export type Activation = (typeof activations)[number];

export function applyActivation(name: Activation, x: Variable): Variable {
  switch (name) {
    case 'identity':
      return x;
    case 'sigmoid':
      return sigmoid(x);
    case 'tanh':
      return tanh(x);
    case 'relu':
      return relu(x);
    case 'softplus':
      return softplus(x);
  }
  throw new Error(`unknown activation "${String(name)}"; choose one of ${activations.join(', ')}`);
}
