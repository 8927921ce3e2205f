// An encoder–decoder with global attention and input feeding (Luong et al. 2015), GRU or LSTM:
//   encoder  embeddings of the source words through a stack of cells; a padding position keeps
//            the previous state, so the final state is the one after the sentence's last word
//   decoder  input [embedding(y_{t-1}); h̃_{t-1}] through a stack of cells started from the
//            encoder's final states; h̃_t = tanh(W_c [context_t; h_t]); logits_t = W_o h̃_t + b
// The decoder works one step at a time on a flat list of state tensors (each layer's h, and c for
// an LSTM, then h̃), so the same step serves teacher forcing (forward), greedy decoding inside one
// compiled function (greedy), and beam search, which calls a compiled step and reorders rows.
import type { Variable } from '../core/graph.ts';
import { concatenate, stack } from '../ops/join.ts';
import { add, cast, mul, ne, sub } from '../ops/math.ts';
import { argmax } from '../ops/reduce.ts';
import { subtensor } from '../ops/subtensor.ts';
import type { Rng } from '../random/rng.ts';
import { GlobalAttention, paddingBias, type AttentionScore } from './attention.ts';
import { Dense } from './dense.ts';
import { Embedding } from './embedding.ts';
import { GRUCell } from './gru.ts';
import { LSTMCell } from './lstm.ts';
import { Module, type ModuleOptions, type ParamBinding } from './module.ts';

export type RecurrentCellKind = 'gru' | 'lstm';

export interface Seq2SeqOptions extends ModuleOptions {
  rng: Rng;
  cell: RecurrentCellKind;
  sourceVocabulary: number;
  targetVocabulary: number;
  embedding: number;
  hidden: number;
  layers?: number;
  attention?: AttentionScore;
  /** The source id of padding (masked out of attention and of the encoder's state). */
  pad?: number;
  /** The target id the decoder starts from. */
  bos: number;
}

/** What the decoder reads at every step: the encoder outputs and where the source is padding. */
export interface EncoderMemory {
  /** [B, S, H] */
  outputs: Variable;
  /** [B, S]: 0 on words, −1e9 on padding. */
  maskBias: Variable;
}

export interface Encoded extends EncoderMemory {
  /** The decoder's initial state (encoder final states, then h̃ = 0). */
  state: Variable[];
}

type Cell = GRUCell | LSTMCell;

export class Seq2Seq extends Module {
  readonly options: Required<Omit<Seq2SeqOptions, 'name' | 'dtype' | 'rng'>>;
  private readonly sourceEmbedding: Embedding;
  private readonly targetEmbedding: Embedding;
  private readonly encoderCells: Cell[];
  private readonly decoderCells: Cell[];
  private readonly attention: GlobalAttention;
  private readonly output: Dense;

  constructor(options: Seq2SeqOptions) {
    super('seq2seq', options);
    const { rng, cell, embedding: E, hidden: H } = options;
    const layers = options.layers ?? 1;
    this.options = {
      cell,
      sourceVocabulary: options.sourceVocabulary,
      targetVocabulary: options.targetVocabulary,
      embedding: E,
      hidden: H,
      layers,
      attention: options.attention ?? 'general',
      pad: options.pad ?? 0,
      bos: options.bos,
    };
    const dtype = options.dtype;
    const child = <M extends Module>(local: string, make: (name: string) => M) =>
      this.addChild(local, make(this.childName(local)));
    this.sourceEmbedding = child(
      'source_embedding',
      (name) => new Embedding(options.sourceVocabulary, E, { name, rng, dtype }),
    );
    this.targetEmbedding = child(
      'target_embedding',
      (name) => new Embedding(options.targetVocabulary, E, { name, rng, dtype }),
    );
    const makeCell = (input: number, name: string): Cell =>
      cell === 'gru'
        ? new GRUCell(input, H, { name, rng, dtype })
        : new LSTMCell(input, H, { name, rng, dtype });
    this.encoderCells = Array.from({ length: layers }, (_, k) =>
      child(`encoder${k}`, (name) => makeCell(k === 0 ? E : H, name)),
    );
    // Input feeding: the first decoder layer also reads the previous attentional state h̃.
    this.decoderCells = Array.from({ length: layers }, (_, k) =>
      child(`decoder${k}`, (name) => makeCell(k === 0 ? E + H : H, name)),
    );
    this.attention = child(
      'attention',
      (name) => new GlobalAttention(H, { name, rng, dtype, score: this.options.attention }),
    );
    this.output = child('output', (name) => new Dense(H, options.targetVocabulary, { name, rng, dtype }));
  }

