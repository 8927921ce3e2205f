// Median seconds per call, the protocol of torch_ref.py's timeit (warm-up calls, then the
// median of n timed calls), so the two sides are measured alike.
export function medianSeconds(call: () => unknown, warm: number, n: number): number {
  for (let i = 0; i < warm; i++) call();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    call();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
