// Mini-batches over a dataset. The order of epoch e is a permutation drawn from (seed, stream
// 1 + e), so every epoch is reshuffled, a resumed run (same seed, same epoch) sees exactly the
// batches it would have seen, and no epoch reuses the split's stream 0.
import { permutation } from '../random/philox.ts';
import { datasetLength, takeDatasetRows, type Dataset } from './dataset.ts';

export interface BatchOptions {
  batchSize: number;
  /** Seed of the shuffles; required when shuffling. */
  seed?: number;
  /** Which epoch's order to use (0, 1, 2, ...). */
  epoch?: number;
  /** Shuffle rows each epoch (default true); false keeps the dataset order. */
  shuffle?: boolean;
  /** Drop a last batch smaller than batchSize (default false: it is yielded, smaller). */
  dropLast?: boolean;
}

function checkOptions(options: BatchOptions): void {
  const { batchSize, seed, epoch = 0, shuffle = true } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`batches: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (!Number.isInteger(epoch) || epoch < 0 || epoch >= 2 ** 32 - 1) {
    throw new Error(`batches: epoch must be a non-negative integer, got ${epoch}`);
  }
  if (shuffle && seed === undefined) {
    throw new Error('batches: shuffling needs a seed (pass {seed}), or pass {shuffle: false}');
  }
}

/** How many batches one epoch yields. */
export function batchCount(rows: number, options: BatchOptions): number {
  checkOptions(options);
  const { batchSize, dropLast = false } = options;
  return dropLast ? Math.floor(rows / batchSize) : Math.ceil(rows / batchSize);
}

/** The row order of one epoch. */
export function epochOrder(rows: number, options: BatchOptions): Int32Array {
  checkOptions(options);
  const { seed = 0, epoch = 0, shuffle = true } = options;
  if (!shuffle) return Int32Array.from({ length: rows }, (_, i) => i);
  return permutation({ seed, stream: 1 + epoch }, rows);
}

/** Yields the batches of one epoch: datasets with the same columns and batchSize rows (or fewer). */
export function* batches<D extends Dataset>(data: D, options: BatchOptions): Generator<D> {
  const rows = datasetLength(data);
  const order = epochOrder(rows, options);
  const count = batchCount(rows, options);
  for (let b = 0; b < count; b++) {
    yield takeDatasetRows(data, order.subarray(b * options.batchSize, (b + 1) * options.batchSize));
  }
}
