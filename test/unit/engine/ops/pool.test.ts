// maxPool2d / avgPool2d (engine/ops/pool.ts) on the js backend in float64: forward and gradient
// against PyTorch's F.max_pool2d / F.avg_pool2d (tie-free inputs, where PyTorch's one-argmax
// routing and the engine's even split agree), the tie rule against PyTorch's amax over unfolded
// windows (which splits evenly, as the engine does), finite differences to second order, errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { verifyGrad } from '../../../../engine/grad/verifyGrad.ts';
import { mul, sqr } from '../../../../engine/ops/math.ts';
import {
  avgPool2d,
  maxPool2d,
  MaxPool2dGrad,
  pool2dParams,
  type Pool2dOptions,
} from '../../../../engine/ops/pool.ts';
import { sum } from '../../../../engine/ops/reduce.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { constant, tensor } from '../../../../engine/tensor.ts';
import { evaluate } from './evaluate.ts';
import { expectClose, randomArray } from './helpers.ts';
import { pyReference, type PyResult } from './pyref.ts';

interface PoolCase {
  name: string;
  mode: 'max' | 'avg';
  x: number[];
  kernel: number | [number, number];
  options: Pool2dOptions;
  torch: string;
}

const cases: PoolCase[] = [
  { name: 'max 2×2', mode: 'max', x: [2, 3, 6, 6], kernel: 2, options: {}, torch: '2' },
  { name: 'max 3×3 stride 2 padding 1', mode: 'max', x: [1, 2, 7, 6], kernel: 3, options: { stride: 2, padding: 1 }, torch: '3, 2, 1' },
  { name: 'max ceil mode, rectangular', mode: 'max', x: [2, 2, 7, 8], kernel: [3, 2], options: { stride: [2, 3], ceilMode: true }, torch: '(3, 2), (2, 3), 0, ceil_mode=True' },
  { name: 'max overlapping, ceil and padding', mode: 'max', x: [1, 2, 6, 7], kernel: 3, options: { stride: 2, padding: 1, ceilMode: true }, torch: '3, 2, 1, ceil_mode=True' },
  { name: 'avg 2×2', mode: 'avg', x: [2, 3, 6, 6], kernel: 2, options: {}, torch: '2' },
  { name: 'avg padding, counting it', mode: 'avg', x: [1, 2, 7, 6], kernel: 3, options: { stride: 2, padding: 1 }, torch: '3, 2, 1' },
  { name: 'avg padding, not counting it', mode: 'avg', x: [1, 2, 7, 6], kernel: 3, options: { stride: 2, padding: 1, countIncludePad: false }, torch: '3, 2, 1, count_include_pad=False' },
  { name: 'avg ceil mode with padding', mode: 'avg', x: [2, 2, 6, 7], kernel: 3, options: { stride: 2, padding: 1, ceilMode: true }, torch: '3, 2, 1, ceil_mode=True' },
  { name: 'avg ceil mode, not counting padding', mode: 'avg', x: [1, 1, 5, 8], kernel: [2, 3], options: { stride: 2, padding: [1, 1], ceilMode: true, countIncludePad: false }, torch: '(2, 3), 2, 1, ceil_mode=True, count_include_pad=False' },
]; // prettier-ignore

const pool = (c: PoolCase, x: Variable): Variable =>
  c.mode === 'max' ? maxPool2d(x, c.kernel, c.options) : avgPool2d(x, c.kernel, c.options);

/** Distinct values in random order: no window can tie. */
function tieFree(shape: number[], seed: number): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const order = Array.from(new Rng(seed).permutation(n));
  return NDArray.from(
    order.map((k) => k / n - 0.5),
    shape,
    'float64',
  );
}

/** A few discrete values: windows tie, often several ways. */
function tieHeavy(shape: number[], seed: number): NDArray {
  const u = new Rng(seed).uniformRange(shape, 0, 3, 'float64').toFlat();
  return NDArray.from(
    u.map((v) => Math.floor(v)),
    shape,
    'float64',
  );
}

const values = cases.map((c, i) => ({ x: tieFree(c.x, 10 + i), p: randomArray(outShape(c)) }));

function outShape(c: PoolCase): number[] {
  const x = tensor('float64', c.x);
  return pool(c, x).staticShape as number[];
}

// Ties: amax over windows unfolded from the input padded with −inf, as a float64 reference.
const tieCase = { x: [2, 2, 6, 6], kernel: 3, stride: 2, padding: 1 };
const tieX = tieHeavy(tieCase.x, 3);
const tieP = randomArray([2, 2, 3, 3]);

