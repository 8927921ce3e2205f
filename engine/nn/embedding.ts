// Embedding: integer token ids → rows of a [vocabulary, dim] table, initialised N(0, 1) as
// PyTorch's nn.Embedding. The gradient flows into the looked-up rows only (take's gradient is
// an indexed increment).
import type { SharedVariable, Variable } from '../core/graph.ts';
import { take } from '../ops/take.ts';
import type { Rng } from '../random/rng.ts';
import { scaledNormal, type Initializer } from './init.ts';
import { Module, type ModuleOptions, type ParamBinding } from './module.ts';

export interface EmbeddingOptions extends ModuleOptions {
  rng: Rng;
  init?: Initializer;
}

export class Embedding extends Module {
  readonly vocabulary: number;
  readonly dim: number;
  readonly W: SharedVariable;

  constructor(vocabulary: number, dim: number, options: EmbeddingOptions) {
    super('embedding', options);
    this.vocabulary = vocabulary;
    this.dim = dim;
    this.W = this.addParam('W', [vocabulary, dim], options.init ?? scaledNormal(1), options.rng);
  }

  /** ids of any shape (int32) → the same shape plus a trailing dim axis. */
  forward(ids: Variable, binding?: ParamBinding): Variable {
    if (ids.dtype !== 'int32') {
      throw new Error(
        `Embedding ${this.name}: token ids must be int32, got ${ids.type.toString()}; cast them first`,
      );
    }
    return take(this.use(this.W, binding), ids, 0);
  }
}
