// Axis tick labels and the tooltip's x: shorter than the lab's number format (a tick is a
// landmark, not a result): at most 3 significant digits, no trailing zeros, thousands and millions
// as 20k and 1.5M (step axes reach 100 000 and beyond), scientific notation below 1e-3 and from
// 1e9. A log axis gets Chart.js's ticks at 1…9 × 10^k; only some are labelled (1, 2, 5 or fewer,
// by the room there is), or the labels would overlap.
import { formatValue } from '../../../main/lab/formatValue.ts';

/** 0.25, 1500, 20k, 1.5M, 2e-4, 0. */
export function formatTick(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e4) return String(Number(value.toPrecision(3)));
  if (magnitude >= 1e4 && magnitude < 1e6) return `${Number((value / 1e3).toPrecision(3))}k`;
  if (magnitude >= 1e6 && magnitude < 1e9) return `${Number((value / 1e6).toPrecision(3))}M`;
  const [mantissa, exponent] = value.toExponential(2).split('e');
  return `${Number(mantissa)}e${exponent}`;
}

/**
 * An x value in a tooltip, in the lab's number format. From 1000 on it is rounded to a whole
 * number: a decimated curve's points can sit between steps (min-max decimation averages x within
 * a pixel), and "step 47845" reads better than "step 4.785e+4".
 */
export function formatX(value: number): string {
  return Math.abs(value) >= 1000 && Math.abs(value) < 1e6 ? String(Math.round(value)) : formatValue(value);
}

/**
 * A log axis' label for a tick, or '' to leave it unlabelled. How many ticks get a label depends
 * on the room a decade has: 1, 2 and 5 × 10^k when there is plenty, 10^k alone when less, and
 * only every second or fifth power of ten when many decades share a short axis.
 */
export function formatLogTick(value: number, pixelsPerDecade = Infinity): string {
  if (!(value > 0)) return '';
  const exponent = Math.floor(Math.log10(value) + 1e-9);
  const mantissa = Math.round((value / Math.pow(10, exponent)) * 1000) / 1000;
  if (pixelsPerDecade >= 80)
    return mantissa === 1 || mantissa === 2 || mantissa === 5 ? formatTick(value) : '';
  if (mantissa !== 1) return '';
  const every = pixelsPerDecade >= 22 ? 1 : pixelsPerDecade >= 11 ? 2 : pixelsPerDecade >= 5 ? 5 : 10;
  return exponent % every === 0 ? formatTick(value) : '';
}
