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

/** Where a run is in its endless stream of mini-batches: the epoch, and how many of its batches
 * were taken. All a checkpoint needs to find the next batch again. */
export interface BatchPosition {
  epoch: number;
  batch: number;
}

/** Mini-batches epoch after epoch (each reshuffled as `batches` shuffles it), resumable from a
 * position: a trainer that restores a checkpoint seeks to the position it saved and draws the
 * batches the uninterrupted run would have drawn. */
export class BatchCursor<D extends Dataset> {
  /** The dataset it draws from. */
  readonly data: D;
  private readonly options: Omit<BatchOptions, 'epoch'>;
  private epochBatches: Iterator<D> | null = null;
  private at: BatchPosition = { epoch: 0, batch: 0 };

  constructor(data: D, options: Omit<BatchOptions, 'epoch'>) {
    checkOptions(options);
    this.data = data;
    this.options = options;
  }

  /** The position after the last batch taken. */
  get position(): BatchPosition {
    return { ...this.at };
  }

  /** Continues from `position`: the next batch is the one after it. */
  seek(position: BatchPosition): void {
    this.at = { epoch: position.epoch, batch: position.batch };
    this.epochBatches = null;
  }

  /** The next batch, starting the next epoch when this one has no more. */
  next(): D {
    for (;;) {
      if (!this.epochBatches) {
        this.epochBatches = batches(this.data, { ...this.options, epoch: this.at.epoch });
        for (let skipped = 0; skipped < this.at.batch; skipped++) this.epochBatches.next();
      }
      const next = this.epochBatches.next();
      if (!next.done) {
        this.at = { epoch: this.at.epoch, batch: this.at.batch + 1 };
        return next.value;
      }
      this.at = { epoch: this.at.epoch + 1, batch: 0 };
      this.epochBatches = null;
    }
  }
}
