// What an image student's evaluation measures, computed in float64 on the host from its logits:
// cross-entropy, accuracy and errors, the confusion matrix, accuracy on one class, and the bias
// shift of Hinton et al.'s omitted-class experiment — raising the output bias of a class the
// student never saw, by the amount that gives the best validation accuracy.
import type { NDArray } from '../../../../engine/core/ndarray.ts';

export interface Classification {
  /** Mean cross-entropy of softmax(logits) with the labels. */
  loss: number;
  accuracy: number;
  errors: number;
}

function rowsOf(logits: NDArray): { rows: number; classes: number; data: ArrayLike<number> } {
  const [rows, classes] = logits.shape;
  return { rows, classes, data: logits.contiguous().data };
}

/** The predicted class of each row with `shift` added to the logit of class `shifted`. */
export function predictions(logits: NDArray, shifted = -1, shift = 0): Int32Array {
  const { rows, classes, data } = rowsOf(logits);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let c = 0; c < classes; c++) {
      const value = data[r * classes + c] + (c === shifted ? shift : 0);
      // First maximum wins, as argmax does.
      if (value > bestValue) {
        bestValue = value;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}

export function classification(logits: NDArray, labels: NDArray): Classification {
  const { rows, classes, data } = rowsOf(logits);
  const y = labels.toFlat();
  const predicted = predictions(logits);
  let loss = 0;
  let errors = 0;
  for (let r = 0; r < rows; r++) {
    let top = -Infinity;
    for (let c = 0; c < classes; c++) top = Math.max(top, data[r * classes + c]);
    let total = 0;
    for (let c = 0; c < classes; c++) total += Math.exp(data[r * classes + c] - top);
    loss += top + Math.log(total) - data[r * classes + y[r]];
    if (predicted[r] !== y[r]) errors++;
  }
  return { loss: loss / rows, accuracy: 1 - errors / rows, errors };
}

/** counts[true][predicted]. */
export function confusionMatrix(logits: NDArray, labels: NDArray): number[][] {
  const classes = logits.shape[1];
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const y = labels.toFlat();
  predictions(logits).forEach((p, r) => counts[y[r]][p]++);
  return counts;
}

/** Accuracy over the rows of class `cls`, with `shift` added to that class's logit. */
export function classAccuracy(logits: NDArray, labels: NDArray, cls: number, shift = 0): number {
  const y = labels.toFlat();
  const predicted = predictions(logits, cls, shift);
  let seen = 0;
  let right = 0;
  y.forEach((label, r) => {
    if (label !== cls) return;
    seen++;
    if (predicted[r] === cls) right++;
  });
  return seen === 0 ? Number.NaN : right / seen;
}

/** Overall accuracy with `shift` added to class `cls`'s logit. */
export function shiftedAccuracy(logits: NDArray, labels: NDArray, cls: number, shift: number): number {
  const y = labels.toFlat();
  const predicted = predictions(logits, cls, shift);
  let right = 0;
  y.forEach((label, r) => {
    if (predicted[r] === label) right++;
  });
  return right / y.length;
}

/** min, min + step, … up to max (inclusive, within rounding). */
export function biasShiftGrid(range: { min: number; max: number; step: number }): number[] {
  const count = Math.floor((range.max - range.min) / range.step + 1e-9) + 1;
  return Array.from({ length: Math.max(0, count) }, (_, i) =>
    Number((range.min + i * range.step).toPrecision(12)),
  );
}

/** The shift with the best overall accuracy on (validation) logits; ties go to the smallest shift. */
export function chooseBiasShift(
  logits: NDArray,
  labels: NDArray,
  cls: number,
  grid: readonly number[],
): { shift: number; accuracy: number } {
  let best = { shift: 0, accuracy: -1 };
  for (const shift of grid) {
    const accuracy = shiftedAccuracy(logits, labels, cls, shift);
    if (accuracy > best.accuracy) best = { shift, accuracy };
  }
  return best;
}
