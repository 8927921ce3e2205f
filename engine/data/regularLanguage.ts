// Regular languages for the membership micro-task (CommAI-mini's "description: pattern; verify:
// string"): a pattern over lowercase letters with concatenation, `|`, `*`, `+`, `?` and
// parentheses. Membership is decided by the same pattern as an anchored JavaScript RegExp (the
// syntax is a subset of it); members are drawn by walking the pattern, non-members by drawing
// strings over its letters until one is rejected.
import type { Rng } from '../random/rng.ts';

type Pattern =
  | { kind: 'letter'; letter: string }
  | { kind: 'sequence'; parts: Pattern[] }
  | { kind: 'choice'; options: Pattern[] }
  | { kind: 'repeat'; body: Pattern; min: 0 | 1; max: 1 | typeof Infinity };

/** Thrown for a pattern that is not one; the message says where and why. */
export class PatternError extends Error {}

/** Parses `pattern`; throws PatternError naming the position of the first mistake. */
export function parsePattern(pattern: string): Pattern {
  let at = 0;
  const fail = (why: string): never => {
    throw new PatternError(`pattern "${pattern}", character ${at + 1}: ${why}`);
  };
  const choice = (): Pattern => {
    const options = [sequence()];
    while (pattern[at] === '|') {
      at++;
      options.push(sequence());
    }
    return options.length === 1 ? options[0] : { kind: 'choice', options };
  };
  const sequence = (): Pattern => {
    const parts: Pattern[] = [];
    while (at < pattern.length && pattern[at] !== '|' && pattern[at] !== ')') parts.push(repeat());
    return parts.length === 1 ? parts[0] : { kind: 'sequence', parts };
  };
  const repeat = (): Pattern => {
    let body = atom();
    while ('*+?'.includes(pattern[at] ?? '.')) {
      const op = pattern[at++];
      body =
        op === '*'
          ? { kind: 'repeat', body, min: 0, max: Infinity }
          : op === '+'
            ? { kind: 'repeat', body, min: 1, max: Infinity }
            : { kind: 'repeat', body, min: 0, max: 1 };
    }
    return body;
  };
  const atom = (): Pattern => {
    const c = pattern[at];
    if (c === '(') {
      at++;
      const inner = choice();
      if (pattern[at] !== ')') fail('a "(" is not closed');
      at++;
      return inner;
    }
    if (c !== undefined && /[a-z]/.test(c)) {
      at++;
      return { kind: 'letter', letter: c };
    }
    return fail(
      c === undefined
        ? 'the pattern ends where a letter or "(" was expected'
        : `"${c}" is not allowed here (letters a–z, ( ), |, *, +, ?)`,
    );
  };
  if (pattern.length === 0) fail('the pattern is empty');
  const parsed = choice();
  if (at < pattern.length) fail(`unexpected "${pattern[at]}"`);
  return parsed;
}

export interface RegularLanguage {
  pattern: string;
  /** The letters the pattern uses: members and non-members are drawn over them. */
  letters: string;
  accepts(text: string): boolean;
  /** A member of at most maxLength letters, or null when the walk overran it 100 times. */
  sampleMember(rng: Rng, maxLength: number): string | null;
  /** A non-member of at most maxLength letters, or null when 100 draws were all members. */
  sampleNonMember(rng: Rng, maxLength: number): string | null;
}

function walk(pattern: Pattern, rng: Rng, budget: number): string | null {
  switch (pattern.kind) {
    case 'letter':
      return pattern.letter;
    case 'sequence': {
      let text = '';
      for (const part of pattern.parts) {
        const piece = walk(part, rng, budget - text.length);
        if (piece === null) return null;
        text += piece;
        if (text.length > budget) return null;
      }
      return text;
    }
    case 'choice':
      return walk(pattern.options[rng.int(0, pattern.options.length)], rng, budget);
    case 'repeat': {
      let text = '';
      let count = 0;
      // Geometric number of repeats (continue with probability ½) beyond the minimum.
      while (count < pattern.min || (count < pattern.max && rng.float() < 0.5)) {
        const piece = walk(pattern.body, rng, budget - text.length);
        if (piece === null) return null;
        text += piece;
        count++;
        if (text.length > budget) return null;
      }
      return text;
    }
  }
}

export function regularLanguage(pattern: string): RegularLanguage {
  const parsed = parsePattern(pattern);
  const letters = [...new Set(pattern.replace(/[^a-z]/g, ''))].sort().join('');
  const regex = new RegExp(`^(?:${pattern})$`);
  const accepts = (text: string) => regex.test(text);
  return {
    pattern,
    letters,
    accepts,
    sampleMember(rng, maxLength) {
      for (let attempt = 0; attempt < 100; attempt++) {
        const text = walk(parsed, rng, maxLength);
        if (text !== null && text.length <= maxLength) return text;
      }
      return null;
    },
    sampleNonMember(rng, maxLength) {
      for (let attempt = 0; attempt < 100; attempt++) {
        const length = rng.int(0, maxLength + 1);
        let text = '';
        for (let i = 0; i < length; i++) text += letters[rng.int(0, letters.length)];
        if (!accepts(text)) return text;
      }
      return null;
    },
  };
}
