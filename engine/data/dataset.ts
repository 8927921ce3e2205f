// A dataset is a set of named columns (NDArrays) sharing their first dimension: MNIST is
// {x: (N, 784), y: (N,)}, the toy language {source: (N, L), target: (N, L), ...}. Splits are
// fixed train/validation/test datasets drawn by a seeded permutation, so a seed names a split.
import { allocate } from '../core/dtype.ts';
import { formatShape, NDArray, shapeSize } from '../core/ndarray.ts';
import { permutation } from '../random/philox.ts';

export type Dataset = Readonly<Record<string, NDArray>>;

export interface Splits<D extends Dataset = Dataset> {
  train: D;
  validation: D;
  test: D;
}

export interface SplitSizes {
  train: number;
  validation: number;
  test: number;
}

/** Number of rows, after checking that every column has the same first dimension. */
export function datasetLength(data: Dataset): number {
  const names = Object.keys(data);
  if (names.length === 0) throw new Error('dataset: a dataset needs at least one column');
  const n = data[names[0]].shape[0];
  for (const name of names) {
    const column = data[name];
    if (column.ndim === 0 || column.shape[0] !== n) {
      throw new Error(
        `dataset: column "${name}" has shape ${formatShape(column.shape)} but column "${names[0]}" has ${n} rows; ` +
          'every column needs the same first dimension',
      );
    }
  }
  return n;
}

/** The rows `indices` of one array, as a new contiguous array. */
export function takeRows(array: NDArray, indices: ArrayLike<number>): NDArray {
  const source = array.contiguous();
  const rowSize = shapeSize(array.shape.slice(1));
  const out = allocate(array.dtype, indices.length * rowSize);
  for (let r = 0; r < indices.length; r++) {
    const row = indices[r];
    if (!(row >= 0 && row < array.shape[0])) {
      throw new Error(`takeRows: row ${row} is out of range for shape ${formatShape(array.shape)}`);
    }
    out.set(source.data.subarray(row * rowSize, (row + 1) * rowSize), r * rowSize);
  }
  return new NDArray(out, [indices.length, ...array.shape.slice(1)]);
}

/** The same rows of every column. */
export function takeDatasetRows<D extends Dataset>(data: D, indices: ArrayLike<number>): D {
  datasetLength(data);
  const out: Record<string, NDArray> = {};
  for (const [name, column] of Object.entries(data)) out[name] = takeRows(column, indices);
  return out as D;
}

/**
 * Shuffles rows with a permutation drawn from `seed` and cuts train, validation and test in that
 * order. The same seed and sizes always give the same split.
 */
export function splitDataset<D extends Dataset>(data: D, sizes: SplitSizes, seed: number): Splits<D> {
  const n = datasetLength(data);
  const { train, validation, test } = sizes;
  for (const [name, size] of Object.entries(sizes)) {
    if (!Number.isInteger(size) || size < 0) {
      throw new Error(`splitDataset: the ${name} size must be a non-negative integer, got ${size}`);
    }
  }
  if (train + validation + test > n) {
    throw new Error(
      `splitDataset: train ${train} + validation ${validation} + test ${test} rows exceed the ${n} rows available`,
    );
  }
  const order = permutation({ seed }, n);
  return {
    train: takeDatasetRows(data, order.subarray(0, train)),
    validation: takeDatasetRows(data, order.subarray(train, train + validation)),
    test: takeDatasetRows(data, order.subarray(train + validation, train + validation + test)),
  };
}
