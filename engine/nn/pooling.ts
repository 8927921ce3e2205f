// Pooling and flattening layers (no parameters): MaxPool2d and AvgPool2d as PyTorch's (windows,
// ceil mode, count_include_pad; max-pool ties split evenly, engine/ops/pool.ts), and Flatten,
// which keeps the batch axis and flattens the rest in row-major (C, H, W) order — PyTorch's
// nn.Flatten, so a Dense layer after it has PyTorch's weight order too.
import type { Variable } from '../core/graph.ts';
import type { Pair } from '../ops/conv.ts';
import { avgPool2d, maxPool2d, type Pool2dOptions } from '../ops/pool.ts';
import { flatten } from '../ops/reshape.ts';
import { Module, type ModuleOptions } from './module.ts';

export interface PoolLayerOptions extends ModuleOptions, Pool2dOptions {}

export class MaxPool2d extends Module {
  readonly kernel: number | Pair;
  readonly options: Pool2dOptions;

  constructor(kernel: number | Pair, options: PoolLayerOptions = {}) {
    super('maxpool', options);
    this.kernel = kernel;
    this.options = options;
  }

  forward(x: Variable): Variable {
    return maxPool2d(x, this.kernel, this.options);
  }
}

export class AvgPool2d extends Module {
  readonly kernel: number | Pair;
  readonly options: Pool2dOptions;

  constructor(kernel: number | Pair, options: PoolLayerOptions = {}) {
    super('avgpool', options);
    this.kernel = kernel;
    this.options = options;
  }

  forward(x: Variable): Variable {
    return avgPool2d(x, this.kernel, this.options);
  }
}

export class Flatten extends Module {
  constructor(options: ModuleOptions = {}) {
    super('flatten', options);
  }

  /** [N, …] → [N, product of the rest]; the trailing sizes must be static. */
  forward(x: Variable): Variable {
    return flatten(x, 2);
  }
}
