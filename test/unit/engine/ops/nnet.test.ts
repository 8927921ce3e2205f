import { beforeAll, describe, expect, it } from 'vitest';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import { mul, sigmoid } from '../../../../engine/ops/math.ts';
import {
  binaryCrossentropy,
  categoricalCrossentropy,
  logSoftmax,
  mse,
  oneHot,
  sigmoidBinaryCrossentropy,
  softmax,
  softmaxCrossEntropy,
  SoftmaxGrad,
} from '../../../../engine/ops/nnet.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { sum } from '../../../../engine/ops/reduce.ts';
import { SoftmaxCrossEntropy, SoftmaxCrossEntropyGrad } from '../../../../engine/ops/softmaxCrossEntropy.ts';
import { asVariable, matrix, tensor, vector } from '../../../../engine/tensor.ts';
import { evaluate } from './evaluate.ts';
import { expectClose, randomArray, randomBool, randomInts, strided } from './helpers.ts';
import { pyReference, type PyResult } from './pyref.ts';

const X = randomArray([5, 4], -3, 3);
const big = NDArray.from([1000, 1001, 999, -1000, 0, 1], [2, 3], 'float64');
const labels = randomInts([5], 0, 4);
const onehotT = NDArray.from(
  labels.toFlat().flatMap((y) => [0, 1, 2, 3].map((c) => (c === y ? 1 : 0))),
  [5, 4],
  'float64',
);
const P = randomArray([5, 4], 0.05, 0.95);
const T01 = randomBool([5, 4]).astype('float64');

interface NnetCase {
  name: string;
  inputs: NDArray[];
  build: (...xs: Variable[]) => Variable;
  expr: string;
}

const cases: NnetCase[] = [
  { name: 'softmax', inputs: [X], build: (x) => softmax(x), expr: 'torch.softmax(t(a), -1)' },
  {
    name: 'softmax axis 0 strided',
    inputs: [strided(X)],
    build: (x) => softmax(x, 0),
    expr: 'torch.softmax(t(a), 0)',
  },
  { name: 'softmax large', inputs: [big], build: (x) => softmax(x), expr: 'torch.softmax(t(a), -1)' },
  { name: 'logSoftmax', inputs: [X], build: (x) => logSoftmax(x), expr: 'torch.log_softmax(t(a), -1)' },
  {
    name: 'logSoftmax large',
    inputs: [big],
    build: (x) => logSoftmax(x),
    expr: 'torch.log_softmax(t(a), -1)',
  },
  {
    name: 'categoricalCrossentropy labels',
    inputs: [X, labels],
    build: (x, y) => categoricalCrossentropy(softmax(x), y),
    expr: "F.nll_loss(torch.log(torch.softmax(t(a), -1)), t(b).long(), reduction='none')",
  },
  {
    name: 'categoricalCrossentropy one-hot',
    inputs: [X, onehotT],
    build: (x, y) => categoricalCrossentropy(softmax(x), y),
    expr: '-(b * np.log(torch.softmax(t(a), -1).numpy())).sum(-1)',
  },
  {
    name: 'softmaxCrossEntropy labels',
    inputs: [X, labels],
    build: (x, y) => softmaxCrossEntropy(x, y),
    expr: "F.cross_entropy(t(a), t(b).long(), reduction='none')",
  },
  {
    name: 'softmaxCrossEntropy large logits',
    inputs: [big, NDArray.from([1, 0], [2], 'int32')],
    build: (x, y) => softmaxCrossEntropy(x, y),
    expr: "F.cross_entropy(t(a), t(b).long(), reduction='none')",
  },
  {
    name: 'binaryCrossentropy',
    inputs: [P, T01],
    build: (p, y) => binaryCrossentropy(p, y),
    expr: "F.binary_cross_entropy(t(a), t(b), reduction='none')",
  },
  {
    name: 'sigmoidBinaryCrossentropy',
    inputs: [X, T01],
    build: (x, y) => sigmoidBinaryCrossentropy(x, y),
    expr: "F.binary_cross_entropy_with_logits(t(a), t(b), reduction='none')",
  },
  { name: 'mse', inputs: [X, P], build: (a, b) => mse(a, b), expr: 'F.mse_loss(t(a), t(b))' },
  { name: 'oneHot', inputs: [labels], build: (y) => oneHot(y, 4), expr: 'F.one_hot(t(a).long(), 4)' },
];

let reference: PyResult[] = [];
beforeAll(() => {
  reference = pyReference(
    cases.map((c) => ({ expr: c.expr, inputs: Object.fromEntries(c.inputs.map((v, i) => ['ab'[i], v])) })),
  );
});

