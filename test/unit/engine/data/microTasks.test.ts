// The character-task format and the micro-task suite: every generator's answers checked against
// an independent statement of its rule, the id layout a sequence model trains on (answer targets
// masked in, prompt and padding out), and regular-language membership against JavaScript's RegExp.
import { describe, expect, it } from 'vitest';
import {
  CHARACTER_BOS,
  CHARACTER_EOS,
  CHARACTER_PAD,
  CHARACTER_SEP,
  CharacterVocabulary,
  characterWidth,
  encodeCharacterBatch,
} from '../../../../engine/data/characterTasks.ts';
import {
  additionTask,
  copyTask,
  findCharacterTask,
  fixedMappingTask,
  regularMembershipTask,
  reverseTask,
  sayTask,
} from '../../../../engine/data/microTasks.ts';
import { parsePattern, regularLanguage } from '../../../../engine/data/regularLanguage.ts';
import { Rng } from '../../../../engine/random/rng.ts';

const draw = (task: ReturnType<typeof copyTask>, count = 200, seed = 1) => task.sample(new Rng(seed), count);

describe('micro-tasks', () => {
  it('copy, reverse and say answer with the string, reversed, and after say:', () => {
    for (const { prompt, answer } of draw(copyTask({ length: 4 }))) {
      expect(prompt).toMatch(/^c:[a-j]{4}$/);
      expect(answer).toBe(prompt.slice(2));
    }
    for (const { prompt, answer } of draw(reverseTask({ length: 3, alphabet: 'xyz' }))) {
      expect(prompt).toMatch(/^r:[xyz]{3}$/);
      expect(answer).toBe([...prompt.slice(2)].reverse().join(''));
    }
    for (const { prompt, answer } of draw(sayTask({ length: 2 }))) expect(prompt).toBe(`say:${answer}`);
  });

  it('find-char always rewards one character, fixed by its seed', () => {
    const answers = new Set(draw(findCharacterTask({ seed: 3 })).map((i) => i.answer));
    expect(answers.size).toBe(1);
    const bySeed = new Set(
      [0, 1, 2, 3, 4, 5, 6, 7].map((seed) => draw(findCharacterTask({ seed }), 1)[0].answer),
    );
    expect(bySeed.size).toBeGreaterThan(1);
  });

  it('fixed-mapping is one bijection of the alphabet for every instance', () => {
    const image = new Map<string, string>();
    for (const { prompt, answer } of draw(fixedMappingTask({ seed: 2 }), 500)) {
      const x = prompt.slice(2);
      expect(image.get(x) ?? answer).toBe(answer);
      image.set(x, answer);
    }
    expect(image.size).toBe(10);
    expect(new Set(image.values()).size).toBe(10);
  });

  it('addition writes numbers least significant digit first (or as usual) and sums right', () => {
    const digits = (s: string) => Number([...s].reverse().join(''));
    for (const { prompt, answer } of draw(additionTask({ digits: 3 }))) {
      const [a, b] = prompt.split('+');
      expect(digits(a) + digits(b)).toBe(digits(answer));
      expect(digits(a)).toBeGreaterThanOrEqual(100);
    }
    for (const { prompt, answer } of draw(additionTask({ digits: 2, reverse: false }))) {
      const [a, b] = prompt.split('+').map(Number);
      expect(String(a + b)).toBe(answer);
    }
    expect(() => additionTask({ digits: 0 })).toThrow(/digits must be integers in \[1, 15\]/);
  });

  it('regular membership: half members, answered y exactly when RegExp accepts the string', () => {
    const instances = draw(regularMembershipTask({ pattern: '(ab)*c', maxLength: 7 }), 400);
    let members = 0;
    for (const { prompt, answer } of instances) {
      const [pattern, text] = prompt.split(';');
      expect(pattern).toBe('(ab)*c');
      expect(text.length).toBeLessThanOrEqual(7);
      const accepted = /^(?:(ab)*c)$/.test(text);
      expect(answer).toBe(accepted ? 'y' : 'n');
      members += accepted ? 1 : 0;
    }
    expect(members / instances.length).toBeGreaterThan(0.4);
    expect(members / instances.length).toBeLessThan(0.6);
  });

  it('refuses patterns that are not patterns, or have nothing to tell apart', () => {
    expect(() => parsePattern('a*(b')).toThrow('pattern "a*(b", character 5: a "(" is not closed');
    expect(() => parsePattern('a|*')).toThrow(/character 3: "\*" is not allowed here/);
    expect(() => regularMembershipTask({ pattern: '(a|b)*' })).toThrow(/no non-members/);
    expect(() => regularMembershipTask({ pattern: 'aaaaaaa', maxLength: 3 })).toThrow(
      /no member of at most 3/,
    );
    const language = regularLanguage('a+b?');
    expect(['a', 'aab', 'b', ''].map((t) => language.accepts(t))).toEqual([true, true, false, false]);
  });
});

describe('character batches', () => {
  it('lays out BOS, prompt, SEP, answer, EOS shifted by one, masking only the answer and its EOS', () => {
    const vocabulary = new CharacterVocabulary('ba');
    expect(vocabulary.characters).toBe('ab');
    const [a, b] = [vocabulary.id('a', 't'), vocabulary.id('b', 't')];
    const task = { maxPromptLength: 2, maxAnswerLength: 2 };
    const width = characterWidth(task);
    const batch = encodeCharacterBatch(
      [
        { prompt: 'ab', answer: 'ba' },
        { prompt: 'a', answer: 'b' },
      ],
      vocabulary,
      width,
    );
    expect(width).toBe(6);
    expect(batch.inputs.toNested()).toEqual([
      [CHARACTER_BOS, a, b, CHARACTER_SEP, b, a],
      [CHARACTER_BOS, a, CHARACTER_SEP, b, CHARACTER_PAD, CHARACTER_PAD],
    ]);
    expect(batch.targets.toNested()).toEqual([
      [a, b, CHARACTER_SEP, b, a, CHARACTER_EOS],
      [a, CHARACTER_SEP, b, CHARACTER_EOS, CHARACTER_PAD, CHARACTER_PAD],
    ]);
    expect(batch.mask.toNested()).toEqual([
      [0, 0, 0, 1, 1, 1],
      [0, 0, 1, 1, 0, 0],
    ]);
    expect(() => vocabulary.id('z', 'prompt')).toThrow(/"z" is not in the vocabulary \(ab\)/);
  });
});
