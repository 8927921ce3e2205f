// Continual-learning streams on MNIST (Lopez-Paz & Ranzato 2017; van de Ven & Tolias 2019):
//   permuted MNIST     task k: every image's pixels shuffled by the task's fixed permutation
//                      (permutation 0 is the identity: the original digits); all ten classes
//   split MNIST        task k: only the images of its classes ({0,1}, {2,3}, …), labels kept as
//                      they are, so one 10-way head must tell every class seen so far apart
//                      (class-incremental: no task identity at test time)
// Both cut the embedded digits (or any ImageDataset splits) the same way for every task, so the
// tasks differ only in what the stream defines.
import { NDArray } from '../core/ndarray.ts';
import { Rng } from '../random/rng.ts';
import { takeRows } from './dataset.ts';
import { mnistImageSize, type ImageDataset } from './mnist.ts';

export interface ImageTaskData {
  description: string;
  train: ImageDataset;
  validation: ImageDataset;
}

/** The pixel order of permutation `index` (0: the identity), fixed by the index alone. */
export function pixelPermutation(index: number): Int32Array {
  if (!Number.isInteger(index) || index < 0)
    throw new Error(`pixelPermutation: the permutation index must be an integer ≥ 0, got ${index}`);
  if (index === 0) return Int32Array.from({ length: mnistImageSize }, (_, i) => i);
  return new Rng(index, 17).permutation(mnistImageSize);
}

function permutePixels(data: ImageDataset, order: Int32Array): ImageDataset {
  const n = data.x.shape[0];
  const source = data.x.contiguous().data as Float32Array;
  const x = new Float32Array(n * mnistImageSize);
  for (let row = 0; row < n; row++) {
    const at = row * mnistImageSize;
    for (let j = 0; j < mnistImageSize; j++) x[at + j] = source[at + order[j]];
  }
  return { x: new NDArray(x, [n, mnistImageSize]), y: data.y };
}

export function permutedMnistTask(
  splits: { train: ImageDataset; validation: ImageDataset },
  permutation: number,
): ImageTaskData {
  const order = pixelPermutation(permutation);
  return {
    description: permutation === 0 ? 'MNIST (pixels in order)' : `MNIST, pixel permutation ${permutation}`,
    train: permutePixels(splits.train, order),
    validation: permutePixels(splits.validation, order),
  };
}

function onlyClasses(data: ImageDataset, classes: ReadonlySet<number>): ImageDataset {
  const labels = data.y.contiguous().data;
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) if (classes.has(labels[i])) rows.push(i);
  return { x: takeRows(data.x, rows), y: takeRows(data.y, rows) };
}

export function splitMnistTask(
  splits: { train: ImageDataset; validation: ImageDataset },
  classes: readonly number[],
): ImageTaskData {
  const bad = classes.filter((c) => !Number.isInteger(c) || c < 0 || c > 9);
  if (classes.length === 0 || bad.length > 0 || new Set(classes).size !== classes.length) {
    throw new Error(`splitMnistTask: classes must be distinct digits 0–9, got [${classes.join(', ')}]`);
  }
  const wanted = new Set(classes);
  return {
    description: `MNIST digits ${classes.join(', ')}`,
    train: onlyClasses(splits.train, wanted),
    validation: onlyClasses(splits.validation, wanted),
  };
}
