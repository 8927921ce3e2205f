// Paired rounds of the benchmark's comparison with PyTorch (bench/pairedRounds.ts): the speedup is
// the median of each round's own ratio, not the ratio of two medians taken in different rounds.
import { describe, expect, it } from 'vitest';
import { pairedResult, roundLines, roundsOption } from '../../../bench/pairedRounds.ts';

describe('paired rounds', () => {
  it('takes the median of the rounds’ ratios, so a round where the machine slowed both sides counts once', () => {
    // Round 2 ran in the VM's slow state (both sides 1.5× slower), round 3 slowed PyTorch alone.
    const lab = [0.01, 0.015, 0.0102];
    const torch = [0.05, 0.075, 0.07];
    const r = pairedResult(lab, torch);
    expect(r.labSeconds).toBe(0.0102);
    expect(r.torchSeconds).toBe(0.07);
    // ratios 5, 5, 6.86: the median is 5; the ratio of the medians would say 6.86
    expect(r.speedup).toBeCloseTo(5, 12);
    expect(r.torchSeconds! / r.labSeconds).toBeCloseTo(6.863, 3);
  });

  it('takes the mean of the two middle rounds for an even count, not the better one', () => {
    const r = pairedResult([0.01, 0.02], [0.03, 0.1]);
    expect(r.speedup).toBeCloseTo(4, 12); // ratios 3 and 5
    expect(r.labSeconds).toBeCloseTo(0.015, 12);
    expect(r.torchSeconds).toBeCloseTo(0.065, 12);
  });

  it('reports the engine alone where PyTorch did not run, and refuses rounds that do not pair', () => {
    expect(pairedResult([0.02, 0.01, 0.03], undefined)).toEqual({
      labSeconds: 0.02,
      torchSeconds: null,
      speedup: null,
    });
    expect(() => pairedResult([0.01, 0.02], [0.05])).toThrow(/2 engine timings but 1 PyTorch ones/);
    expect(() => pairedResult([], [])).toThrow(/no engine timing/);
  });

  it('reads --rounds N, and says what is wrong with a bad N', () => {
    expect(roundsOption(['node', 'bench/run.ts'], 3)).toBe(3);
    expect(roundsOption(['node', 'bench/run.ts', '--rounds', '5'], 3)).toBe(5);
    expect(() => roundsOption(['--rounds', '0'], 3)).toThrow(
      /--rounds needs a whole number of rounds, 1 or more \(got '0'\)/,
    );
    expect(() => roundsOption(['--rounds'], 3)).toThrow(/got ''/);
    expect(() => roundsOption(['--rounds', '2.5'], 3)).toThrow(/got '2.5'/);
  });

  it('prints one line per round with each workload’s two times and their ratio', () => {
    const fmt = (s: number) => `${(s * 1e3).toFixed(1)} ms`;
    const lines = roundLines(
      { lab: { quad_meta: [0.015, 0.02], mnist_meta: [0.25, 0.3] }, torch: { quad_meta: [0.075, 0.08] } },
      ['quad_meta', 'mnist_meta'],
      fmt,
    );
    expect(lines).toEqual([
      '  round 1: quad_meta 15.0 ms / 75.0 ms = 5.00×, mnist_meta 250.0 ms',
      '  round 2: quad_meta 20.0 ms / 80.0 ms = 4.00×, mnist_meta 300.0 ms',
    ]);
  });
});
