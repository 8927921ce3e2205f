// The conv2d, conv2d_grad_input, conv2d_grad_weight and pool2d kernels on strided views (an
// NHWC array viewed as NCHW, outputs written through permuted strides), float32 and float64,
// against the ops' float64 perform (itself checked against PyTorch in test/unit/engine/ops).
// Every conv algorithm runs: im2col + GEMM; the direct one, whose element functions
// (native/kernels/conv_element.h, pool_element.h) are what the CUDA kernels execute; and, on a CPU
// with AVX-512, the float32 kernel that convolves the padded image (conv_direct_avx512.c), which
// `auto` picks where it applies and which names what it needs where it does not.
import { describe, expect, it } from 'vitest';
import type { Op } from '../../engine/core/graph.ts';
import { NDArray } from '../../engine/core/ndarray.ts';
import {
  Conv2d,
  Conv2dGradInput,
  Conv2dGradWeight,
  conv2dParams,
  type Conv2dOptions,
} from '../../engine/ops/conv.ts';
import {
  AvgPool2dGrad,
  MaxPool2dGrad,
  MaxPool2dGradGrad,
  Pool2d,
  pool2dParams,
  type Pool2dOptions,
} from '../../engine/ops/pool.ts';
import { tensor } from '../../engine/tensor.ts';
import type { NativeDType } from '../../native/program.ts';
import {
  addon,
  allocate,
  expectClose,
  type Operand,
  permutedView,
  randomOperand,
  rng,
  runStep,
  sizeOf,
  tolerance,
  viewValues,
} from './helpers.ts';

const asArray = (op: Operand): NDArray => NDArray.from(viewValues(op), op.shape, 'float64');

/** The op's perform in float64 on the operands' values. */
function reference(op: Op, inputs: Operand[]): number[] {
  const node = op.makeNode(...inputs.map((o) => tensor('float64', o.shape)));
  return op.perform(inputs.map(asArray), node)[0].toFlat();
}

/** An output written through permuted strides into a larger buffer (offset 5), filled with a
 * sentinel so an element the kernel forgets to write shows. */
function stridedOutput(dtype: NativeDType, shape: number[]): Operand {
  const perm = [0, 2, 3, 1]; // memory order N, H, W, C
  const pshape = perm.map((p) => shape[p]);
  const strides = new Array<number>(4);
  let n = 1;
  for (let d = 3; d >= 0; d--) {
    strides[perm[d]] = n;
    n *= pshape[d];
  }
  const data = allocate(dtype, sizeOf(shape) + 5).fill(-77.5);
  return { dtype, shape, data, offset: 5, strides };
}

const nhwc = (op: Operand): Operand => permutedView(op, [0, 2, 3, 1]);

const convCases: { name: string; x: number[]; w: number[]; options: Conv2dOptions }[] = [
  { name: '3×3 padding 1', x: [2, 3, 7, 6], w: [4, 3, 3, 3], options: { padding: 1 } },
  { name: 'stride, dilation, rectangular', x: [2, 2, 9, 8], w: [3, 2, 3, 2], options: { stride: [2, 3], padding: [2, 1], dilation: [2, 1] } },
  // columns step by one: the padded path (row stride, column dilation and padding through it)
  { name: 'row stride, column dilation', x: [2, 2, 9, 8], w: [3, 2, 3, 2], options: { stride: [2, 1], padding: [1, 2], dilation: [1, 2] } },
  { name: 'groups', x: [1, 4, 6, 6], w: [6, 2, 2, 2], options: { groups: 2, stride: 2 } },
  // 1024 output positions: two images per GEMM, so the batch of 5 runs as 2 + 2 + 1 images.
  { name: 'images batched per GEMM, a remainder', x: [5, 2, 32, 32], w: [3, 2, 3, 3], options: { padding: 1 } },
  { name: 'groups, images batched', x: [3, 4, 5, 5], w: [6, 2, 2, 2], options: { groups: 2 } },
  // rows of 37 output positions: two whole 16-lane vectors and a masked tail in the AVX-512 rows
  { name: 'long rows with a tail', x: [2, 2, 4, 37], w: [3, 2, 3, 3], options: { padding: 1 } },
  { name: 'depthwise (direct under auto)', x: [2, 3, 5, 5], w: [3, 1, 3, 3], options: { groups: 3, padding: 1 } },
  // stride 1 with row dilation: the input gradient as a convolution of dy; 9 outputs: 8 + 1 channels
  { name: 'dilated rows, stride 1', x: [2, 3, 9, 10], w: [9, 3, 3, 2], options: { padding: [2, 1], dilation: [2, 1] } },
  { name: 'padding past the kernel', x: [1, 2, 5, 5], w: [2, 2, 2, 2], options: { padding: 2 } },
]; // prettier-ignore

