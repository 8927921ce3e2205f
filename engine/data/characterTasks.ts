// Character tasks: every instance is a prompt and the answer a learner must write after it
// ("12+34" → "46", "say:abc" → "abc"). One format serves addition and the micro-task suite, so
// one sequence learner (a character language model that reads the prompt and writes the answer)
// learns any mix of them, and each instance is scored on its own: the whole answer right (+1) or
// not (−1), as GoodAI's Round 1 and CommAI-mini reward an answer.
//
// A sequence is BOS, the prompt, SEP, the answer, EOS. A model reads it shifted by one (inputs
// are every id but the last, targets every id but the first) and is trained and scored only on
// the targets that are the answer and its EOS. Instances of one task are padded to that task's
// longest sequence with PAD, which sits after EOS and so never influences what is scored.
import { NDArray } from '../core/ndarray.ts';
import type { Rng } from '../random/rng.ts';

export interface CharacterInstance {
  prompt: string;
  answer: string;
}

export interface CharacterTask {
  /** What the task is, for people: `2-digit addition`, `copy 5 letters`. */
  readonly description: string;
  /** Every character its prompts and answers may contain. */
  readonly alphabet: string;
  readonly maxPromptLength: number;
  readonly maxAnswerLength: number;
  /** `count` fresh instances, drawn from `rng` (which advances). */
  sample(rng: Rng, count: number): CharacterInstance[];
}

export const CHARACTER_PAD = 0;
export const CHARACTER_BOS = 1;
export const CHARACTER_SEP = 2;
export const CHARACTER_EOS = 3;
const firstCharacterId = 4;

/** Instances as id rows a character model trains on. */
export interface EncodedCharacterBatch {
  /** (N, W) int32: BOS, prompt, SEP, answer (the sequence without its last id), then PAD. */
  inputs: NDArray;
  /** (N, W) int32: the same sequence shifted by one (prompt, SEP, answer, EOS), then PAD. */
  targets: NDArray;
  /** (N, W) float32: 1 where a target is part of the answer or its EOS, else 0. */
  mask: NDArray;
}

/** The ids of a set of characters: PAD, BOS, SEP, EOS, then the characters in sorted order. */
export class CharacterVocabulary {
  readonly characters: string;
  private readonly ids = new Map<string, number>();

  constructor(alphabet: string) {
    this.characters = [...new Set(alphabet)].sort().join('');
    [...this.characters].forEach((c, i) => this.ids.set(c, firstCharacterId + i));
  }

  /** The union of several tasks' alphabets. */
  static of(tasks: readonly Pick<CharacterTask, 'alphabet'>[]): CharacterVocabulary {
    return new CharacterVocabulary(tasks.map((t) => t.alphabet).join(''));
  }

  get size(): number {
    return firstCharacterId + this.characters.length;
  }

  id(character: string, where: string): number {
    const id = this.ids.get(character);
    if (id === undefined) {
      throw new Error(
        `${where}: "${character}" is not in the vocabulary (${this.characters}); build the vocabulary from every task's alphabet`,
      );
    }
    return id;
  }

  character(id: number): string {
    return id >= firstCharacterId ? (this.characters[id - firstCharacterId] ?? '?') : '';
  }
}

/** Model width (ids per row of inputs/targets) of a task: prompt + answer + SEP + EOS. */
export function characterWidth(task: Pick<CharacterTask, 'maxPromptLength' | 'maxAnswerLength'>): number {
  return task.maxPromptLength + task.maxAnswerLength + 2;
}

export function encodeCharacterBatch(
  instances: readonly CharacterInstance[],
  vocabulary: CharacterVocabulary,
  width: number,
): EncodedCharacterBatch {
  const n = instances.length;
  const inputs = new Int32Array(n * width);
  const targets = new Int32Array(n * width);
  const mask = new Float32Array(n * width);
  instances.forEach((instance, row) => {
    const { prompt, answer } = instance;
    const ids = [
      CHARACTER_BOS,
      ...Array.from(prompt, (c) => vocabulary.id(c, `prompt "${prompt}"`)),
      CHARACTER_SEP,
      ...Array.from(answer, (c) => vocabulary.id(c, `answer "${answer}"`)),
      CHARACTER_EOS,
    ];
    if (ids.length - 1 > width) {
      throw new Error(
        `encodeCharacterBatch: "${prompt}" → "${answer}" needs width ${ids.length - 1}, more than ${width}`,
      );
    }
    const at = row * width;
    for (let t = 0; t < ids.length - 1; t++) {
      inputs[at + t] = ids[t];
      targets[at + t] = ids[t + 1];
    }
    // Targets P+1 … P+A+1 are the answer's characters and its EOS.
    for (let t = prompt.length + 1; t <= prompt.length + answer.length + 1; t++) mask[at + t] = 1;
  });
  return {
    inputs: new NDArray(inputs, [n, width]),
    targets: new NDArray(targets, [n, width]),
    mask: new NDArray(mask, [n, width]),
  };
}

/** Random characters of `alphabet`, `length` of them. */
export function randomString(rng: Rng, alphabet: string, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[rng.int(0, alphabet.length)];
  return text;
}
