// A micro-task suite in the spirit of GoodAI's Round 1 and CommAI-mini, as character tasks
// (characterTasks.ts): each instance a prompt and the one right answer, scored per instance.
// Every prompt starts with a short cue naming its task, because one learner meets all of them
// and "abc" means different things to copy and to reverse:
//
//   find-char       f:        → the rewarded character (fixed by the task's seed)
//   fixed-mapping   m:x       → f(x) for a fixed random bijection f of the alphabet
//   copy            c:abc     → abc
//   reverse         r:abc     → cba
//   say             say:abc   → abc          (CommAI's "say:X")
//   regular         a*b;aab   → y / n        ("description: pattern; verify: string")
//   addition        12+34     → 46 (digits least significant first unless reverse is false)
import type { Rng } from '../random/rng.ts';
import { Rng as SeededRng } from '../random/rng.ts';
import { generateAddition } from './addition.ts';
import { randomString, type CharacterInstance, type CharacterTask } from './characterTasks.ts';
import { regularLanguage } from './regularLanguage.ts';

export const defaultMicroAlphabet = 'abcdefghij';

function checkAlphabet(alphabet: string, task: string): void {
  if (alphabet.length < 2 || !/^[a-z0-9]+$/.test(alphabet) || new Set(alphabet).size !== alphabet.length) {
    throw new Error(
      `${task}: alphabet "${alphabet}" must be at least 2 distinct lowercase letters or digits`,
    );
  }
}

function checkLength(length: number, task: string, max = 32): void {
  if (!Number.isInteger(length) || length < 1 || length > max)
    throw new Error(`${task}: length must be an integer in [1, ${max}], got ${length}`);
}

/** Draws `count` instances one at a time. */
function each(count: number, draw: () => CharacterInstance): CharacterInstance[] {
  return Array.from({ length: count }, draw);
}

export function findCharacterTask(options: { alphabet?: string; seed?: number } = {}): CharacterTask {
  const { alphabet = defaultMicroAlphabet, seed = 0 } = options;
  checkAlphabet(alphabet, 'find-char');
  const rewarded = alphabet[new SeededRng(seed, 7).int(0, alphabet.length)];
  return {
    description: `find the rewarded character among ${alphabet}`,
    alphabet: `${alphabet}f:`,
    maxPromptLength: 2,
    maxAnswerLength: 1,
    sample: (_rng, count) => each(count, () => ({ prompt: 'f:', answer: rewarded })),
  };
}

export function fixedMappingTask(options: { alphabet?: string; seed?: number } = {}): CharacterTask {
  const { alphabet = defaultMicroAlphabet, seed = 0 } = options;
  checkAlphabet(alphabet, 'fixed-mapping');
  const order = new SeededRng(seed, 11).permutation(alphabet.length);
  const image = (c: string) => alphabet[order[alphabet.indexOf(c)]];
  return {
    description: `a fixed mapping of ${alphabet}`,
    alphabet: `${alphabet}m:`,
    maxPromptLength: 3,
    maxAnswerLength: 1,
    sample: (rng, count) =>
      each(count, () => {
        const c = alphabet[rng.int(0, alphabet.length)];
        return { prompt: `m:${c}`, answer: image(c) };
      }),
  };
}

function stringTask(
  name: string,
  cue: string,
  answerOf: (text: string) => string,
  options: { length: number; alphabet?: string },
): CharacterTask {
  const { length, alphabet = defaultMicroAlphabet } = options;
  checkAlphabet(alphabet, name);
  checkLength(length, name);
  return {
    description: `${name} ${length} character${length === 1 ? '' : 's'}`,
    alphabet: `${alphabet}${cue}`,
    maxPromptLength: cue.length + length,
    maxAnswerLength: length,
    sample: (rng, count) =>
      each(count, () => {
        const text = randomString(rng, alphabet, length);
        return { prompt: `${cue}${text}`, answer: answerOf(text) };
      }),
  };
}

export const copyTask = (options: { length: number; alphabet?: string }) =>
  stringTask('copy', 'c:', (t) => t, options);

export const reverseTask = (options: { length: number; alphabet?: string }) =>
  stringTask('reverse', 'r:', (t) => [...t].reverse().join(''), options);

export const sayTask = (options: { length: number; alphabet?: string }) =>
  stringTask('say', 'say:', (t) => t, options);

/**
 * Membership in the language of `pattern`: half the instances are members (answer y), half not
 * (n). Throws when the pattern is not one, or has no members or no non-members of at most
 * maxLength letters (nothing to learn from one answer alone).
 */
export function regularMembershipTask(options: { pattern: string; maxLength?: number }): CharacterTask {
  const { pattern, maxLength = 6 } = options;
  checkLength(maxLength, `regular "${pattern}" maxLength`);
  const language = regularLanguage(pattern);
  const probe = new SeededRng(0, 13);
  if (language.sampleMember(probe, maxLength) === null)
    throw new Error(`regular: pattern "${pattern}" has no member of at most ${maxLength} letters`);
  if (language.sampleNonMember(probe, maxLength) === null)
    throw new Error(
      `regular: pattern "${pattern}" accepts (nearly) every string over ${language.letters} of at most ${maxLength} letters: no non-members to tell apart`,
    );
  const draw = (rng: Rng, member: boolean): string => {
    // Both kinds exist (checked above), so a few more tries find one.
    for (let attempt = 0; attempt < 20; attempt++) {
      const text = member ? language.sampleMember(rng, maxLength) : language.sampleNonMember(rng, maxLength);
      if (text !== null) return text;
    }
    throw new Error(`regular: pattern "${pattern}" rarely yields ${member ? 'members' : 'non-members'}`);
  };
  return {
    description: `is it in ${pattern}?`,
    alphabet: `${pattern};yn`,
    maxPromptLength: pattern.length + 1 + maxLength,
    maxAnswerLength: 1,
    sample: (rng, count) =>
      each(count, () => {
        const member = rng.float() < 0.5;
        return { prompt: `${pattern};${draw(rng, member)}`, answer: member ? 'y' : 'n' };
      }),
  };
}

const reversed = (text: string) => [...text].reverse().join('');

/**
 * n-digit addition (TSCL's task) as a character task: "a+b" → the sum. With `reverse` (the
 * default, as TSCL inverts its inputs), every number is written least significant digit first,
 * the order in which the digits are added.
 */
export function additionTask(options: {
  digits: number;
  carries?: number;
  reverse?: boolean;
}): CharacterTask {
  const { digits, carries, reverse = true } = options;
  // generateAddition checks digits and carries and says what is wrong.
  generateAddition(1, { digits, carries, seed: 0 });
  const write = reverse ? reversed : (t: string) => t;
  return {
    description: `${digits}-digit addition`,
    alphabet: '0123456789+',
    maxPromptLength: 2 * digits + 1,
    maxAnswerLength: digits + 1,
    sample: (rng, count) =>
      generateAddition(count, { digits, carries, seed: rng.int(0, 2 ** 31 - 1) }).map((p) => ({
        prompt: `${write(String(p.a))}+${write(String(p.b))}`,
        answer: write(String(p.sum)),
      })),
  };
}
