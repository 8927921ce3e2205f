import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { BatchCursor, batchCount, batches, epochOrder } from '../../../../engine/data/batches.ts';
import { datasetLength, splitDataset, takeRows } from '../../../../engine/data/dataset.ts';

/** Row r of x is [r, r + 0.5]; y[r] = r, so every row says where it came from. */
function numbered(n: number): { x: NDArray; y: NDArray } {
  const x = new Float32Array(2 * n);
  for (let r = 0; r < n; r++) x.set([r, r + 0.5], 2 * r);
  return {
    x: new NDArray(x, [n, 2]),
    y: new NDArray(
      Int32Array.from({ length: n }, (_, r) => r),
      [n],
    ),
  };
}

function rowsOf(data: { x: NDArray; y: NDArray }): number[] {
  const ys = data.y.toFlat();
  expect(data.x.toNested()).toEqual(ys.map((r) => [r, r + 0.5]));
  return ys;
}

describe('takeRows and datasetLength', () => {
  it('gathers rows of any rank and rejects out-of-range rows', () => {
    const a = NDArray.from(
      Array.from({ length: 24 }, (_, i) => i),
      [4, 3, 2],
      'int32',
    );
    expect(takeRows(a, [2, 0]).toNested()).toEqual([
      [
        [12, 13],
        [14, 15],
        [16, 17],
      ],
      [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
    ]);
    expect(() => takeRows(a, [4])).toThrow(/row 4 is out of range for shape \(4, 3, 2\)/);
  });

  it('names the column whose length disagrees', () => {
    expect(() => datasetLength({ x: NDArray.zeros([3, 2]), y: NDArray.zeros([4]) })).toThrow(/column "y"/);
  });
});

describe('splitDataset', () => {
  it('cuts disjoint train/validation/test sets, the same for the same seed', () => {
    const data = numbered(100);
    const split = splitDataset(data, { train: 70, validation: 20, test: 10 }, 3);
    const train = rowsOf(split.train);
    const validation = rowsOf(split.validation);
    const test = rowsOf(split.test);
    expect([train.length, validation.length, test.length]).toEqual([70, 20, 10]);
    expect(new Set([...train, ...validation, ...test]).size).toBe(100);
    expect(train).not.toEqual([...train].sort((a, b) => a - b)); // shuffled
    expect(splitDataset(data, { train: 70, validation: 20, test: 10 }, 3).test.y.toFlat()).toEqual(test);
    expect(splitDataset(data, { train: 70, validation: 20, test: 10 }, 4).test.y.toFlat()).not.toEqual(test);
  });

  it('says how many rows were asked for and how many exist', () => {
    expect(() => splitDataset(numbered(10), { train: 8, validation: 2, test: 1 }, 0)).toThrow(
      /train 8 \+ validation 2 \+ test 1 rows exceed the 10 rows/,
    );
    expect(() => splitDataset(numbered(10), { train: -1, validation: 2, test: 1 }, 0)).toThrow(/train size/);
  });
});

describe('batches', () => {
  const data = numbered(10);

  it('visits every row exactly once per epoch, in batches of batchSize and a smaller last one', () => {
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const batch of batches(data, { batchSize: 4, seed: 1, epoch: 0 })) {
      sizes.push(batch.y.shape[0]);
      seen.push(...rowsOf(batch));
    }
    expect(sizes).toEqual([4, 4, 2]);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(seen).toEqual(Array.from(epochOrder(10, { batchSize: 4, seed: 1, epoch: 0 })));
    expect(batchCount(10, { batchSize: 4, seed: 1 })).toBe(3);
  });

  it('drops the short last batch when asked', () => {
    const sizes = [...batches(data, { batchSize: 4, seed: 1, dropLast: true })].map((b) => b.x.shape);
    expect(sizes).toEqual([
      [4, 2],
      [4, 2],
    ]);
    expect(batchCount(10, { batchSize: 4, seed: 1, dropLast: true })).toBe(2);
  });

  it('reshuffles every epoch, reproducibly, and keeps order without shuffling', () => {
    const order = (epoch: number): number[] =>
      [...batches(data, { batchSize: 3, seed: 7, epoch })].flatMap((b) => b.y.toFlat());
    expect(order(0)).toEqual(order(0));
    expect(order(0)).not.toEqual(order(1));
    expect(order(1)).not.toEqual(order(2));
    const plain = [...batches(data, { batchSize: 3, shuffle: false })].flatMap((b) => b.y.toFlat());
    expect(plain).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('rejects a missing seed and bad sizes with advice', () => {
    expect(() => [...batches(data, { batchSize: 3 })]).toThrow(/needs a seed/);
    expect(() => [...batches(data, { batchSize: 0, seed: 1 })]).toThrow(
      /batchSize must be a positive integer/,
    );
  });
});

describe('BatchCursor', () => {
  const data = numbered(10);
  const options = { batchSize: 4, seed: 3, dropLast: true };
  const take = (cursor: BatchCursor<typeof data>, n: number): number[][] =>
    Array.from({ length: n }, () => rowsOf(cursor.next()));

  it('runs epoch after epoch, each in the order batches gives it, and says where it is', () => {
    const cursor = new BatchCursor(data, options);
    const epochs = [0, 1, 2].flatMap((epoch) => [...batches(data, { ...options, epoch })].map(rowsOf));
    expect(take(cursor, 6)).toEqual(epochs);
    expect(cursor.position).toEqual({ epoch: 2, batch: 2 });
    cursor.next();
    expect(cursor.position).toEqual({ epoch: 3, batch: 1 });
  });

  it('resumed at a saved position, draws the batches the uninterrupted cursor draws', () => {
    const through = new BatchCursor(data, options);
    take(through, 3);
    const saved = through.position;
    const resumed = new BatchCursor(data, options);
    resumed.seek(saved);
    expect(take(resumed, 5)).toEqual(take(through, 5));
  });

  it('rejects bad options when it is made, not at the first batch', () => {
    expect(() => new BatchCursor(data, { batchSize: 4 })).toThrow(/needs a seed/);
  });
});