  /** State tensors per layer: h (GRU) or h, c (LSTM). */
  private get perLayer(): number {
    return this.options.cell === 'lstm' ? 2 : 1;
  }

  /** How many tensors the decoder state has (the layers' states, then h̃). */
  get stateSize(): number {
    return this.options.layers * this.perLayer + 1;
  }

  /** One step of a stack of cells; `state` is the flat per-layer list (null: zeros). */
  private stepStack(
    cells: readonly Cell[],
    x: Variable,
    state: readonly Variable[] | null,
    binding?: ParamBinding,
  ): Variable[] {
    const next: Variable[] = [];
    let input = x;
    cells.forEach((cell, k) => {
      if (cell instanceof LSTMCell) {
        const s = cell.step(input, state ? { h: state[2 * k], c: state[2 * k + 1] } : null, binding);
        next.push(s.h, s.c);
        input = s.h;
      } else {
        input = cell.step(input, state ? state[k] : null, binding);
        next.push(input);
      }
    });
    return next;
  }

  private top(state: readonly Variable[]): Variable {
    return state[this.perLayer * (this.options.layers - 1)];
  }

  /** Runs the encoder over source ids [B, S] (int32, S static). */
  encode(source: Variable, binding?: ParamBinding): Encoded {
    const steps = source.staticShape[1];
    if (source.ndim !== 2 || source.dtype !== 'int32' || steps === null) {
      throw new Error(
        `Seq2Seq ${this.name}: source must be int32 ids [sentences, length] with a static length, got ${source.type.toString()}`,
      );
    }
    const embedded = this.sourceEmbedding.forward(source, binding);
    const dtype = embedded.dtype;
    let state: Variable[] | null = null;
    const outputs: Variable[] = [];
    for (let t = 0; t < steps; t++) {
      const next = this.stepStack(this.encoderCells, subtensor(embedded, null, t), state, binding);
      if (state === null) {
        state = next;
      } else {
        // Padding keeps the state: s = m·s' + (1 − m)·s with m = 1 on words, 0 on padding.
        const word = cast(ne(subtensor(source, null, [t, t + 1]), this.options.pad), dtype);
        const previous: Variable[] = state;
        state = next.map((s, i) => add(mul(word, s), mul(sub(1, word), previous[i])));
      }
      outputs.push(this.top(state));
    }
    const finalState = state!;
    const top = this.top(finalState);
    return {
      outputs: stack(outputs, 1),
      maskBias: paddingBias(source, this.options.pad, dtype),
      state: [...finalState, mul(top, 0)],
    };
  }

  /** One decoder step from the previous target ids [B]: the logits [B, V] and the next state. */
  decodeStep(
    previous: Variable,
    state: readonly Variable[],
    memory: EncoderMemory,
    binding?: ParamBinding,
  ): { logits: Variable; state: Variable[] } {
    const feed = state[state.length - 1];
    const x = concatenate([this.targetEmbedding.forward(previous, binding), feed], 1);
    const layers = this.stepStack(this.decoderCells, x, state.slice(0, -1), binding);
    const attentional = this.attention.forward(this.top(layers), memory.outputs, memory.maskBias, binding);
    return { logits: this.output.forward(attentional, binding), state: [...layers, attentional] };
  }

  /** Teacher forcing: logits [B, L, V] for decoder inputs [B, L] (BOS, y_0, …, y_{L-2}). */
  forward(source: Variable, decoderInput: Variable, binding?: ParamBinding): Variable {
    const steps = decoderInput.staticShape[1];
    if (decoderInput.ndim !== 2 || decoderInput.dtype !== 'int32' || steps === null) {
      throw new Error(
        `Seq2Seq ${this.name}: decoder inputs must be int32 ids [sentences, length] with a static length, got ${decoderInput.type.toString()}`,
      );
    }
    const encoded = this.encode(source, binding);
    let state = encoded.state;
    const logits: Variable[] = [];
    for (let t = 0; t < steps; t++) {
      const step = this.decodeStep(subtensor(decoderInput, null, t), state, encoded, binding);
      logits.push(step.logits);
      state = step.state;
    }
    return stack(logits, 1);
  }

  /** Greedy decoding inside the graph: ids [B, steps] (int32), each step's argmax fed back. */
  greedy(source: Variable, steps: number, binding?: ParamBinding): Variable {
    const encoded = this.encode(source, binding);
    let previous = add(mul(subtensor(source, null, 0), 0), this.options.bos);
    let state = encoded.state;
    const ids: Variable[] = [];
    for (let t = 0; t < steps; t++) {
      const step = this.decodeStep(previous, state, encoded, binding);
      previous = argmax(step.logits, -1);
      ids.push(previous);
      state = step.state;
    }
    return stack(ids, 1);
  }
}
