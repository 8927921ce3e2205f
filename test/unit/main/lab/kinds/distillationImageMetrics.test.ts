// The host-side metrics of image students against hand-counted examples: cross-entropy,
// confusion matrix, per-class accuracy, and the omitted-class bias shift chosen on validation.
import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../../engine/core/ndarray.ts';
import { seededFraction, withoutLabel } from '../../../../../engine/data/subsets.ts';
import {
  biasShiftGrid,
  chooseBiasShift,
  classAccuracy,
  classification,
  confusionMatrix,
  shiftedAccuracy,
} from '../../../../../main/lab/kinds/distillation/imageMetrics.ts';

// Four rows, three classes. Class 2 is never predicted unless its logit is raised by > 1.
const logits = NDArray.from([3, 0, 1, 0, 3, 1.5, 1, 0, 0, 0, 2, 0.5], [4, 3], 'float32');
const labels = NDArray.from([0, 2, 2, 1], [4], 'int32');

describe('image student metrics', () => {
  it('cross-entropy, accuracy and errors agree with a hand computation', () => {
    const rows = [
      [3, 0, 1],
      [0, 3, 1.5],
      [1, 0, 0],
      [0, 2, 0.5],
    ];
    const ce = rows.map((r, i) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0)) - r[labels.toFlat()[i]]);
    const result = classification(logits, labels);
    expect(result.loss).toBeCloseTo(ce.reduce((a, b) => a + b) / 4, 6);
    expect(result.errors).toBe(2); // rows 1 and 2 (class 2 predicted as 1 and 0)
    expect(result.accuracy).toBe(0.5);
  });

  it('counts the confusion matrix as [true][predicted]', () => {
    expect(confusionMatrix(logits, labels)).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [1, 1, 0],
    ]);
  });

  it('a bias shift on the omitted class recovers it, chosen for the best validation accuracy', () => {
    expect(classAccuracy(logits, labels, 2)).toBe(0);
    // +1.6: rows 1 (0, 3, 3.1) and 2 (1, 0, 1.6) → 2, both right; row 3 (0, 2, 2.1) → 2, wrong.
    expect(classAccuracy(logits, labels, 2, 1.6)).toBe(1);
    expect(shiftedAccuracy(logits, labels, 2, 1.6)).toBe(0.75);
    // +1.2: row 1 (0, 3, 2.7) stays 1; row 2 (1, 0, 1.2) → 2; rows 0 and 3 stay right: also 3 of 4.
    expect(shiftedAccuracy(logits, labels, 2, 1.2)).toBe(0.75);
    expect(shiftedAccuracy(logits, labels, 2, 0.8)).toBe(0.5);
    const grid = biasShiftGrid({ min: 0, max: 2, step: 0.4 });
    expect(grid).toEqual([0, 0.4, 0.8, 1.2, 1.6, 2]);
    // A tie between 1.2, 1.6 and 2 goes to the smallest shift.
    expect(chooseBiasShift(logits, labels, 2, grid)).toEqual({ shift: 1.2, accuracy: 0.75 });
  });
});

describe('transfer subsets', () => {
  const data = {
    x: NDArray.from([0, 1, 2, 3, 4, 5, 6, 7], [8, 1], 'float32'),
    y: NDArray.from([0, 3, 1, 3, 2, 3, 0, 1], [8], 'int32'),
  };

  it('drop one label, keeping row order', () => {
    const rest = withoutLabel(data, 3);
    expect(rest.y.toFlat()).toEqual([0, 1, 2, 0, 1]);
    expect(rest.x.toFlat()).toEqual([0, 2, 4, 6, 7]);
  });

  it('draw the same seeded fraction every time, in row order, at least one row', () => {
    const a = seededFraction(data, 0.5, 9);
    expect(a.y.shape).toEqual([4]);
    expect(seededFraction(data, 0.5, 9).x.toFlat()).toEqual(a.x.toFlat());
    expect([...a.x.toFlat()].sort((p, q) => p - q)).toEqual(a.x.toFlat());
    expect(seededFraction(data, 0.5, 10).x.toFlat()).not.toEqual(a.x.toFlat());
    expect(seededFraction(data, 0.01, 9).y.shape).toEqual([1]);
    expect(() => seededFraction(data, 0, 1)).toThrow(/fraction must be in \(0, 1\], got 0/);
  });
});