const hasAvx512 = addon.isaInfo().supported.includes('avx512');

/** Why the AVX-512 kernel cannot compute a case's forward pass and input gradient (null: it can),
 * as the kernel's error says it — the rule in conv.c's avx512_fits, restated. */
function avx512Misfit(
  dtype: NativeDType,
  options: Conv2dOptions,
  w: number[],
): [string | null, string | null] {
  const p = conv2dParams('test', options);
  const forward = p.stride[1] === 1 ? null : 'a column stride of 1';
  const reach = p.padding[0] <= (w[2] - 1) * p.dilation[0] && p.padding[1] <= (w[3] - 1) * p.dilation[1];
  const input =
    p.stride[0] !== 1 || p.stride[1] !== 1
      ? 'strides of 1'
      : reach
        ? null
        : 'padding within the dilated kernel';
  const dtypeMisfit = dtype === 'float32' ? null : 'float32';
  return [forward ?? dtypeMisfit, input ?? dtypeMisfit];
}

describe('conv2d kernels', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const algorithm of ['gemm', 'direct', 'auto', ...(hasAvx512 ? (['avx512'] as const) : [])]) {
      it(`${dtype}, ${algorithm}: forward, dx and dw on strided views match the float64 reference`, () => {
        const random = rng(17);
        for (const c of convCases) {
          const params = conv2dParams('test', c.options);
          const attrs = {
            stride: [...params.stride],
            padding: [...params.padding],
            dilation: [...params.dilation],
            groups: params.groups,
            algorithm,
          };
          const x = nhwc(randomOperand(dtype, c.x, random));
          const w = randomOperand(dtype, c.w, random, -1, 1);
          const yShape = new Conv2d(params).makeNode(tensor(dtype, c.x), tensor(dtype, c.w)).outputs[0]
            .staticShape as number[];
          const gy = nhwc(randomOperand(dtype, yShape, random));
          const tol = tolerance[dtype] * 10;
          const likeX = { dtype, shape: c.x, data: allocate(dtype, sizeOf(c.x)) };
          const likeW = { dtype, shape: c.w, data: allocate(dtype, sizeOf(c.w)) };
          if (algorithm === 'avx512') {
            // the AVX-512 kernel writes rows of contiguous columns: outputs in NCHW order here
            const [forwardMisfit, inputMisfit] = avx512Misfit(dtype, c.options, c.w);
            const contiguous = (shape: number[]) => ({ dtype, shape, data: allocate(dtype, sizeOf(shape)) });
            if (forwardMisfit) {
              expect(() => runStep('conv2d', [x, w], [contiguous(yShape)], attrs), c.name).toThrow(
                `conv2d: algorithm 'avx512' needs ${forwardMisfit}`,
              );
            } else {
              const [y] = runStep('conv2d', [x, w], [contiguous(yShape)], attrs);
              expectClose(viewValues(y), reference(new Conv2d(params), [x, w]), tol, tol);
            }
            if (inputMisfit) {
              expect(
                () => runStep('conv2d_grad_input', [gy, w, likeX], [contiguous(c.x)], attrs),
                c.name,
              ).toThrow(`conv2d_grad_input: algorithm 'avx512' needs ${inputMisfit}`);
            } else {
              const [dx] = runStep('conv2d_grad_input', [gy, w, likeX], [contiguous(c.x)], attrs);
              expectClose(viewValues(dx), reference(new Conv2dGradInput(params), [gy, w, likeX]), tol, tol);
            }
            expect(() => runStep('conv2d_grad_weight', [x, gy, likeW], [contiguous(c.w)], attrs)).toThrow(
              "conv2d_grad_weight: algorithm 'avx512' needs the forward pass and the input gradient only",
            );
            continue;
          }
          const [y] = runStep('conv2d', [x, w], [stridedOutput(dtype, yShape)], attrs);
          expectClose(viewValues(y), reference(new Conv2d(params), [x, w]), tol, tol);
          const [dx] = runStep('conv2d_grad_input', [gy, w, likeX], [stridedOutput(dtype, c.x)], attrs);
          expectClose(viewValues(dx), reference(new Conv2dGradInput(params), [gy, w, likeX]), tol, tol);
          const [dw] = runStep('conv2d_grad_weight', [x, gy, likeW], [stridedOutput(dtype, c.w)], attrs);
          expectClose(viewValues(dw), reference(new Conv2dGradWeight(params), [x, gy, likeW]), tol, tol);
        }
      });
    }
  }

  it.skipIf(!hasAvx512)(
    'auto computes float32 forward passes and input gradients with the AVX-512 kernel',
    () => {
      // LeNet's second layer on 3 images. The input gradient rounds differently in the two kernels
      // (the GEMM path sums over output channels, then col2im adds the taps; the AVX-512 kernel sums
      // over both at once), so equal bits say which kernel ran. The forward pass sums the taps in
      // the same order in both (the same bits in the release build), so only the gradient tells.
      const random = rng(23);
      const x = randomOperand('float32', [3, 8, 14, 14], random);
      const w = randomOperand('float32', [16, 8, 5, 5], random, -1, 1);
      const gy = randomOperand('float32', [3, 16, 14, 14], random);
      const xShape = [3, 8, 14, 14];
      const likeX = { dtype: 'float32' as const, shape: xShape, data: new Float32Array(sizeOf(xShape)) };
      const run = (algorithm: string) => {
        const attrs = { padding: [2, 2], algorithm };
        const [y] = runStep('conv2d', [x, w], [{ dtype: 'float32', shape: [3, 16, 14, 14] }], attrs);
        const [dx] = runStep(
          'conv2d_grad_input',
          [gy, w, likeX],
          [{ dtype: 'float32', shape: xShape }],
          attrs,
        );
        return { y: Array.from(y.data!), dx: Array.from(dx.data!) };
      };
      const auto = run('auto');
      const avx512 = run('avx512');
      const gemm = run('gemm');
      expect(auto.dx).toEqual(avx512.dx);
      expect(gemm.dx).not.toEqual(avx512.dx); // the check above can tell the kernels apart
      expect(auto.y).toEqual(avx512.y);
    },
  );

  it('reports how many images it unfolds per GEMM: ~2048 columns, a column buffer of at most 1 MiB', () => {
    expect(addon.convImagesPerGemm(5, 18, 1024, 4)).toBe(2); // the batched case above: 2 + 2 + 1
    expect(addon.convImagesPerGemm(64, 25, 784, 4)).toBe(3); // LeNet's first layer
    expect(addon.convImagesPerGemm(1, 25, 784, 4)).toBe(1); // never more than the batch
    expect(addon.convImagesPerGemm(64, 4096, 1024, 4)).toBe(1); // a bigger buffer than 1 MiB: still one
    expect(addon.convImagesPerGemm(64, 200, 196, 4)).toBe(6); // LeNet's second layer: the 1 MiB cap, not 2048 columns
    expect(addon.convImagesPerGemm(64, 200, 196, 8)).toBe(3); // float64: half as many
    expect(() => addon.convImagesPerGemm(0, 1, 1, 4)).toThrow(/each must be a positive integer/);
  });

  it('an empty batch gives an empty output and zero weight gradients', () => {
    const x: Operand = { dtype: 'float32', shape: [0, 2, 5, 5], data: new Float32Array(0) };
    const w = randomOperand('float32', [3, 2, 3, 3], rng(1));
    expect(runStep('conv2d', [x, w], [{ dtype: 'float32', shape: [0, 3, 3, 3] }])[0].data!.length).toBe(0);
    const gy: Operand = { dtype: 'float32', shape: [0, 3, 3, 3], data: new Float32Array(0) };
    const [dw] = runStep('conv2d_grad_weight', [x, gy, w], [{ dtype: 'float32', shape: [3, 2, 3, 3] }]);
    expect(Array.from(dw.data!).every((v) => v === 0)).toBe(true);
  });

  it('a shape mismatch at run time names the kernel and both shapes', () => {
    const x = randomOperand('float32', [1, 3, 5, 5], rng(2));
    const w = randomOperand('float32', [2, 2, 3, 3], rng(3));
    expect(() => runStep('conv2d', [x, w], [{ dtype: 'float32', shape: [1, 2, 3, 3] }])).toThrow(
      /conv2d: x \(1, 3, 5, 5\) and w \(2, 2, 3, 3\) do not fit 1 groups/,
    );
    const w3 = randomOperand('float32', [2, 3, 3, 3], rng(3));
    expect(() => runStep('conv2d', [x, w3], [{ dtype: 'float32', shape: [1, 2, 4, 3] }])).toThrow(
      /conv2d: the output has shape \(1, 2, 4, 3\) but x \(1, 3, 5, 5\) and w \(2, 3, 3, 3\) give \(1, 2, 3, 3\)/,
    );
  });

  it('createProgram rejects bad attrs, naming the field', () => {
    const x = randomOperand('float32', [1, 1, 4, 4], rng(4));
    const w = randomOperand('float32', [1, 1, 2, 2], rng(5));
    expect(() =>
      runStep('conv2d', [x, w], [{ dtype: 'float32', shape: [1, 1, 3, 3] }], { algorithm: 'fft' }),
    ).toThrow(/algorithm must be 'auto', 'gemm', 'direct' or 'avx512', got 'fft'/);
    expect(() =>
      runStep('conv2d', [x, w], [{ dtype: 'float32', shape: [1, 1, 3, 3] }], { stride: [0, 1] }),
    ).toThrow(/stride must be a pair of integers, each at least 1/);
    expect(addon).toBeDefined();
  });
});

