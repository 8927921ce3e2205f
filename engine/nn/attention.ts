// Global attention (Luong, Pham & Manning 2015): a decoder state h scores every encoder output
// e_j — dot: hᵀe_j, general: hᵀW_a e_j — the scores of padding positions are pushed to −1e9, a
// softmax over the source positions gives the weights a_j, and the context is Σ_j a_j e_j. The
// attentional state is h̃ = tanh(W_c [context; h]). Rows are sentences: h is [B, H], the encoder
// outputs [B, S, H], the mask bias [B, S] (0 on words, −1e9 on padding).
import type { SharedVariable, Variable } from '../core/graph.ts';
import { expandDims } from '../ops/dimshuffle.ts';
import { concatenate } from '../ops/join.ts';
import { dot } from '../ops/linalg.ts';
import { add, cast, mul, ne, sub, tanh } from '../ops/math.ts';
import { softmax } from '../ops/nnet.ts';
import { sum } from '../ops/reduce.ts';
import type { Rng } from '../random/rng.ts';
import { torchDefault } from './init.ts';
import { Module, type ModuleOptions, type ParamBinding } from './module.ts';

export type AttentionScore = 'dot' | 'general';

export interface GlobalAttentionOptions extends ModuleOptions {
  rng: Rng;
  score?: AttentionScore;
}

/** 0 where `ids` is a word, −1e9 where it is `pad`: added to attention scores before the softmax. */
export function paddingBias(ids: Variable, pad: number, dtype: Variable['dtype'] = 'float32'): Variable {
  return mul(sub(cast(ne(ids, pad), dtype), 1), 1e9);
}

export class GlobalAttention extends Module {
  readonly hidden: number;
  readonly score: AttentionScore;
  /** W_a (general only), [H, H]. */
  readonly Wa: SharedVariable | null;
  /** W_c, [2H, H]: the attentional state from [context; h]. */
  readonly Wc: SharedVariable;

  constructor(hidden: number, options: GlobalAttentionOptions) {
    super('attention', options);
    this.hidden = hidden;
    this.score = options.score ?? 'general';
    // Bias-free as in Luong et al.; U(±1/√fan-in) as PyTorch's Linear.
    this.Wa =
      this.score === 'general'
        ? this.addParam('W_a', [hidden, hidden], torchDefault(hidden), options.rng)
        : null;
    this.Wc = this.addParam('W_c', [2 * hidden, hidden], torchDefault(2 * hidden), options.rng);
  }

  /** The attention weights [B, S] of decoder states h [B, H] over encoder outputs [B, S, H]. */
  weights(h: Variable, outputs: Variable, maskBias: Variable, binding?: ParamBinding): Variable {
    const query = this.Wa ? dot(h, this.use(this.Wa, binding)) : h;
    const scores = sum(mul(outputs, expandDims(query, 1)), -1);
    return softmax(add(scores, maskBias), -1);
  }

  /** h̃ = tanh(W_c [context; h]) for decoder states h. */
  forward(h: Variable, outputs: Variable, maskBias: Variable, binding?: ParamBinding): Variable {
    const a = this.weights(h, outputs, maskBias, binding);
    const context = sum(mul(outputs, expandDims(a, 2)), 1);
    return tanh(dot(concatenate([context, h], 1), this.use(this.Wc, binding)));
  }
}
