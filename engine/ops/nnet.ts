// Neural-network ops: softmax and log-softmax (stable: the row maximum is subtracted first),
// one-hot encoding, and the losses. The losses are compositions of ops (so they fuse, and the
// stabilize rewrite sees log(softmax(x)) and makes it logSoftmax(x)):
//   categoricalCrossentropy(p, t)  = -sum(t * log p, last axis)       (t: int labels or one-hot)
//   softmaxCrossEntropy(logits, t)  = -sum(t * logSoftmax(logits), last axis)  (fused op for labels)
//   binaryCrossentropy(p, t)        = -(t log p + (1 - t) log(1 - p))
//   sigmoidBinaryCrossentropy(x, t) = softplus(x) - t x               (stable, from logits)
//   mse(a, b)                       = mean((a - b)^2)
import { isFloat, type DType } from '../core/dtype.ts';
import { Op, type Apply, type GradEntry, type NativeKernel, type Variable } from '../core/graph.ts';
import { NDArray, formatShape, type Shape } from '../core/ndarray.ts';
import { TensorType } from '../core/type.ts';
import { asVariable, asVariables, type TensorLike } from '../tensor.ts';
import { checkedAxis } from './dimshuffle.ts';
import { add, exp, log, mul, neg, softplus, sqr, sub } from './math.ts';
import { buildError, describe, runError } from './opError.ts';
import { mean, sum } from './reduce.ts';
import { SoftmaxCrossEntropy } from './softmaxCrossEntropy.ts';

/** Calls f(offset, stride, length) for every 1-d lane of a contiguous array along `axis`. */
function eachLane(
  shape: Shape,
  axis: number,
  f: (offset: number, stride: number, length: number) => void,
): void {
  const length = shape[axis];
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) f(o * length * inner + i, inner, length);
}

/**
 * What Softmax and SoftmaxGrad share: props {axis, log} and a printed name that says which
 * (`LogSoftmax{axis=1}`, `SoftmaxGrad{axis=0}`).
 */
abstract class SoftmaxAlongAxis extends Op {
  constructor(axis: number, logarithm: boolean) {
    super({ axis, log: logarithm });
  }

  get axis(): number {
    return this.props.axis as number;
  }

  get logarithm(): boolean {
    return this.props.log as boolean;
  }

  /** The printed name without the Log prefix. */
  protected abstract get stem(): string;

  override get name(): string {
    return this.logarithm ? `Log${this.stem}` : this.stem;
  }

  override toString(): string {
    return `${this.name}{axis=${this.axis}}`;
  }
}

/** Softmax or log-softmax along one axis. */
export class Softmax extends SoftmaxAlongAxis {
  protected get stem(): string {
    return 'Softmax';
  }

  makeNode(x: Variable): Apply {
    if (!isFloat(x.dtype)) throw buildError(this, `needs a float tensor, got ${describe(x)}`);
    if (this.axis >= x.ndim) throw buildError(this, `axis ${this.axis} is out of range for ${describe(x)}`);
    return this.node([x], [new TensorType(x.dtype, x.staticShape)]);
  }

  perform([x]: readonly NDArray[], node: Apply): NDArray[] {
    const xs = x.contiguous();
    const out = new Float64Array(xs.size);
    const d = xs.data;
    eachLane(xs.shape, this.axis, (off, stride, n) => {
      let max = -Infinity;
      for (let k = 0; k < n; k++) max = Math.max(max, d[off + k * stride]);
      if (!Number.isFinite(max)) max = 0;
      let total = 0;
      for (let k = 0; k < n; k++) total += Math.exp(d[off + k * stride] - max);
      const logTotal = Math.log(total);
      for (let k = 0; k < n; k++) {
        const at = off + k * stride;
        out[at] = this.logarithm ? d[at] - max - logTotal : Math.exp(d[at] - max) / total;
      }
    });
    return [NDArray.from(out, xs.shape, node.outputs[0].dtype)];
  }

  override inferShape(_node: Apply, [x]: readonly Shape[]): Shape[] {
    return [x];
  }

