// Curves as one line of text: how the terminal shows a metric's shape (lab inspect, reports).

export const SPARK_WIDTH = 48;
const LEVELS = '▁▂▃▄▅▆▇█';

/**
 * A curve as one line of block characters, downsampled (min/max buckets) to SPARK_WIDTH columns;
 * on a log scale when every value is positive (losses span decades), ' ' where a value is missing.
 */
export function sparkline(values: readonly (number | null)[], width = SPARK_WIDTH): string {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return '';
  const log = finite.every((v) => v > 0);
  const scale = (v: number) => (log ? Math.log10(v) : v);
  const [lo, hi] = [Math.min(...finite.map(scale)), Math.max(...finite.map(scale))];
  const columns = Math.min(width, values.length);
  let line = '';
  for (let c = 0; c < columns; c++) {
    const bucket = values
      .slice(Math.floor((c * values.length) / columns), Math.floor(((c + 1) * values.length) / columns))
      .filter((v): v is number => v !== null && Number.isFinite(v));
    if (bucket.length === 0) {
      line += ' ';
      continue;
    }
    const mean = bucket.reduce((t, v) => t + scale(v), 0) / bucket.length;
    line += LEVELS[hi === lo ? 0 : Math.round(((mean - lo) / (hi - lo)) * (LEVELS.length - 1))];
  }
  return line + (log ? '  (log scale)' : '');
}