describe('nnet ops: forward against PyTorch', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const vars = c.inputs.map((v, k) => tensor(v.dtype, v.shape, 'ab'[k]));
    const [value] = evaluate([c.build(...vars)], new Map(vars.map((v, k) => [v, c.inputs[k]])));
    expectClose(value, reference[i], 1e-11, 1e-12, c.name);
  });
});

describe('nnet ops: gradients', () => {
  it('softmax and logSoftmax along either axis', () => {
    verifyGrad((x) => softmax(x), [X]);
    verifyGrad((x) => softmax(x, 0), [X]);
    verifyGrad((x) => logSoftmax(x), [X]);
    verifyGrad((x) => logSoftmax(x, 0), [X]);
  });

  it('the softmax gradient ops differentiate again (second order, through dy and y)', () => {
    for (const log of [false, true]) {
      verifyGrad(
        (dy, y) => new SoftmaxGrad(1, log).apply(dy, y),
        [randomArray([3, 4]), randomArray([3, 4], 0.1, 0.9)],
      );
    }
    verifyGrad((x) => grad(sum(mul(softmax(x, 0), X)), x), [randomArray([5, 4])]);
  });

  it('cross-entropies with labels and one-hot targets', () => {
    verifyGrad((p) => categoricalCrossentropy(p, labels), [P]);
    verifyGrad((p, y) => categoricalCrossentropy(p, y), [P, onehotT]);
    verifyGrad((x) => softmaxCrossEntropy(x, labels), [X]);
    verifyGrad((x, y) => softmaxCrossEntropy(x, y), [X, onehotT]);
  });

  it('the fused softmax cross-entropy: its gradient op differentiates again (second order)', () => {
    const y = matrix('x');
    const node = softmaxCrossEntropy(y, vector('labels', 'int32')).owner!;
    expect(node.op).toBeInstanceOf(SoftmaxCrossEntropy);
    expect(node.op.native!(node)).toEqual({ kernel: 'softmax_cross_entropy', attrs: {} });
    verifyGrad(
      (g, x) => new SoftmaxCrossEntropyGrad().apply(g, x, asVariable(labels)),
      [randomArray([5]), X],
    );
  });

  it('binary cross-entropies and mse', () => {
    verifyGrad((p, y) => binaryCrossentropy(p, y), [P, T01]);
    verifyGrad((p) => binaryCrossentropy(sigmoid(p), T01), [X]);
    verifyGrad((x, y) => sigmoidBinaryCrossentropy(x, y), [X, T01]);
    verifyGrad((a, b) => mse(a, b), [X, P]);
  });
});

describe('nnet ops: types and errors', () => {
  it('losses are per example; targets are checked against predictions', () => {
    expect(softmaxCrossEntropy(matrix('x', 'float32', [null, 10]), vector('y', 'int32')).staticShape).toEqual(
      [null],
    );
    expect(oneHot(vector('y', 'int32', [3]), 5).staticShape).toEqual([3, 5]);
    expect(() => softmaxCrossEntropy(matrix('x'), matrix('y', 'int32'))).toThrow(
      /integer labels y: int32\(\?, \?\) must have one axis fewer[\s\S]*nnet\.test\.ts:\d+/,
    );
    expect(() => softmax(vector('i', 'int32'))).toThrow(/Softmax.*needs a float tensor[\s\S]*nnet\.test\.ts/);
    expect(() => softmaxCrossEntropy(matrix('x', 'float32', [4, 3]), vector('y', 'int32', [5]))).toThrow(
      /SoftmaxCrossEntropy: labels must be an int32 vector with one entry per row of x: float32\(4, 3\)[\s\S]*nnet\.test\.ts/,
    );
  });

  it('an out-of-range label fails at run time naming the node', () => {
    const x = matrix('x', 'float64');
    const labelsVar = vector('labels', 'int32');
    const loss = softmaxCrossEntropy(x, labelsVar);
    expect(() =>
      evaluate(
        [loss],
        new Map([
          [x, X],
          [labelsVar, NDArray.from([0, 1, 2, 3, 4], [5], 'int32')],
        ]),
      ),
    ).toThrow(/SoftmaxCrossEntropy: label 4 in row 4 is not in \[0, 4\)[\s\S]*nnet\.test\.ts:\d+/);
    const y = vector('y', 'int32');
    const out = oneHot(y, 3);
    expect(() => evaluate([out], new Map([[y, NDArray.from([0, 3], [2], 'int32')]]))).toThrow(
      /OneHot.*label 3.*not in \[0, 3\)[\s\S]*nnet\.test\.ts:\d+/,
    );
  });
});
