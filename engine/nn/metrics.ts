// Classification metrics as graph expressions, so evaluation runs in the same compiled function
// (and on the same backend) as the loss.
import type { Variable } from '../core/graph.ts';
import { cast, eq } from '../ops/math.ts';
import { argmax, mean } from '../ops/reduce.ts';

/** Fraction of rows whose largest logit is at the int32 label (float32 scalar). */
export function accuracy(logits: Variable, labels: Variable): Variable {
  if (labels.dtype !== 'int32') {
    throw new Error(`accuracy: labels must be int32 class indices, got ${labels.type.toString()}`);
  }
  return mean(cast(eq(argmax(logits, -1), labels), 'float32'));
}
