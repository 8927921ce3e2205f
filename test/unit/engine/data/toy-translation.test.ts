import { describe, expect, it } from 'vitest';
import {
  BOS,
  EOS,
  PAD,
  generateToyTranslation,
  isConsistentTranslation,
  loadToyTranslation,
  targetSynonym,
  toyVocabularySizes,
} from '../../../../engine/data/toy-translation.ts';

const rows = (a: { shape: readonly number[]; data: ArrayLike<number> }): number[][] => {
  const [n, w] = a.shape;
  return Array.from({ length: n }, (_, r) => Array.from({ length: w }, (_, c) => a.data[r * w + c]));
};

describe('toy translation language', () => {
  const data = generateToyTranslation(2000, 4, { vocabulary: 6, minLength: 2, maxLength: 7 });
  const source = rows(data.source);
  const target = rows(data.target);

  it('lays sentences out as words, EOS, then PAD, in rows of maxLength + 1', () => {
    expect(data.source.shape).toEqual([2000, 8]);
    expect(data.source.dtype).toBe('int32');
    source.forEach((row, n) => {
      const len = data.length.data[n];
      expect(len).toBeGreaterThanOrEqual(2);
      expect(len).toBeLessThanOrEqual(7);
      expect(row.slice(0, len).every((id) => id >= 3 && id < 9)).toBe(true);
      expect(row[len]).toBe(EOS);
      expect(row.slice(len + 1).every((id) => id === PAD)).toBe(true);
      expect(row).not.toContain(BOS);
    });
    expect(toyVocabularySizes({ vocabulary: 6 })).toEqual({ source: 9, target: 15 });
  });

  it('translates every word with the synonym of the sentence choice, the same throughout', () => {
    source.forEach((row, n) => {
      const c = data.choice.data[n] as 0 | 1;
      // An explicit re-derivation of the documented id layout: word w, choice c -> 3 + 2w + c.
      const expected = row.map((id) => (id >= 3 ? 3 + 2 * (id - 3) + c : id));
      expect(target[n]).toEqual(expected);
      expect(isConsistentTranslation(row, target[n])).toBe(true);
    });
  });

  it('uses both choices and all words about equally often', () => {
    const ones = Array.from(data.choice.data).filter((c) => c === 1).length;
    expect(ones).toBeGreaterThan(900);
    expect(ones).toBeLessThan(1100);
    const counts = new Array<number>(6).fill(0);
    source.flat().forEach((id) => id >= 3 && counts[id - 3]++);
    const total = counts.reduce((a, b) => a + b, 0);
    counts.forEach((c) => expect(Math.abs(c / total - 1 / 6)).toBeLessThan(0.02));
  });

  it('rejects translations that mix synonyms, use a wrong word or stop early', () => {
    const src = [3, 4, 5, EOS];
    expect(isConsistentTranslation(src, [3, 5, 7, EOS])).toBe(true);
    expect(isConsistentTranslation(src, [4, 6, 8, EOS])).toBe(true);
    expect(isConsistentTranslation(src, [3, 6, 7, EOS])).toBe(false); // mixed choices
    expect(isConsistentTranslation(src, [3, 7, 7, EOS])).toBe(false); // wrong word
    expect(isConsistentTranslation(src, [3, 5, EOS, PAD])).toBe(false); // too short
    expect(targetSynonym(EOS, 1)).toBe(EOS);
  });

  it('is reproducible and gives each split its own stream', () => {
    expect(generateToyTranslation(50, 4, { vocabulary: 6 }).source.toFlat()).toEqual(
      generateToyTranslation(50, 4, { vocabulary: 6 }).source.toFlat(),
    );
    const splits = loadToyTranslation(1, { sizes: { train: 30, validation: 20, test: 10 } });
    expect(splits.train.source.shape).toEqual([30, 11]);
    expect(splits.test.source.toFlat()).not.toEqual(splits.validation.source.toFlat().slice(0, 110));
    const bigger = loadToyTranslation(1, { sizes: { train: 60, validation: 20, test: 10 } });
    expect(bigger.test.source.toFlat()).toEqual(splits.test.source.toFlat());
  });

  it('rejects impossible options', () => {
    expect(() => generateToyTranslation(5, 1, { minLength: 4, maxLength: 3 })).toThrow(
      /minLength <= maxLength/,
    );
    expect(() => generateToyTranslation(5, 1, { vocabulary: 0 })).toThrow(/vocabulary/);
  });
});
