// conv2d (engine/ops/conv.ts) on the js backend in float64: forward and both gradients against
// PyTorch's F.conv2d and autograd for strides, padding, dilation and groups; first and second
// order against finite differences (verifyGrad); static shapes and the errors people meet.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import {
  conv2d,
  Conv2dGradInput,
  Conv2dGradWeight,
  conv2dParams,
  type Conv2dOptions,
} from '../../../../engine/ops/conv.ts';
import { add, mul, sqr } from '../../../../engine/ops/math.ts';
import { sum } from '../../../../engine/ops/reduce.ts';
import { constant, tensor } from '../../../../engine/tensor.ts';
import { evaluate } from './evaluate.ts';
import { expectClose, randomArray } from './helpers.ts';
import { pyReference, type PyResult } from './pyref.ts';

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  options: Conv2dOptions;
  /** F.conv2d's keyword arguments for the same options. */
  torch: string;
}

const cases: ConvCase[] = [
  { name: 'plain 3×3', x: [2, 3, 6, 5], w: [4, 3, 3, 3], options: {}, torch: '' },
  { name: 'stride 2, padding 1', x: [2, 2, 7, 6], w: [3, 2, 3, 3], options: { stride: 2, padding: 1 }, torch: 'stride=2, padding=1' },
  {
    name: 'rectangular kernel, mixed stride/padding/dilation',
    x: [1, 2, 8, 7],
    w: [2, 2, 3, 2],
    options: { stride: [2, 1], padding: [1, 2], dilation: [2, 1] },
    torch: 'stride=(2, 1), padding=(1, 2), dilation=(2, 1)',
  },
  { name: 'groups 2', x: [2, 4, 5, 5], w: [6, 2, 2, 3], options: { groups: 2, padding: 1 }, torch: 'groups=2, padding=1' },
  { name: 'depthwise', x: [2, 3, 5, 4], w: [3, 1, 3, 3], options: { groups: 3, padding: 1 }, torch: 'groups=3, padding=1' },
  { name: '1×1 with a stride the input does not divide', x: [3, 2, 5, 5], w: [2, 2, 1, 1], options: { stride: 3 }, torch: 'stride=3' },
]; // prettier-ignore

const values = cases.map((c, i) => ({
  x: randomArray(c.x),
  w: randomArray(c.w, -1, 1),
  p: randomArray(outShape(c)),
  i,
}));

function outShape(c: ConvCase): number[] {
  const { stride, padding, dilation } = conv2dParams('test', c.options);
  const size = (a: 0 | 1): number =>
    Math.floor((c.x[2 + a] + 2 * padding[a] - dilation[a] * (c.w[2 + a] - 1) - 1) / stride[a]) + 1;
  return [c.x[0], c.w[0], size(0), size(1)];
}

let reference: PyResult[] = [];
beforeAll(() => {
  // y, dx, dw of sum(conv2d(x, w) * p), flattened and concatenated.
  reference = pyReference(
    cases.map((c, i) => ({
      expr:
        `(lambda X, W: (lambda Y: torch.cat([Y.reshape(-1)] + [g.reshape(-1) for g in ` +
        `torch.autograd.grad((Y * t(p)).sum(), [X, W])]))(F.conv2d(X, W, ${c.torch})))` +
        `(t(x).requires_grad_(), t(w).requires_grad_())`,
      inputs: { x: values[i].x, w: values[i].w, p: values[i].p },
    })),
  );
});

function engineResults(c: ConvCase, i: number): NDArray {
  const x = tensor('float64', c.x, 'x');
  const w = tensor('float64', c.w, 'w');
  const y = conv2d(x, w, c.options);
  const [dx, dw] = grad(sum(mul(y, values[i].p)), [x, w]);
  const outs = evaluate(
    [y, dx, dw],
    new Map([
      [x, values[i].x],
      [w, values[i].w],
    ]),
  );
  const flat = outs.flatMap((o) => o.toFlat());
  return NDArray.from(flat, [flat.length], 'float64');
}

describe('conv2d against PyTorch (forward, dx, dw; float64)', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    expect(tensor('float64', c.x).ndim).toBe(4);
    expectClose(engineResults(c, i), reference[i], 1e-11, 1e-12, c.name);
  });
});

