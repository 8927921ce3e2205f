// The one-thread comparison with PyTorch+OpenBLAS in paired rounds: in each round every workload
// runs on the engine and then in PyTorch (a process kept open, bench/torchSession.ts), back to
// back and from the same starting state, so both sides of a pair meet the machine in the same
// state. On this lab's shared VM the speed of a whole process changes by a third from one minute
// to the next (quad_meta took 14.8 ms and 21.4 ms in one process, minutes apart), and at times
// within seconds; a PyTorch run minutes after the engine's could land in the other state, and the
// speedup printed then said more about the neighbours than about the engine. The headline speedup
// is the median of the rounds' own ratios.

export interface PairedRounds {
  /** Per workload, the engine's median seconds per call in each round. */
  readonly lab: Record<string, number[]>;
  /** Per workload, PyTorch's median seconds per call in each round (absent where it did not run). */
  readonly torch: Record<string, number[]>;
}

export interface PairedResult {
  /** The median of the engine's round medians, of PyTorch's, and of the rounds' ratios. */
  readonly labSeconds: number;
  readonly torchSeconds: number | null;
  readonly speedup: number | null;
}

/** The median, the mean of the two middle values for an even count: timing.ts's median takes the
 * upper one, which over two rounds would report the better round's ratio. */
function middle(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
}

/** One workload's rounds reduced to the medians and the median paired ratio. */
export function pairedResult(lab: readonly number[], torch: readonly number[] | undefined): PairedResult {
  if (lab.length === 0) throw new Error('paired rounds: no engine timing was recorded');
  if (!torch || torch.length === 0) return { labSeconds: middle(lab), torchSeconds: null, speedup: null };
  if (torch.length !== lab.length) {
    throw new Error(`paired rounds: ${lab.length} engine timings but ${torch.length} PyTorch ones`);
  }
  return {
    labSeconds: middle(lab),
    torchSeconds: middle(torch),
    speedup: middle(lab.map((seconds, i) => torch[i] / seconds)),
  };
}

/** `--rounds N` from the command line (N ≥ 1), else `fallback`. */
export function roundsOption(argv: readonly string[], fallback: number): number {
  const at = argv.indexOf('--rounds');
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--rounds needs a whole number of rounds, 1 or more (got '${argv[at + 1] ?? ''}')`);
  }
  return value;
}

/** One line per round: each workload's engine time, PyTorch's and their ratio. */
export function roundLines(
  rounds: PairedRounds,
  names: readonly string[],
  fmt: (s: number) => string,
): string[] {
  const count = rounds.lab[names[0]]?.length ?? 0;
  const lines: string[] = [];
  for (let r = 0; r < count; r++) {
    const parts = names.map((name) => {
      const lab = rounds.lab[name][r],
        torch = rounds.torch[name]?.[r];
      return torch === undefined
        ? `${name} ${fmt(lab)}`
        : `${name} ${fmt(lab)} / ${fmt(torch)} = ${(torch / lab).toFixed(2)}×`;
    });
    lines.push(`  round ${r + 1}: ${parts.join(', ')}`);
  }
  return lines;
}
