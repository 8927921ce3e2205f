// Tick positions for a linear axis drawn by hand (SVG charts that are not Chart.js): round
// numbers — 1, 2 or 5 × 10^k apart — inside [lo, hi], about `count` of them.

/** Round-numbered ticks within [lo, hi], spaced 1, 2 or 5 × 10^k apart, about `count` of them. */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return Number.isFinite(lo) ? [lo] : [];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const spacing = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / spacing) * spacing; t <= hi + spacing * 1e-9; t += spacing) {
    // Multiples of the spacing, without the float drift of repeated additions.
    ticks.push(Number((Math.round(t / spacing) * spacing).toPrecision(12)));
  }
  return ticks;
}
