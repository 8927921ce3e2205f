// Median seconds per call, the protocol of torch_ref.py's timeit (warm-up calls, then the
// median of n timed calls), so the two sides are measured alike.
export function medianSeconds(call: () => unknown, warm: number, n: number): number {
  return median(timedCalls(call, warm, n));
}

/** The seconds of each of n calls after `warm` untimed ones. */
export function timedCalls(call: () => unknown, warm: number, n: number): number[] {
  for (let i = 0; i < warm; i++) call();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    call();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return times;
}

/** The middle value (the upper of the two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Seconds as µs, ms or s, whichever reads best; '—' for a time not measured. */
export const fmt = (s: number | null): string =>
  s === null
    ? '—'
    : s < 1e-3
      ? `${(s * 1e6).toFixed(0)} µs`
      : s < 10
        ? `${(s * 1e3).toFixed(2)} ms`
        : `${s.toFixed(0)} s`;