describe('conv2d gradients against finite differences', () => {
  it('first order with respect to x and w (stride, padding, dilation, groups)', () => {
    const options: Conv2dOptions = { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 };
    verifyGrad((x, w) => conv2d(x, w, options), [randomArray([2, 4, 6, 5]), randomArray([4, 2, 3, 2])]);
  });

  it('second order: the gradient ops differentiate again (meta-gradients through a conv net)', () => {
    const options: Conv2dOptions = { stride: 2, padding: 1, groups: 2 };
    const inner = (x: Variable, w: Variable): Variable => {
      const y = conv2d(x, w, options);
      const [gx, gw] = grad(sum(sqr(y)), [x, w]);
      return add(sum(mul(gx, gx)), sum(sqr(gw)));
    };
    verifyGrad(inner, [randomArray([1, 4, 5, 5]), randomArray([2, 2, 3, 3])], { tol: 1e-4 });
  });

  it('each adjoint is linear in its inputs and has its own gradients', () => {
    const params = conv2dParams('test', { stride: 2, padding: 1 });
    const like = (shape: number[]): Variable => constant(NDArray.zeros(shape, 'float64'));
    verifyGrad(
      (gy, w) => new Conv2dGradInput(params).apply(gy, w, like([2, 2, 5, 6])),
      [randomArray([2, 3, 3, 3]), randomArray([3, 2, 3, 3])],
    );
    verifyGrad(
      (x, gy) => new Conv2dGradWeight(params).apply(x, gy, like([3, 2, 3, 3])),
      [randomArray([2, 2, 5, 6]), randomArray([2, 3, 3, 3])],
    );
  });
});

describe('conv2d types and errors', () => {
  it('infers static output sizes and keeps unknown ones unknown', () => {
    const x = tensor('float32', [null, 3, 28, 28], 'x');
    expect(conv2d(x, tensor('float32', [8, 3, 5, 5]), { padding: 2, stride: 2 }).staticShape).toEqual([
      null,
      8,
      14,
      14,
    ]);
    expect(conv2d(tensor('float32', [2, 3, null, 9]), tensor('float32', [8, 3, 3, 3])).staticShape).toEqual([
      2,
      8,
      null,
      7,
    ]);
  });

  it('names the op, the shapes and what was expected', () => {
    const x = tensor('float32', [1, 3, 8, 8], 'x');
    expect(() => conv2d(x, tensor('float32', [4, 2, 3, 3], 'w'))).toThrow(
      /Conv2d.*the input x: float32\(1, 3, 8, 8\) has 3 channels but the weight w: float32\(4, 2, 3, 3\) expects 2 per group × 1 groups = 2[\s\S]*conv\.test\.ts/,
    );
    expect(() => conv2d(x, tensor('float32', [4, 1, 3, 3], 'w'), { groups: 3 })).toThrow(
      /4 output channels, not divisible by groups 3/,
    );
    expect(() => conv2d(x, tensor('float32', [4, 3, 9, 9], 'w'))).toThrow(/does not fit the padded input/);
    expect(() => conv2d(tensor('float32', [3, 8, 8], 'x'), tensor('float32', [4, 3, 3, 3]))).toThrow(
      /the input must be 4-d \[N, C, H, W\].*got x: float32\(3, 8, 8\)/,
    );
    expect(() => conv2d(x, tensor('float32', [4, 3, 3, 3]), { stride: 0 })).toThrow(
      /conv2d: stride must be an integer ≥ 1/,
    );
    expect(() => conv2d(x, tensor('float64', [4, 3, 3, 3], 'w'))).toThrow(/must have one dtype; cast one/);
  });

  it('a batch whose shape differs at run time fails naming the node', () => {
    const x = tensor('float64', [null, null, null, null], 'x');
    const w = tensor('float64', [2, 3, 3, 3], 'w');
    const y = conv2d(x, w);
    expect(() =>
      evaluate(
        [y],
        new Map([
          [x, randomArray([1, 2, 5, 5])],
          [w, randomArray([2, 3, 3, 3])],
        ]),
      ),
    ).toThrow(/Conv2d.*input \(1, 2, 5, 5\) and weight \(2, 3, 3, 3\) do not fit[\s\S]*conv\.test\.ts/);
  });
});
