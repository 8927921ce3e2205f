// Losses with PyTorch's conventions (torch.nn.functional): a mean over examples by default.
// They are thin compositions of the engine's nnet ops, which the stabilize rewrites and native
// kernels know, so a loss written here runs as fast and as stably as the op itself.
import type { Variable } from '../core/graph.ts';
import {
  binaryCrossentropy,
  mse as mseOp,
  sigmoidBinaryCrossentropy,
  softmaxCrossEntropy,
} from '../ops/nnet.ts';
import { mean, sum } from '../ops/reduce.ts';
import { sqr, sub } from '../ops/math.ts';

export type Reduction = 'mean' | 'sum' | 'none';

function reduce(loss: Variable, reduction: Reduction): Variable {
  if (reduction === 'mean') return mean(loss);
  if (reduction === 'sum') return sum(loss);
  if (reduction === 'none') return loss;
  throw new Error(`loss reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
}

/**
 * Cross-entropy of softmax(logits) with integer class labels (int32, one axis fewer than logits)
 * or probability rows — torch's F.cross_entropy. Computed from the logits (log-softmax), never
 * from probabilities, so it stays finite for confident wrong predictions.
 */
export function crossEntropy(logits: Variable, labels: Variable, reduction: Reduction = 'mean'): Variable {
  return reduce(softmaxCrossEntropy(logits, labels), reduction);
}

/** Binary cross-entropy of probabilities p with targets in [0, 1] — torch's F.binary_cross_entropy. */
export function binaryCrossEntropy(p: Variable, targets: Variable, reduction: Reduction = 'mean'): Variable {
  return reduce(binaryCrossentropy(p, targets), reduction);
}

/** Binary cross-entropy of sigmoid(logits), stable for large |logits| — F.binary_cross_entropy_with_logits. */
export function binaryCrossEntropyWithLogits(
  logits: Variable,
  targets: Variable,
  reduction: Reduction = 'mean',
): Variable {
  return reduce(sigmoidBinaryCrossentropy(logits, targets), reduction);
}

/** Mean squared error — torch's F.mse_loss. */
export function mse(a: Variable, b: Variable, reduction: Reduction = 'mean'): Variable {
  return reduction === 'mean' ? mseOp(a, b) : reduce(sqr(sub(a, b)), reduction);
}