  override grad(node: Apply, [gz]: readonly (Variable | null)[]): GradEntry[] {
    return [gz ? new SoftmaxGrad(this.axis, this.logarithm).apply(gz, node.outputs[0]) : null];
  }

  override native(): NativeKernel {
    return { kernel: this.logarithm ? 'log_softmax' : 'softmax', attrs: { axis: this.axis } };
  }
}

/**
 * The gradient of (log-)softmax from its output y (the native softmax_grad kernels):
 *   softmax:     dx = y * (dy - sum(dy * y))      log-softmax: dx = dy - exp(y) * sum(dy)
 */
export class SoftmaxGrad extends SoftmaxAlongAxis {
  protected get stem(): string {
    return 'SoftmaxGrad';
  }

  makeNode(dy: Variable, y: Variable): Apply {
    if (dy.ndim !== y.ndim || this.axis >= y.ndim) {
      throw buildError(
        this,
        `dy ${describe(dy)} and y ${describe(y)} must share a rank that has axis ${this.axis}`,
      );
    }
    return this.node([dy, y], [new TensorType(y.dtype, y.staticShape)]);
  }

  perform([dy, y]: readonly NDArray[], node: Apply): NDArray[] {
    if (dy.shape.join() !== y.shape.join()) {
      throw runError(node, `dy ${formatShape(dy.shape)} and y ${formatShape(y.shape)} differ in shape`);
    }
    const [g, z] = [dy.contiguous().data, y.contiguous().data];
    const out = new Float64Array(z.length);
    eachLane(y.shape, this.axis, (off, stride, n) => {
      let total = 0;
      for (let k = 0; k < n; k++)
        total += this.logarithm ? g[off + k * stride] : g[off + k * stride] * z[off + k * stride];
      for (let k = 0; k < n; k++) {
        const at = off + k * stride;
        out[at] = this.logarithm ? g[at] - Math.exp(z[at]) * total : z[at] * (g[at] - total);
      }
    });
    return [NDArray.from(out, y.shape, node.outputs[0].dtype)];
  }

  override inferShape(_node: Apply, [, y]: readonly Shape[]): Shape[] {
    return [y];
  }

  /** Second order: the derivatives of the formulas above with respect to dy and y. */
  override grad(node: Apply, [gz]: readonly (Variable | null)[]): GradEntry[] {
    if (!gz) return [null, null];
    const [dy, y] = node.inputs;
    const total = (v: Variable): Variable => sum(v, this.axis, true);
    if (this.logarithm) {
      const e = exp(y);
      return [sub(gz, total(mul(gz, e))), neg(mul(mul(gz, e), total(dy)))];
    }
    const gzy = total(mul(gz, y));
    return [mul(y, sub(gz, gzy)), sub(mul(gz, sub(dy, total(mul(dy, y)))), mul(dy, gzy))];
  }

  override native(): NativeKernel {
    return { kernel: this.logarithm ? 'log_softmax_grad' : 'softmax_grad', attrs: { axis: this.axis } };
  }
}

export function softmax(x: TensorLike, axis = -1): Variable {
  const v = asVariable(x);
  return new Softmax(checkedAxis('softmax', axis, v.ndim, v), false).apply(v);
}

export function logSoftmax(x: TensorLike, axis = -1): Variable {
  const v = asVariable(x);
  return new Softmax(checkedAxis('logSoftmax', axis, v.ndim, v), true).apply(v);
}

/**
 * One-hot rows: labels of shape S (int32) give S + [depth] with a 1 at each label. With a model
 * input instead of a static depth (depth -1), the depth is the model's last dimension at run time.
 */
export class OneHot extends Op {
  constructor(depth: number, dtype: DType) {
    super({ depth, dtype });
  }

  get depth(): number {
    return this.props.depth as number;
  }

  get dtype(): DType {
    return this.props.dtype as DType;
  }

  makeNode(labels: Variable, ...model: Variable[]): Apply {
    if (labels.dtype !== 'int32') throw buildError(this, `labels must be int32, got ${describe(labels)}`);
    if ((this.depth === -1) !== (model.length === 1) || model.length > 1) {
      throw buildError(
        this,
        'needs a static depth, or depth -1 and one model input lending its last dimension',
      );
    }
    const depth = model.length === 1 ? model[0].staticShape[model[0].ndim - 1] : this.depth;
    return this.node([labels, ...model], [new TensorType(this.dtype, [...labels.staticShape, depth])]);
  }

