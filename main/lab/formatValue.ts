// How the lab writes a loss or metric value for people: 4 significant digits in the range where
// they read naturally, scientific notation outside it (1.234e-5, 4.400e+11), whole numbers as
// they are, '—' for no value.
export function formatValue(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '—';
  if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value); // a count: 100, not 100.0
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e4
    ? value.toPrecision(digits)
    : value.toExponential(digits - 1);
}
