// stabilize: rewrite formulas that overflow or lose precision in floating point into their
// stable forms (Theano's stabilize phase):
//   log(1 + x)         → log1p(x)          (x tiny: 1 + x rounds to 1)
//   log(sigmoid(x))    → -softplus(-x)     (x very negative: sigmoid underflows to 0)
//   log(1 - sigmoid(x)) → -softplus(x)
//   log(sum(exp(x)))   → logsumexp(x)      (exp overflows for x > 88 in float32)
//   log(softmax(x))    → logSoftmax(x)     (a probability underflowing to 0 gives -inf)
// The last one is what makes categoricalCrossentropy(softmax(x), t) as stable as
// softmaxCrossEntropy(x, t): both become -sum(t * logSoftmax(x)). With int32 labels (t a
// one-hot of them) over 2-d logits, that in turn becomes the fused SoftmaxCrossEntropy(x, labels):
//   -sum(oneHot(labels) * logSoftmax(x), axis 1) → SoftmaxCrossEntropy(x, labels)
import type { Apply, Variable } from '../core/graph.ts';
import { isFloat } from '../core/dtype.ts';
import { log1p, neg, softplus } from '../ops/math.ts';
import { OneHot, Softmax } from '../ops/nnet.ts';
import { SoftmaxCrossEntropy } from '../ops/softmaxCrossEntropy.ts';
import { Reduce } from '../ops/reduce.ts';
import { elemwiseOf, sameValueShape, scalarOpOf, uniformConstant } from './patterns.ts';
import type { NodeRewrite } from './rewrite.ts';

/** The argument of log when `node` is log(...) of a float, else null. */
function logArgument(node: Apply): Variable | null {
  return scalarOpOf(node) === 'log' && isFloat(node.outputs[0].dtype) ? node.inputs[0] : null;
}

export const logOnePlus: NodeRewrite = {
  name: 'logOnePlus',
  apply(node: Apply): readonly Variable[] | null {
    const arg = logArgument(node);
    const sum = arg && elemwiseOf(arg, 'add');
    if (!sum) return null;
    for (const k of [0, 1]) {
      const [one, x] = [sum.inputs[k], sum.inputs[1 - k]];
      if (uniformConstant(one) === 1 && sameValueShape(x, one, node.outputs[0])) return [log1p(x)];
    }
    return null;
  },
};

export const logSigmoid: NodeRewrite = {
  name: 'logSigmoid',
  apply(node: Apply): readonly Variable[] | null {
    const arg = logArgument(node);
    if (!arg) return null;
    const s = elemwiseOf(arg, 'sigmoid');
    if (s && s.inputs[0].dtype === arg.dtype) return [neg(softplus(neg(s.inputs[0])))];
    const diff = elemwiseOf(arg, 'sub');
    const t = diff && elemwiseOf(diff.inputs[1], 'sigmoid');
    if (
      diff &&
      t &&
      uniformConstant(diff.inputs[0]) === 1 &&
      sameValueShape(diff.inputs[1], diff.inputs[0], arg)
    ) {
      return [neg(softplus(t.inputs[0]))];
    }
    return null;
  },
};

export const logSumExp: NodeRewrite = {
  name: 'logSumExp',
  apply(node: Apply): readonly Variable[] | null {
    const arg = logArgument(node);
    const reduceNode = arg?.owner;
    if (!reduceNode || !(reduceNode.op instanceof Reduce) || reduceNode.op.kind !== 'sum') return null;
    const e = elemwiseOf(reduceNode.inputs[0], 'exp');
    if (!e || e.inputs[0].dtype !== node.outputs[0].dtype) return null;
    const { axes, keepdims } = reduceNode.op;
    return [new Reduce('logsumexp', axes, keepdims).apply(e.inputs[0])];
  },
};

export const logSoftmax: NodeRewrite = {
  name: 'logSoftmax',
  apply(node: Apply): readonly Variable[] | null {
    const source = logArgument(node)?.owner;
    if (!source || !(source.op instanceof Softmax) || source.op.logarithm) return null;
    return [new Softmax(source.op.axis, true).apply(source.inputs[0])];
  },
};

/** The labels when `t` is a one-hot of int32 labels with as many classes as `x` has columns. */
function oneHotLabels(t: Variable, x: Variable): Variable | null {
  const node = t.owner;
  if (!node || !(node.op instanceof OneHot) || node.inputs[0].ndim !== 1) return null;
  // Depth -1: the one-hot takes its depth from the last dimension of its model input.
  const fits = node.op.depth === -1 ? sameColumns(node.inputs[1], x) : node.op.depth === x.staticShape[1];
  return fits ? node.inputs[0] : null;
}

/** Does `model` provably have x's column count: x itself, (log-)softmax of x, or equal static sizes? */
function sameColumns(model: Variable, x: Variable): boolean {
  const columns = model.staticShape[model.ndim - 1];
  return (
    model === x ||
    (model.owner?.op instanceof Softmax && model.owner.inputs[0] === x) ||
    (columns !== null && columns === x.staticShape[1])
  );
}

export const softmaxCrossEntropyOfLabels: NodeRewrite = {
  name: 'softmaxCrossEntropy',
  apply(node: Apply): readonly Variable[] | null {
    if (scalarOpOf(node) !== 'neg') return null;
    const total = node.inputs[0].owner;
    if (!total || !(total.op instanceof Reduce) || total.op.kind !== 'sum' || total.op.keepdims) return null;
    if (total.op.axes.join() !== '1') return null;
    const product = elemwiseOf(total.inputs[0], 'mul');
    if (!product) return null;
    for (const k of [0, 1]) {
      const logProbs = product.inputs[k].owner;
      if (!logProbs || !(logProbs.op instanceof Softmax) || !logProbs.op.logarithm || logProbs.op.axis !== 1)
        continue;
      const x = logProbs.inputs[0];
      const labels = x.ndim === 2 ? oneHotLabels(product.inputs[1 - k], x) : null;
      if (labels && x.dtype === node.outputs[0].dtype) return [new SoftmaxCrossEntropy().apply(x, labels)];
    }
    return null;
  },
};

export const stabilizeRewrites: readonly NodeRewrite[] = [
  logOnePlus,
  logSigmoid,
  logSumExp,
  logSoftmax,
  softmaxCrossEntropyOfLabels,
];
