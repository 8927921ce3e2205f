// stabilize: rewrite formulas that overflow or lose precision in floating point into their
// stable forms (Theano's stabilize phase):
//   log(1 + x)         → log1p(x)          (x tiny: 1 + x rounds to 1)
//   log(sigmoid(x))    → -softplus(-x)     (x very negative: sigmoid underflows to 0)
//   log(1 - sigmoid(x)) → -softplus(x)
//   log(sum(exp(x)))   → logsumexp(x)      (exp overflows for x > 88 in float32)
//   log(softmax(x))    → logSoftmax(x)     (a probability underflowing to 0 gives -inf)
// The last one is what makes categoricalCrossentropy(softmax(x), t) as stable as
// softmaxCrossEntropy(x, t): both become -sum(t * logSoftmax(x)).
import type { Apply, Variable } from '../core/graph.ts';
import { isFloat } from '../core/dtype.ts';
import { log1p, neg, softplus } from '../ops/math.ts';
import { Softmax } from '../ops/nnet.ts';
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

export const stabilizeRewrites: readonly NodeRewrite[] = [logOnePlus, logSigmoid, logSumExp, logSoftmax];
