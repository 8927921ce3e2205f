// Softmax cross-entropy of a batch of logit rows with integer labels as one fused op (the
// native `softmax_cross_entropy` kernel), the training loss of every classifier:
//   loss[r] = logsumexp(x[r, :]) - x[r, label[r]]
//   dloss/dx[r, :] = g[r] * (softmax(x[r, :]) - onehot(label[r]))   (SoftmaxCrossEntropyGrad)
// Other ranks and dense targets use the composed form in nnet.ts.
import type { GradKit } from '../core/gradKit.ts';
import { Op, type Apply, type GradEntry, type NativeKernel, type Variable } from '../core/graph.ts';
import { NDArray, type Shape } from '../core/ndarray.ts';
import { TensorType } from '../core/type.ts';
import { dimshuffle } from './dimshuffle.ts';
import { buildError, describe, runError } from './opError.ts';

function check(op: Op, logits: Variable, labels: Variable): void {
  if (logits.ndim !== 2 || (logits.dtype !== 'float32' && logits.dtype !== 'float64')) {
    throw buildError(op, `logits must be a float matrix (rows, classes), got ${describe(logits)}`);
  }
  const [rows, labelRows] = [logits.staticShape[0], labels.staticShape[0]];
  if (
    labels.dtype !== 'int32' ||
    labels.ndim !== 1 ||
    (rows !== null && labelRows !== null && rows !== labelRows)
  ) {
    throw buildError(
      op,
      `labels must be an int32 vector with one entry per row of ${describe(logits)}, got ${describe(labels)}`,
    );
  }
}

/** Per row: the maximum, log(sum(exp(x - max))) and the label, after checking it. */
function eachRow(
  x: NDArray,
  labels: NDArray,
  node: Apply,
  visit: (row: Float64Array, max: number, logTotal: number, label: number, r: number) => void,
): void {
  const [rows, classes] = x.shape;
  if (labels.shape[0] !== rows) {
    throw runError(node, `${labels.shape[0]} labels for ${rows} rows of logits`);
  }
  const ys = labels.toFlat();
  const row = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, (row[c] = x.get(r, c)));
    let total = 0;
    for (let c = 0; c < classes; c++) total += Math.exp(row[c] - max);
    const y = ys[r];
    if (!(y >= 0 && y < classes)) throw runError(node, `label ${y} in row ${r} is not in [0, ${classes})`);
    visit(row, max, Math.log(total), y, r);
  }
}

export class SoftmaxCrossEntropy extends Op {
  makeNode(logits: Variable, labels: Variable): Apply {
    check(this, logits, labels);
    return this.node([logits, labels], [new TensorType(logits.dtype, [logits.staticShape[0]])]);
  }

  perform([x, labels]: readonly NDArray[], node: Apply): NDArray[] {
    const out = new Float64Array(x.shape[0]);
    eachRow(x, labels, node, (row, max, logTotal, y, r) => (out[r] = max + logTotal - row[y]));
    return [NDArray.from(out, [x.shape[0]], x.dtype)];
  }

  override inferShape(_node: Apply, [x]: readonly Shape[]): Shape[] {
    return [[x[0]]];
  }

  override grad(node: Apply, [gz]: readonly (Variable | null)[]): GradEntry[] {
    const [logits, labels] = node.inputs;
    return [gz ? new SoftmaxCrossEntropyGrad().apply(gz, logits, labels) : null, null];
  }

  override native(): NativeKernel {
    return { kernel: 'softmax_cross_entropy', attrs: {} };
  }
}

/** g[r] * (softmax(x[r]) - onehot(label[r])): the gradient of SoftmaxCrossEntropy. */
export class SoftmaxCrossEntropyGrad extends Op {
  makeNode(dloss: Variable, logits: Variable, labels: Variable): Apply {
    check(this, logits, labels);
    if (dloss.ndim !== 1) throw buildError(this, `dloss must be a vector, got ${describe(dloss)}`);
    return this.node([dloss, logits, labels], [new TensorType(logits.dtype, logits.staticShape)]);
  }

  perform([g, x, labels]: readonly NDArray[], node: Apply): NDArray[] {
    const [rows, classes] = x.shape;
    const out = new Float64Array(rows * classes);
    const gs = g.toFlat();
    eachRow(x, labels, node, (row, max, logTotal, y, r) => {
      for (let c = 0; c < classes; c++) {
        out[r * classes + c] = gs[r] * (Math.exp(row[c] - max - logTotal) - (c === y ? 1 : 0));
      }
    });
    return [NDArray.from(out, x.shape, x.dtype)];
  }

  override inferShape(_node: Apply, [, x]: readonly Shape[]): Shape[] {
    return [x];
  }

  /** Second order, composed: with s = softmax(x) and u = gz * g[:, None], dx = s * (u - sum(u * s)). */
  override grad(node: Apply, [gz]: readonly (Variable | null)[], kit: GradKit<Variable>): GradEntry[] {
    if (!gz) return [null, null, null];
    const { mul, onesLike, softmax, sub, sum } = kit;
    const [g, x, labels] = node.inputs;
    const delta = new SoftmaxCrossEntropyGrad().apply(onesLike(g), x, labels); // softmax - onehot
    const s = softmax(x);
    const u = mul(gz, dimshuffle(g, 0, 'x'));
    return [sum(mul(gz, delta), 1), mul(s, sub(u, sum(mul(u, s), 1, true))), null];
  }

  override native(): NativeKernel {
    return { kernel: 'softmax_cross_entropy_grad', attrs: {} };
  }
}
