// Beam search against exhaustive search on a toy decoder whose next-token distribution depends
// on the whole prefix through its state (so a beam that follows the wrong row's state is caught):
// with a beam as wide as the number of prefixes it finds the best sequence, with one beam it is
// greedy decoding, and in between it is never worse than greedy.
import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { beamSearch, logSoftmaxRows, repeatRows, type BeamStep } from '../../../../engine/nn/beamSearch.ts';
import { Rng } from '../../../../engine/random/rng.ts';

const V = 4; // tokens 0 (EOS), 1, 2, 3; BOS is 9 (never produced)
const EOS = 0;
const BOS = 9;
const tables = 17;

/** A decoder whose state is a hash of the sentence id and its prefix; log p(next) is a table row by hash. */
function toyDecoder(seed: number) {
  const logits = new Rng(seed).normal([tables, V], 'float64');
  const logProbs = logSoftmaxRows(logits);
  const hash = (h: number, token: number) => (h * 31 + token + 7) % 1000003;
  const step: BeamStep = (previous, [state]) => {
    const rows = previous.length;
    const next = new Float64Array(rows);
    const out = new Float64Array(rows * V);
    for (let r = 0; r < rows; r++) {
      next[r] = hash(state.data[r], previous[r]);
      out.set(logProbs.subarray((next[r] % tables) * V, ((next[r] % tables) + 1) * V), r * V);
    }
    return { logProbs: out, vocabulary: V, state: [new NDArray(next, [rows])] };
  };
  /** The best sequence of at most maxLength tokens by trying every one. */
  const exhaustive = (sentence: number, maxLength: number) => {
    let best = { tokens: [] as number[], logProb: -Infinity };
    const visit = (h: number, prev: number, tokens: number[], logProb: number) => {
      const next = hash(h, prev);
      const row = logProbs.subarray((next % tables) * V, ((next % tables) + 1) * V);
      for (let v = 0; v < V; v++) {
        const total = logProb + row[v];
        if (v === EOS || tokens.length + 1 === maxLength) {
          if (total > best.logProb) best = { tokens: v === EOS ? tokens : [...tokens, v], logProb: total };
        } else visit(next, v, [...tokens, v], total);
      }
    };
    visit(sentence, BOS, [], 0);
    return best;
  };
  return { step, exhaustive };
}

const sentences = 6;
const initial = [
  NDArray.from(
    Array.from({ length: sentences }, (_, i) => 1000 + i),
    [sentences],
    'float64',
  ),
];

describe('beam search', () => {
  it('with a beam as wide as all prefixes it finds the best sequence of every sentence', () => {
    const { step, exhaustive } = toyDecoder(1);
    const maxLength = 4;
    const found = beamSearch(initial, step, { beamSize: 64, maxLength, bos: BOS, eos: EOS });
    found.forEach((h, b) => {
      const best = exhaustive(1000 + b, maxLength);
      expect(h.tokens).toEqual(best.tokens);
      expect(h.logProb).toBeCloseTo(best.logProb, 12);
    });
  });

  it('with one beam it is greedy decoding; wider beams are never worse and sometimes better', () => {
    for (const seed of [2, 3, 4]) {
      const { step } = toyDecoder(seed);
      const greedy = Array.from({ length: sentences }, (_, b) => {
        const tokens: number[] = [];
        let state = [initial[0].contiguous()].map((s) => new NDArray(new Float64Array([s.data[b]]), [1]));
        let prev = BOS;
        let logProb = 0;
        for (let t = 0; t < 5; t++) {
          const out = step(Int32Array.of(prev), state);
          const row = Array.from(out.logProbs as Float64Array);
          prev = row.indexOf(Math.max(...row));
          logProb += row[prev];
          state = out.state;
          if (prev === EOS) break;
          tokens.push(prev);
        }
        return { tokens, logProb };
      });
      const one = beamSearch(initial, step, { beamSize: 1, maxLength: 5, bos: BOS, eos: EOS });
      expect(one.map((h) => h.tokens)).toEqual(greedy.map((g) => g.tokens));
      const three = beamSearch(initial, step, { beamSize: 3, maxLength: 5, bos: BOS, eos: EOS });
      three.forEach((h, b) => expect(h.logProb).toBeGreaterThanOrEqual(greedy[b].logProb - 1e-12));
    }
    const { step } = toyDecoder(1);
    const one = beamSearch(initial, step, { beamSize: 1, maxLength: 4, bos: BOS, eos: EOS });
    const wide = beamSearch(initial, step, { beamSize: 4, maxLength: 4, bos: BOS, eos: EOS });
    expect(wide.some((h, b) => h.logProb > one[b].logProb + 1e-9)).toBe(true);
  });

  it('repeats rows for the beams and explains bad options', () => {
    expect(repeatRows([NDArray.from([1, 2, 3, 4], [2, 2], 'float32')], 2)[0].toNested()).toEqual([
      [1, 2],
      [1, 2],
      [3, 4],
      [3, 4],
    ]);
    const { step } = toyDecoder(1);
    expect(() => beamSearch(initial, step, { beamSize: 0, maxLength: 3, bos: BOS, eos: EOS })).toThrow(
      /beamSize must be a positive integer, got 0/,
    );
  });
});
