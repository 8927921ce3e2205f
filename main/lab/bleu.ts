// Corpus BLEU (Papineni et al. 2002) as the standard implementations define it (multi-bleu.perl,
// NLTK's corpus_bleu, sacreBLEU without its tokeniser): modified n-gram precisions for n = 1…4,
// clipped by the largest count in any reference and summed over the whole corpus before dividing
// (not an average of sentence scores), their geometric mean with equal weights, and the brevity
// penalty exp(1 − r/c) when the corpus's hypotheses are shorter than its references, where r sums
// each sentence's reference length closest to its hypothesis's (the shorter one on a tie). No
// smoothing: an order with no match at all makes BLEU 0, as in those implementations.

export type Tokens = readonly (string | number)[];

export interface Bleu {
  /** In [0, 1] (multiply by 100 for the usual reporting scale). */
  bleu: number;
  /** Modified precision of each order, 1…maxOrder. */
  precisions: number[];
  brevityPenalty: number;
  hypothesisLength: number;
  referenceLength: number;
}

function ngramCounts(tokens: Tokens, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0001');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The reference length closest to `length`; the shorter one when two are as close. */
function closestLength(references: readonly Tokens[], length: number): number {
  let best = references[0].length;
  for (const r of references) {
    const d = Math.abs(r.length - length);
    const bestD = Math.abs(best - length);
    if (d < bestD || (d === bestD && r.length < best)) best = r.length;
  }
  return best;
}

/** BLEU of `hypotheses[i]` against `references[i]` (one or more reference token lists each). */
export function corpusBleu(
  hypotheses: readonly Tokens[],
  references: readonly (readonly Tokens[])[],
  maxOrder = 4,
): Bleu {
  if (hypotheses.length !== references.length) {
    throw new Error(
      `corpusBleu: ${hypotheses.length} hypotheses but ${references.length} reference sets; give one set per hypothesis`,
    );
  }
  const matches = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  let hypothesisLength = 0;
  let referenceLength = 0;
  hypotheses.forEach((hypothesis, i) => {
    const refs = references[i];
    if (refs.length === 0) throw new Error(`corpusBleu: hypothesis ${i} has no reference`);
    hypothesisLength += hypothesis.length;
    referenceLength += closestLength(refs, hypothesis.length);
    for (let n = 1; n <= maxOrder; n++) {
      const counts = ngramCounts(hypothesis, n);
      const maxReference = new Map<string, number>();
      for (const r of refs) {
        for (const [key, count] of ngramCounts(r, n)) {
          maxReference.set(key, Math.max(maxReference.get(key) ?? 0, count));
        }
      }
      for (const [key, count] of counts) {
        matches[n - 1] += Math.min(count, maxReference.get(key) ?? 0);
        totals[n - 1] += count;
      }
    }
  });
  const precisions = matches.map((m, k) => (totals[k] === 0 ? 0 : m / totals[k]));
  const brevityPenalty =
    hypothesisLength === 0
      ? 0
      : hypothesisLength > referenceLength
        ? 1
        : Math.exp(1 - referenceLength / hypothesisLength);
  const bleu = precisions.some((p) => p === 0)
    ? 0
    : brevityPenalty * Math.exp(precisions.reduce((s, p) => s + Math.log(p), 0) / maxOrder);
  return { bleu, precisions, brevityPenalty, hypothesisLength, referenceLength };
}

/**
 * Sentence BLEU with add-one smoothing of the orders 2…4 (Lin & Och 2004), for choosing among one
 * sentence's hypotheses the one closest to its reference (seq-inter), where unsmoothed BLEU is 0
 * for most short sentences.
 */
export function smoothedSentenceBleu(
  hypothesis: Tokens,
  references: readonly Tokens[],
  maxOrder = 4,
): number {
  if (hypothesis.length === 0) return 0;
  let logSum = 0;
  for (let n = 1; n <= maxOrder; n++) {
    const counts = ngramCounts(hypothesis, n);
    const maxReference = new Map<string, number>();
    for (const r of references)
      for (const [key, count] of ngramCounts(r, n))
        maxReference.set(key, Math.max(maxReference.get(key) ?? 0, count));
    let match = 0;
    let total = 0;
    for (const [key, count] of counts) {
      match += Math.min(count, maxReference.get(key) ?? 0);
      total += count;
    }
    const add = n === 1 ? 0 : 1;
    if (match + add === 0) return 0;
    logSum += Math.log((match + add) / (total + add));
  }
  const r = closestLength(references, hypothesis.length);
  const bp = hypothesis.length > r ? 1 : Math.exp(1 - r / hypothesis.length);
  return bp * Math.exp(logSum / maxOrder);
}
