// Subsets of a labelled dataset, as distillation experiments use them for transfer sets: every
// row except one class (Hinton et al.'s omitted 3), and a seeded fraction of the rows (their 3 %
// experiment). Both keep the dataset's row order, so a subset drawn twice is the same rows in the
// same order.
import { permutation } from '../random/philox.ts';
import { datasetLength, takeDatasetRows, type Dataset } from './dataset.ts';

/** The rows whose `column` (an int32 label column) is not `value`. */
export function withoutLabel<D extends Dataset>(data: D, value: number, column = 'y'): D {
  const labels = data[column];
  if (!labels || labels.dtype !== 'int32' || labels.ndim !== 1) {
    throw new Error(`withoutLabel: the dataset needs an int32 label column "${column}" of one axis`);
  }
  const flat = labels.toFlat();
  const keep: number[] = [];
  flat.forEach((label, row) => {
    if (label !== value) keep.push(row);
  });
  return takeDatasetRows(data, keep);
}

/**
 * round(fraction · rows) rows (at least one) drawn by a permutation from `seed`, kept in their
 * original order.
 */
export function seededFraction<D extends Dataset>(data: D, fraction: number, seed: number): D {
  if (!(fraction > 0 && fraction <= 1)) {
    throw new Error(`seededFraction: fraction must be in (0, 1], got ${fraction}`);
  }
  const rows = datasetLength(data);
  if (fraction === 1) return data;
  const count = Math.max(1, Math.round(fraction * rows));
  const chosen = Array.from(permutation({ seed }, rows).subarray(0, count)).sort((a, b) => a - b);
  return takeDatasetRows(data, chosen);
}
