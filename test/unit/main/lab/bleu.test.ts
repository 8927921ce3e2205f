// Corpus BLEU-4 against published values (NLTK's documented examples, which multi-bleu.perl and
// sacreBLEU agree with on pre-tokenised text) and the definition's edge cases: clipping, the
// brevity penalty with the closest reference length, corpus-level (not averaged) precisions.
import { describe, expect, it } from 'vitest';
import { corpusBleu, smoothedSentenceBleu } from '../../../../main/lab/bleu.ts';

const words = (text: string) => text.split(' ');
const hyp1 = words(
  'It is a guide to action which ensures that the military always obeys the commands of the party',
);
const ref1a = words(
  'It is a guide to action that ensures that the military will forever heed Party commands',
);
const ref1b = words(
  'It is the guiding principle which guarantees the military forces always being under the command of the Party',
);
const ref1c = words('It is the practical guide for the army always to heed the directions of the party');
const hyp2 = words('he read the book because he was interested in world history');
const ref2a = words('he was interested in world history because he read the book');

describe('corpus BLEU-4', () => {
  it('matches the documented values of NLTK sentence_bleu (0.5045666840058485) and corpus_bleu (0.5920778868801042)', () => {
    expect(corpusBleu([hyp1], [[ref1a, ref1b, ref1c]]).bleu).toBeCloseTo(0.5045666840058485, 15);
    const corpus = corpusBleu([hyp1, hyp2], [[ref1a, ref1b, ref1c], [ref2a]]);
    expect(corpus.bleu).toBeCloseTo(0.5920778868801042, 15);
    // Corpus level: n-gram counts are summed before dividing, not sentence scores averaged.
    const average =
      (corpusBleu([hyp1], [[ref1a, ref1b, ref1c]]).bleu + corpusBleu([hyp2], [[ref2a]]).bleu) / 2;
    expect(Math.abs(corpus.bleu - average)).toBeGreaterThan(0.01);
  });

  it('clips each n-gram count by its largest count in any reference (Papineni et al.: 2/7)', () => {
    const result = corpusBleu(
      [words('the the the the the the the')],
      [[words('the cat is on the mat'), words('there is a cat on the mat')]],
    );
    expect(result.precisions[0]).toBeCloseTo(2 / 7, 15);
    expect(result.bleu).toBe(0); // no bigram matches: unsmoothed BLEU is 0
  });

  it('penalises brevity with the reference length closest to the hypothesis, the shorter on a tie', () => {
    const hypothesis = new Array(7).fill('a');
    const result = corpusBleu([hypothesis], [[new Array(11).fill('a'), new Array(8).fill('a')]]);
    expect(result.referenceLength).toBe(8);
    expect(result.brevityPenalty).toBeCloseTo(Math.exp(1 - 8 / 7), 15);
    expect(result.bleu).toBeCloseTo(Math.exp(1 - 8 / 7), 15);
    // Lengths 5 and 9 are both 2 away from 7: the shorter counts, so there is no penalty.
    expect(corpusBleu([hypothesis], [[new Array(9).fill('a'), new Array(5).fill('a')]]).brevityPenalty).toBe(
      1,
    );
    expect(corpusBleu([[1, 2, 3, 4]], [[[1, 2, 3, 4]]]).bleu).toBe(1);
    expect(corpusBleu([[]], [[[1, 2]]]).bleu).toBe(0);
  });

  it('refuses mismatched corpora', () => {
    expect(() => corpusBleu([[1]], [])).toThrow(/1 hypotheses but 0 reference sets/);
  });

  it('smoothed sentence BLEU ranks a closer hypothesis higher where plain BLEU is 0 for both', () => {
    const reference = [[5, 7, 9, 11, 2]];
    expect(corpusBleu([[5, 7, 10, 12, 2]], [reference]).bleu).toBe(0);
    expect(smoothedSentenceBleu([5, 7, 9, 12, 2], reference)).toBeGreaterThan(
      smoothedSentenceBleu([5, 8, 10, 12, 2], reference),
    );
    expect(smoothedSentenceBleu([5, 7, 9, 11, 2], reference)).toBe(1);
  });
});