const poolCases: { name: string; x: number[]; kernel: number | [number, number]; options: Pool2dOptions }[] = [
  { name: '2×2', x: [2, 3, 6, 6], kernel: 2, options: {} },
  { name: '2×2, odd sizes (a last row and column no window covers)', x: [1, 2, 7, 5], kernel: 2, options: {} },
  { name: '3×3 stride 2 padding 1 ceil', x: [1, 2, 7, 6], kernel: 3, options: { stride: 2, padding: 1, ceilMode: true } },
  { name: 'rectangular, not counting padding', x: [2, 2, 5, 8], kernel: [2, 3], options: { stride: [2, 2], padding: [1, 1], countIncludePad: false, ceilMode: true } },
]; // prettier-ignore

describe('pool2d kernel', () => {
  // 'auto' runs the typed loops of pool_loops.inc (scatter gradients); 'direct' the element
  // functions of pool_element.h (gather gradients), which the CUDA kernel runs.
  for (const [dtype, algorithm] of [
    ['float32', 'auto'],
    ['float32', 'direct'],
    ['float64', 'auto'],
    ['float64', 'direct'],
  ] as const) {
    it(`${dtype}, ${algorithm}: max, avg and their gradients on strided views, ties included`, () => {
      const random = rng(23);
      for (const c of poolCases) {
        for (const mode of ['max', 'avg'] as const) {
          const params = pool2dParams('test', mode, c.kernel, c.options);
          const attrs = {
            mode,
            kernel: [...params.kernel],
            stride: [...params.stride],
            padding: [...params.padding],
            ceilMode: params.ceilMode,
            countIncludePad: params.countIncludePad,
            algorithm,
          };
          // Integers in [0, 3): windows tie, so the even split is exercised.
          const x0 = randomOperand(dtype, c.x, random, 0, 3);
          x0.data = x0.data!.map(Math.floor) as typeof x0.data;
          x0.data![3] = NaN; // a NaN maximum: NaN out, no gradient through its window
          const x = nhwc(x0);
          const op = new Pool2d(params);
          const yShape = op.makeNode(tensor(dtype, c.x)).outputs[0].staticShape as number[];
          const tol = tolerance[dtype] * 10;
          const [y] = runStep('pool2d', [x], [stridedOutput(dtype, yShape)], attrs);
          expectClose(viewValues(y), reference(op, [x]), tol, tol);
          const gy = nhwc(randomOperand(dtype, yShape, random));
          const likeX = { dtype, shape: c.x, data: allocate(dtype, sizeOf(c.x)) };
          if (mode === 'max') {
            const [dx] = runStep('pool2d', [x, y, gy], [stridedOutput(dtype, c.x)], {
              ...attrs,
              mode: 'max_grad',
            });
            expectClose(viewValues(dx), reference(new MaxPool2dGrad(params), [x, y, gy]), tol, tol);
            const g = nhwc(randomOperand(dtype, c.x, random));
            const [gg] = runStep('pool2d', [x, y, g], [stridedOutput(dtype, yShape)], {
              ...attrs,
              mode: 'max_gradgrad',
            });
            expectClose(viewValues(gg), reference(new MaxPool2dGradGrad(params), [x, y, g]), tol, tol);
          } else {
            const [dx] = runStep('pool2d', [gy, likeX], [stridedOutput(dtype, c.x)], {
              ...attrs,
              mode: 'avg_grad',
            });
            expectClose(viewValues(dx), reference(new AvgPool2dGrad(params), [gy, likeX]), tol, tol);
          }
        }
      }
    });
  }

  // Contiguous float32 rows take the AVX-512 path where the CPU has it (pool_2x2_avx512.c): rows
  // shorter than a vector, exactly one, one and a tail, odd sizes. Its results must be the typed
  // loops' bit for bit (run here on strided views of the same values), signed zeros, three-way
  // and four-way ties and NaN windows included.
  it('float32 2×2 max pooling and gradient on contiguous rows: the same bits as the strided loops', () => {
    const random = rng(31);
    const bits = (op: Operand) => viewValues(op).map((v) => (Object.is(v, -0) ? '-0' : String(v)));
    for (const shape of [
      [2, 3, 6, 14],
      [1, 2, 4, 32],
      [1, 1, 2, 34],
      [2, 2, 6, 40],
      [1, 2, 7, 5],
    ]) {
      const x = randomOperand('float32', shape, random, 0, 3);
      x.data = x.data!.map((v, i) => (i % 11 === 0 ? -0 : i % 7 === 0 ? 0 : Math.floor(v))) as typeof x.data;
      x.data![1] = NaN;
      const params = pool2dParams('test', 'max', 2, {});
      const attrs = { mode: 'max', kernel: [2, 2], stride: [2, 2], padding: [0, 0] };
      const yShape = new Pool2d(params).makeNode(tensor('float32', shape)).outputs[0].staticShape as number[];
      const [y] = runStep('pool2d', [x], [{ dtype: 'float32', shape: yShape }], attrs);
      const [yStrided] = runStep('pool2d', [nhwc(x)], [stridedOutput('float32', yShape)], attrs);
      expect(bits(y)).toEqual(bits(yStrided));
      const gy = randomOperand('float32', yShape, random);
      gy.data![0] = -0;
      const [dx] = runStep('pool2d', [x, y, gy], [{ dtype: 'float32', shape }], {
        ...attrs,
        mode: 'max_grad',
      });
      const [dxStrided] = runStep('pool2d', [nhwc(x), nhwc(y), nhwc(gy)], [stridedOutput('float32', shape)], {
        ...attrs,
        mode: 'max_grad',
      });
      expect(bits(dx)).toEqual(bits(dxStrided));
      expectClose(viewValues(dx), reference(new MaxPool2dGrad(params), [x, y, gy]), 1e-6, 1e-6);
    }
  });

  it('errors name the mode and the shapes', () => {
    const x = randomOperand('float32', [1, 1, 2, 2], rng(6));
    expect(() =>
      runStep('pool2d', [x], [{ dtype: 'float32', shape: [1, 1, 1, 1] }], { mode: 'max', kernel: [3, 3] }),
    ).toThrow(/pool2d max: a 3x3 window \(padding 0x0\) does not fit the input \(1, 1, 2, 2\)/);
    expect(() =>
      runStep('pool2d', [x], [{ dtype: 'float32', shape: [1, 1, 1, 1] }], { mode: 'median', kernel: [2, 2] }),
    ).toThrow(/mode must be 'max', 'avg', 'max_grad', 'max_gradgrad' or 'avg_grad', got 'median'/);
    expect(() =>
      runStep('pool2d', [x], [{ dtype: 'float32', shape: [1, 1, 1, 1] }], {
        mode: 'max',
        kernel: [2, 2],
        padding: [2, 0],
      }),
    ).toThrow(/padding must be at most half the kernel/);
    expect(() =>
      runStep('pool2d', [x], [{ dtype: 'float32', shape: [1, 1, 1, 1] }], {
        mode: 'max',
        kernel: [2, 2],
        algorithm: 'gemm',
      }),
    ).toThrow(/algorithm must be 'auto' or 'direct', got 'gemm'/);
  });
});