  private depthOf(shapes: readonly Shape[]): number {
    return shapes.length > 1 ? shapes[1][shapes[1].length - 1] : this.depth;
  }

  perform(inputs: readonly NDArray[], node: Apply): NDArray[] {
    const labels = inputs[0].toFlat();
    const depth = this.depthOf(inputs.map((a) => a.shape));
    const out = NDArray.zeros([...inputs[0].shape, depth], this.dtype);
    labels.forEach((y, i) => {
      if (!(y >= 0 && y < depth)) {
        throw runError(
          node,
          `label ${y} (at flat position ${i} of labels ${formatShape(inputs[0].shape)}) is not in [0, ${depth})`,
        );
      }
      out.data[i * depth + y] = 1;
    });
    return [out];
  }

  override inferShape(_node: Apply, shapes: readonly Shape[]): Shape[] {
    return [[...shapes[0], this.depthOf(shapes)]];
  }

  override grad(node: Apply): GradEntry[] {
    return node.inputs.map(() => null);
  }
}

export function oneHot(labels: TensorLike, depth: number, dtype: DType = 'float32'): Variable {
  return new OneHot(depth, dtype).apply(asVariable(labels, 'int32'));
}

/** Targets as dense rows like p: int32 labels become one-hot rows of p's class count. */
function denseTargets(where: string, p: Variable, targets: Variable): Variable {
  if (p.ndim < 1) throw buildError(where, `predictions must have a class axis, got ${describe(p)}`);
  if (targets.dtype === 'int32') {
    if (targets.ndim !== p.ndim - 1) {
      throw buildError(
        where,
        `integer labels ${describe(targets)} must have one axis fewer than predictions ${describe(p)}`,
      );
    }
    return new OneHot(-1, p.dtype).apply(targets, p);
  }
  if (targets.ndim !== p.ndim) {
    throw buildError(
      where,
      `one-hot targets ${describe(targets)} must have the shape of predictions ${describe(p)}`,
    );
  }
  return targets;
}

/** -sum(t * log p) over the last axis, per example; t: int32 labels or one-hot/probability rows. */
export function categoricalCrossentropy(predictions: TensorLike, targets: TensorLike): Variable {
  const p = asVariable(predictions);
  const t = denseTargets('categoricalCrossentropy', p, asVariable(targets));
  return neg(sum(mul(t, log(p)), -1));
}

/**
 * Cross-entropy of softmax(logits) with the targets, computed stably from the logits. A matrix
 * of logits with int32 labels is one fused SoftmaxCrossEntropy node (a native kernel).
 */
export function softmaxCrossEntropy(logits: TensorLike, targets: TensorLike): Variable {
  const x = asVariable(logits);
  const labels = asVariable(targets);
  if (x.ndim === 2 && labels.dtype === 'int32' && labels.ndim === 1) {
    return new SoftmaxCrossEntropy().apply(x, labels);
  }
  const t = denseTargets('softmaxCrossEntropy', x, labels);
  return neg(sum(mul(t, logSoftmax(x)), -1));
}

/** Elementwise -(t log p + (1 - t) log(1 - p)) for probabilities p. */
export function binaryCrossentropy(predictions: TensorLike, targets: TensorLike): Variable {
  const [p, t] = asVariables([predictions, targets]);
  return neg(add(mul(t, log(p)), mul(sub(1, t), log(sub(1, p)))));
}

/** Binary cross-entropy of sigmoid(x) with t, stable for large |x|. */
export function sigmoidBinaryCrossentropy(logits: TensorLike, targets: TensorLike): Variable {
  const [x, t] = asVariables([logits, targets]);
  return sub(softplus(x), mul(t, x));
}

/** Mean squared error over all elements. */
export function mse(a: TensorLike, b: TensorLike): Variable {
  return mean(sqr(sub(a, b)));
}
