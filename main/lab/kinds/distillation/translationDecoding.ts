// Decoding a translation model the way its evaluation and sequence-level KD need it: greedy
// decoding (one compiled function, the argmax fed back inside the graph) and beam search (a
// compiled encoder and a compiled decoder step, the beams on the host), in chunks of sentences;
// and what a decoded sentence is worth — BLEU against its reference, exact match, and whether it
// is a correct translation with either synonym choice (the toy language's own measure).
import { fn, type CompiledFunction } from '../../../../engine/compile/fn.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { BOS, EOS, PAD, isConsistentTranslation } from '../../../../engine/data/toy-translation.ts';
import {
  beamSearchHypotheses,
  logSoftmaxRows,
  repeatRows,
  type Hypothesis,
} from '../../../../engine/nn/beamSearch.ts';
import type { Seq2Seq } from '../../../../engine/nn/seq2seq.ts';
import { matrix, tensor, vector } from '../../../../engine/tensor.ts';
import { corpusBleu } from '../../bleu.ts';
import type { LabBackendName } from '../../backendNames.ts';

/** Sentences decoded per call (bounds the memory of a beam's rows). */
const chunkSentences = 500;

/** The words of an id row: up to (not including) the first EOS, without padding. */
export function sentenceWords(row: ArrayLike<number>): number[] {
  const words: number[] = [];
  for (let i = 0; i < row.length; i++) {
    if (row[i] === EOS) break;
    if (row[i] !== PAD && row[i] !== BOS) words.push(row[i]);
  }
  return words;
}

/** Rows [from, to) of an int32 [N, W] array. */
function rowsOf(ids: NDArray, from: number, to: number): NDArray {
  const width = ids.shape[1];
  return new NDArray(ids.contiguous().data.subarray(from * width, to * width), [to - from, width]);
}

export interface TranslationDecoder {
  /** The words of each sentence's greedy translation. */
  greedy(source: NDArray): number[][];
  /** Each sentence's beam search hypotheses, best first. */
  beam(source: NDArray, beamSize: number): Hypothesis[][];
  functions(): [string, CompiledFunction][];
}

/** Compiles greedy decoding and the beam-search step of `model` for source rows of `width` ids. */
export function translationDecoder(
  model: Seq2Seq,
  width: number,
  backend: LabBackendName,
): TranslationDecoder {
  const source = matrix('source', 'int32', [null, width]);
  const greedyIds = fn([source], model.greedy(source, width), { backend });
  const encoded = model.encode(source);
  const encode = fn([source], [encoded.outputs, encoded.maskBias, ...encoded.state], { backend });
  const outputs = tensor('float32', [null, width, model.options.hidden], 'outputs');
  const maskBias = matrix('mask_bias', 'float32', [null, width]);
  const previous = vector('previous', 'int32');
  const state = Array.from({ length: model.stateSize }, (_, i) =>
    matrix(`state${i}`, 'float32', [null, model.options.hidden]),
  );
  const stepped = model.decodeStep(previous, state, { outputs, maskBias });
  const step = fn([outputs, maskBias, previous, ...state], [stepped.logits, ...stepped.state], { backend });

  return {
    greedy(ids) {
      const words: number[][] = [];
      for (let from = 0; from < ids.shape[0]; from += chunkSentences) {
        const decoded = greedyIds(
          rowsOf(ids, from, Math.min(ids.shape[0], from + chunkSentences)),
        ) as NDArray;
        const data = decoded.contiguous().data;
        for (let r = 0; r < decoded.shape[0]; r++)
          words.push(sentenceWords(data.subarray(r * width, (r + 1) * width)));
      }
      return words;
    },
    beam(ids, beamSize) {
      const all: Hypothesis[][] = [];
      for (let from = 0; from < ids.shape[0]; from += chunkSentences) {
        const [memory, bias, ...initial] = encode(
          rowsOf(ids, from, Math.min(ids.shape[0], from + chunkSentences)),
        ) as NDArray[];
        const [rowsMemory, rowsBias] = repeatRows([memory, bias], beamSize);
        all.push(
          ...beamSearchHypotheses(
            initial,
            (prev, current) => {
              const [logits, ...next] = step(
                rowsMemory,
                rowsBias,
                new NDArray(prev, [prev.length]),
                ...current,
              ) as NDArray[];
              return { logProbs: logSoftmaxRows(logits), vocabulary: logits.shape[1], state: next };
            },
            { beamSize, maxLength: width, bos: BOS, eos: EOS },
          ),
        );
      }
      return all;
    },
    functions: () => [
      ['greedy decoding', greedyIds],
      ['encoder', encode],
      ['decoder step', step],
    ],
  };
}

export interface TranslationScores {
  bleu: number;
  exact: number;
  /** Correct translations with either synonym choice (engine/data/toy-translation.ts). */
  consistent: number;
}

/** BLEU against the references, exact match, and correct translations, over decoded sentences. */
export function scoreTranslations(
  hypotheses: number[][],
  source: NDArray,
  target: NDArray,
): TranslationScores {
  const width = source.shape[1];
  const sources = source.contiguous().data;
  const targets = target.contiguous().data;
  const references: number[][] = [];
  let exact = 0;
  let consistent = 0;
  hypotheses.forEach((words, r) => {
    const reference = sentenceWords(targets.subarray(r * width, (r + 1) * width));
    references.push(reference);
    if (words.length === reference.length && words.every((w, i) => w === reference[i])) exact++;
    if (isConsistentTranslation(sources.subarray(r * width, (r + 1) * width), [...words, EOS])) consistent++;
  });
  const n = Math.max(1, hypotheses.length);
  return {
    bleu: corpusBleu(
      hypotheses,
      references.map((ref) => [ref]),
    ).bleu,
    exact: exact / n,
    consistent: consistent / n,
  };
}