let reference: PyResult[] = [];
beforeAll(() => {
  const torchCases = cases.map((c, i) => ({
    expr:
      `(lambda X: (lambda Y: torch.cat([Y.reshape(-1), torch.autograd.grad((Y * t(p)).sum(), [X])[0].reshape(-1)]))` +
      `(F.${c.mode}_pool2d(X, ${c.torch})))(t(x).requires_grad_())`,
    inputs: { x: values[i].x, p: values[i].p },
  }));
  const { kernel: k, stride: s, padding: q } = tieCase;
  const unfolded =
    `(lambda X: (lambda Y: torch.cat([Y.reshape(-1), torch.autograd.grad((Y * t(p)).sum(), [X])[0].reshape(-1)]))` +
    `(F.unfold(F.pad(X, (${q}, ${q}, ${q}, ${q}), value=float('-inf')), ${k}, stride=${s})` +
    `.reshape(2, 2, ${k * k}, -1).amax(2).reshape(2, 2, 3, 3)))(t(x).requires_grad_())`;
  reference = pyReference([...torchCases, { expr: unfolded, inputs: { x: tieX, p: tieP } }]);
});

function forwardAndGrad(y: Variable, x: Variable, xv: NDArray, p: NDArray): NDArray {
  const [dx] = grad(sum(mul(y, p)), [x]);
  const flat = evaluate([y, dx], new Map([[x, xv]])).flatMap((o) => o.toFlat());
  return NDArray.from(flat, [flat.length], 'float64');
}

describe('pooling against PyTorch (tie-free inputs; forward and dx, float64)', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const x = tensor('float64', c.x, 'x');
    expectClose(forwardAndGrad(pool(c, x), x, values[i].x, values[i].p), reference[i], 1e-12, 1e-13, c.name);
  });
});

describe('max pooling where windows tie', () => {
  it('splits each window’s gradient evenly among its maxima, as amax over unfolded windows does', () => {
    const x = tensor('float64', tieCase.x, 'x');
    const y = maxPool2d(x, tieCase.kernel, { stride: tieCase.stride, padding: tieCase.padding });
    const got = forwardAndGrad(y, x, tieX, tieP);
    expectClose(got, reference[cases.length], 1e-12, 1e-13, 'ties');
  });

  it('a window of equal values gives each g/k; a NaN maximum sends no gradient', () => {
    const x = tensor('float64', [1, 1, 2, 4], 'x');
    const xv = NDArray.from([1, 1, 5, NaN, 1, 1, 2, 3], [1, 1, 2, 4], 'float64');
    const y = maxPool2d(x, 2);
    const [dx] = grad(sum(y), [x]);
    const [yv, dxv] = evaluate([y, dx], new Map([[x, xv]]));
    expect(yv.toFlat()).toEqual([1, NaN]);
    expect(dxv.toFlat()).toEqual([0.25, 0.25, 0, 0, 0.25, 0.25, 0, 0]);
  });
});

describe('pooling gradients against finite differences', () => {
  it('first and second order for max (tie-free) and avg pooling', () => {
    for (const c of [cases[3], cases[8], cases[7]]) {
      const f = (x: Variable): Variable => pool(c, x);
      const point = tieFree(c.x, 7);
      verifyGrad(f, [point]);
      verifyGrad(
        (x) => {
          const [g] = grad(sum(sqr(f(x))), [x]);
          return sum(mul(g, g));
        },
        [point],
      );
    }
  });

  it('the max-pool gradient op is linear in dy with the tie mask fixed (its adjoint checks out)', () => {
    const params = pool2dParams('test', 'max', 3, { stride: 2, padding: 1 });
    const x = constant(tieX);
    const y = constant(evaluate([maxPool2d(x, 3, { stride: 2, padding: 1 })], new Map())[0]);
    verifyGrad((gy) => new MaxPool2dGrad(params).apply(x, y, gy), [randomArray([2, 2, 3, 3])]);
  });
});

describe('pooling types and errors', () => {
  it('infers the pooled shape (ceil mode included)', () => {
    const x = tensor('float32', [null, 16, 28, 28]);
    expect(maxPool2d(x, 2).staticShape).toEqual([null, 16, 14, 14]);
    expect(avgPool2d(tensor('float32', [1, 1, 7, 7]), 2, { ceilMode: true }).staticShape).toEqual([
      1, 1, 4, 4,
    ]);
  });

  it('names the op and what was expected', () => {
    expect(() => maxPool2d(tensor('float32', [4, 28, 28], 'img'), 2)).toThrow(
      /MaxPool2d.*x must be a 4-d float tensor \[N, C, H, W\], got img: float32\(4, 28, 28\)[\s\S]*pool\.test\.ts/,
    );
    expect(() => maxPool2d(tensor('float32', [1, 1, 4, 4]), 2, { padding: 2 })).toThrow(
      /maxPool2d: padding 2×2 must be at most half the kernel 2×2/,
    );
    expect(() => avgPool2d(tensor('float32', [1, 1, 2, 2]), 3)).toThrow(/a 3×3 window does not fit/);
  });
});
