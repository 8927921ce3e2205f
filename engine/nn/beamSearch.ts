// Beam search over any step-by-step decoder: each sentence keeps its `beamSize` best partial
// translations (sum of token log-probabilities); every step extends each of them by every word,
// moves the extensions that end in EOS to the sentence's finished hypotheses and keeps the best
// `beamSize` others; a sentence is done once its best finished hypothesis scores at least as well
// as its best live one (without a length penalty scores only fall, so nothing left can win), and
// at maxLength the live hypotheses count as they are. The decoder runs on all sentences' beams at
// once — rows b·K … b·K + K − 1 are sentence b's beams — as one compiled step per position, and
// its state tensors are reordered row by row to follow the surviving beams.
import type { NDArray } from '../core/ndarray.ts';
import { takeRows } from '../data/dataset.ts';

export interface BeamSearchOptions {
  beamSize: number;
  /** Most tokens a hypothesis may have (EOS included). */
  maxLength: number;
  bos: number;
  eos: number;
  /** Hypotheses are ranked by score / length^α (Wu et al. 2016 use α ≈ 0.6); 0 (default): none. */
  lengthPenalty?: number;
}

/** The next token's log-probabilities for each row ([rows × vocabulary], row-major) and the next state. */
export type BeamStep = (
  previous: Int32Array,
  state: readonly NDArray[],
) => { logProbs: ArrayLike<number>; vocabulary: number; state: NDArray[] };

export interface Hypothesis {
  /** The tokens, without BOS and EOS. */
  tokens: number[];
  /** Sum of the log-probabilities of its tokens (EOS included when it ended). */
  logProb: number;
  /** Whether it ended with EOS (else it was cut at maxLength). */
  finished: boolean;
}

interface Live {
  tokens: number[];
  logProb: number;
}

/** Each row of every array repeated `times` times in place: [a, b] → [a, a, b, b]. */
export function repeatRows(arrays: readonly NDArray[], times: number): NDArray[] {
  return arrays.map((a) => {
    const rows = a.shape[0];
    const index = new Int32Array(rows * times);
    for (let r = 0; r < rows * times; r++) index[r] = Math.floor(r / times);
    return takeRows(a, index);
  });
}

function rank(h: Live, finishedLength: number, alpha: number): number {
  return alpha === 0 ? h.logProb : h.logProb / Math.max(1, finishedLength) ** alpha;
}

/**
 * Every hypothesis each sentence's search ended with, best first (the n-best lists).
 * `initialState` holds one row per sentence; `step` is called with beamSize rows per sentence
 * (memory it closes over must be repeated the same way, see repeatRows).
 */
export function beamSearchHypotheses(
  initialState: readonly NDArray[],
  step: BeamStep,
  options: BeamSearchOptions,
): Hypothesis[][] {
  const { beamSize: K, maxLength, bos, eos, lengthPenalty: alpha = 0 } = options;
  if (!Number.isInteger(K) || K < 1)
    throw new Error(`beamSearch: beamSize must be a positive integer, got ${K}`);
  if (!Number.isInteger(maxLength) || maxLength < 1)
    throw new Error(`beamSearch: maxLength must be a positive integer, got ${maxLength}`);
  const sentences = initialState[0]?.shape[0] ?? 0;
  let state = repeatRows(initialState, K);
  const previous = new Int32Array(sentences * K).fill(bos);
  // Only the first beam of each sentence is live at the start (the others would duplicate it).
  const live: (Live | null)[][] = Array.from({ length: sentences }, () =>
    Array.from({ length: K }, (_, k) => (k === 0 ? { tokens: [], logProb: 0 } : null)),
  );
  const finished: Hypothesis[][] = Array.from({ length: sentences }, () => []);
  const done = new Array<boolean>(sentences).fill(false);

  for (let t = 0; t < maxLength && done.some((d) => !d); t++) {
    const { logProbs, vocabulary: V, state: next } = step(previous, state);
    const order = new Int32Array(sentences * K);
    for (let b = 0; b < sentences; b++) {
      for (let k = 0; k < K; k++) order[b * K + k] = b * K + k;
      if (done[b]) continue;
      const candidates: { from: number; token: number; logProb: number }[] = [];
      live[b].forEach((h, k) => {
        if (!h) return;
        const row = (b * K + k) * V;
        for (let v = 0; v < V; v++)
          candidates.push({ from: k, token: v, logProb: h.logProb + logProbs[row + v] });
      });
      candidates.sort((x, y) => y.logProb - x.logProb || x.from - y.from || x.token - y.token);
      const kept: Live[] = [];
      const from: number[] = [];
      for (const c of candidates) {
        if (kept.length === K) break;
        const tokens = live[b][c.from]!.tokens;
        if (c.token === eos) {
          finished[b].push({ tokens: [...tokens], logProb: c.logProb, finished: true });
        } else {
          kept.push({ tokens: [...tokens, c.token], logProb: c.logProb });
          from.push(c.from);
        }
      }
      const last = t === maxLength - 1;
      const bestFinished = Math.max(...finished[b].map((h) => rank(h, h.tokens.length + 1, alpha)));
      const bestLive = Math.max(...kept.map((h) => rank(h, h.tokens.length + 1, alpha)));
      if (last || kept.length === 0 || bestFinished >= bestLive) {
        if (finished[b].length === 0 || last)
          for (const h of kept) finished[b].push({ tokens: h.tokens, logProb: h.logProb, finished: false });
        done[b] = true;
      }
      live[b] = Array.from({ length: K }, (_, k) => kept[k] ?? null);
      for (let k = 0; k < K; k++) {
        order[b * K + k] = b * K + (from[k] ?? 0);
        previous[b * K + k] = kept[k]?.tokens.at(-1) ?? eos;
      }
    }
    state = next.map((s) => takeRows(s, order));
  }
  const score = (h: Hypothesis) => rank(h, h.tokens.length + (h.finished ? 1 : 0), alpha);
  // Stable: among equal scores the one found first stays first.
  return finished.map((hypotheses) => [...hypotheses].sort((x, y) => score(y) - score(x)));
}

/** The best hypothesis of each sentence (see beamSearchHypotheses). */
export function beamSearch(
  initialState: readonly NDArray[],
  step: BeamStep,
  options: BeamSearchOptions,
): Hypothesis[] {
  return beamSearchHypotheses(initialState, step, options).map(
    (hypotheses) => hypotheses[0] ?? { tokens: [], logProb: Number.NEGATIVE_INFINITY, finished: false },
  );
}

/** Rows of a [rows, V] float array as log-probabilities (log-softmax in float64). */
export function logSoftmaxRows(logits: NDArray): Float64Array {
  const [rows, V] = logits.shape;
  const data = logits.contiguous().data;
  const out = new Float64Array(rows * V);
  for (let r = 0; r < rows; r++) {
    let top = -Infinity;
    for (let v = 0; v < V; v++) top = Math.max(top, data[r * V + v]);
    let total = 0;
    for (let v = 0; v < V; v++) total += Math.exp(data[r * V + v] - top);
    const log = top + Math.log(total);
    for (let v = 0; v < V; v++) out[r * V + v] = data[r * V + v] - log;
  }
  return out;
}
