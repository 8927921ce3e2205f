// A toy translation language for sequence-level distillation (in the spirit of Kim & Rush 2016):
// a word-for-word translation where every source word has two target synonyms, and each
// sentence picks ONE synonym set (a "register" bit) for all of its words. Any single target word
// is a coin flip, but a sentence is correct only if its choice is consistent — a student that
// learns per-word marginals mixes registers; one that learns sentences does not.
//
// Token ids (int32), shared by source and target:
//   0 = PAD (after EOS, up to the fixed row length), 1 = BOS (never in the data; for decoders
//   that need a start token), 2 = EOS (ends every sequence).
//   source word w in [0, V)          -> id 3 + w                     (source vocabulary 3 + V)
//   target synonym c in {0, 1} of w  -> id 3 + 2w + c                (target vocabulary 3 + 2V)
// A sentence of length L in [minLength, maxLength] has L words i.i.d. uniform over V, then EOS;
// its target is the same length: word i translates source word i with the sentence's choice c.
// Rows are maxLength + 1 long.
import { NDArray } from '../core/ndarray.ts';
import { Rng } from '../random/rng.ts';
import type { Dataset, SplitSizes, Splits } from './dataset.ts';

export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
const FIRST_WORD = 3;

export interface ToyLanguageOptions {
  /** Number of source words V (default 20). */
  vocabulary?: number;
  minLength?: number;
  maxLength?: number;
}

export interface TranslationDataset extends Dataset {
  /** (N, maxLength + 1) int32 source ids. */
  source: NDArray;
  /** (N, maxLength + 1) int32 target ids. */
  target: NDArray;
  /** (N,) int32 synonym choice of each sentence (0 or 1). */
  choice: NDArray;
  /** (N,) int32 number of words (EOS not counted). */
  length: NDArray;
}

function resolve(options: ToyLanguageOptions): Required<ToyLanguageOptions> {
  const { vocabulary = 20, minLength = 3, maxLength = 10 } = options;
  if (!Number.isInteger(vocabulary) || vocabulary < 1) {
    throw new Error(`toy language: vocabulary must be a positive integer, got ${vocabulary}`);
  }
  if (
    !Number.isInteger(minLength) ||
    !Number.isInteger(maxLength) ||
    minLength < 1 ||
    maxLength < minLength
  ) {
    throw new Error(
      `toy language: need integers 1 <= minLength <= maxLength, got ${minLength} and ${maxLength}`,
    );
  }
  return { vocabulary, minLength, maxLength };
}

export function toyVocabularySizes(options: ToyLanguageOptions = {}): { source: number; target: number } {
  const { vocabulary } = resolve(options);
  return { source: FIRST_WORD + vocabulary, target: FIRST_WORD + 2 * vocabulary };
}

/** The target id of source id `sourceId` under synonym choice `choice`; specials map to themselves. */
export function targetSynonym(sourceId: number, choice: 0 | 1): number {
  return sourceId < FIRST_WORD ? sourceId : FIRST_WORD + 2 * (sourceId - FIRST_WORD) + choice;
}

/**
 * Whether a target row is a correct translation of a source row: same length, every word a
 * synonym of its source word, and one synonym choice throughout.
 */
export function isConsistentTranslation(source: ArrayLike<number>, target: ArrayLike<number>): boolean {
  let choice = -1;
  for (let i = 0; i < source.length; i++) {
    const s = source[i];
    const t = target[i];
    if (s < FIRST_WORD) {
      if (t !== s) return false;
      if (s === EOS) return true;
      continue;
    }
    const c = (t - FIRST_WORD) % 2;
    if (t < FIRST_WORD || (t - FIRST_WORD - c) / 2 !== s - FIRST_WORD) return false;
    if (choice === -1) choice = c;
    else if (c !== choice) return false;
  }
  return true;
}

/** `count` sentence pairs from (seed, stream). */
export function generateToyTranslation(
  count: number,
  seed: number,
  options: ToyLanguageOptions & { stream?: number } = {},
): TranslationDataset {
  const { vocabulary, minLength, maxLength } = resolve(options);
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(`toy language: count must be a non-negative integer, got ${count}`);
  }
  const rng = new Rng(seed, options.stream ?? 0);
  const width = maxLength + 1;
  const source = new Int32Array(count * width);
  const target = new Int32Array(count * width);
  const choice = new Int32Array(count);
  const length = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const words = rng.int(minLength, maxLength + 1);
    const c = rng.int(0, 2) as 0 | 1;
    const ids = rng.randint([words], FIRST_WORD, FIRST_WORD + vocabulary).data;
    for (let i = 0; i < words; i++) {
      source[n * width + i] = ids[i];
      target[n * width + i] = targetSynonym(ids[i], c);
    }
    source[n * width + words] = EOS;
    target[n * width + words] = EOS;
    choice[n] = c;
    length[n] = words;
  }
  return {
    source: new NDArray(source, [count, width]),
    target: new NDArray(target, [count, width]),
    choice: new NDArray(choice, [count]),
    length: new NDArray(length, [count]),
  };
}

/**
 * Fixed train / validation / test sets, each from its own stream of the seed (so changing one
 * size never changes the sentences of another split). Default 10000 / 1000 / 1000.
 */
export function loadToyTranslation(
  seed = 0,
  options: ToyLanguageOptions & { sizes?: SplitSizes } = {},
): Splits<TranslationDataset> {
  const { sizes = { train: 10000, validation: 1000, test: 1000 }, ...language } = options;
  return {
    train: generateToyTranslation(sizes.train, seed, { ...language, stream: 0 }),
    validation: generateToyTranslation(sizes.validation, seed, { ...language, stream: 1 }),
    test: generateToyTranslation(sizes.test, seed, { ...language, stream: 2 }),
  };
}
