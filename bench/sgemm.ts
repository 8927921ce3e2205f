// The engine's single-thread sgemm at 1024³: one compiled T.dot on the given backend, timed per
// call (input binding and the fresh output array included, as a user sees it): the median call's
// rate and the fastest call's.
import * as T from '../engine/index.ts';
import type { Backend } from '../engine/backends/backend.ts';
import type { NativeAddon } from '../native/addon.ts';
import { median, timedCalls } from './timing.ts';

export interface SgemmRate {
  /** GFLOP/s of the median call: the figure printed beside PyTorch's. */
  gflops: number;
  /** GFLOP/s of the fastest call: the machine's peak for this product, what a floor is built on
   * (a shared machine's other load only ever slows a call down). */
  peakGflops: number;
}

export function sgemmGflops(backend: Backend, size = 1024): SgemmRate {
  const a = T.matrix('a');
  const b = T.matrix('b');
  const product = T.fn([a, b], T.dot(a, b), { backend });
  const av = T.randn([size, size], { seed: 1 });
  const bv = T.randn([size, size], { seed: 2 });
  const times = timedCalls(() => product(av, bv), 3, 15);
  const flops = 2 * size ** 3;
  return { gflops: flops / median(times) / 1e9, peakGflops: flops / Math.min(...times) / 1e9 };
}

/** The in-cache product of kernelPeakGflops: 40 row panels of the AVX-512 micro-kernel, two
 * column panels and one cache block of K — A (480 KiB) read in place from L2, B (64 KiB) packed
 * once per product. */
const KERNEL_SHAPE = { m: 480, n: 64, k: 256 };

/**
 * The engine's single-thread sgemm on an in-cache product (KERNEL_SHAPE) repeated inside one
 * native program, so no allocation and little packing or memory traffic holds it back: the
 * fastest rate the machine's multiply-add units sustained here, the best estimate of its peak (a
 * 1024³ call streams its operands from memory and reached two thirds of it on the development
 * machine).
 */
export function kernelPeakGflops(addon: NativeAddon): number {
  const { m, n, k } = KERNEL_SHAPE;
  const calls = 20;
  const view = (buffer: number, rows: number, cols: number) => ({
    buffer,
    offset: 0,
    shape: [rows, cols],
    strides: [cols, 1],
  });
  const program = addon.createProgram({
    buffers: [m * k, k * n, m * n].map((size) => ({
      dtype: 'float32' as const,
      size,
      role: 'temp' as const,
    })),
    inputs: [],
    outputs: [],
    steps: Array.from({ length: calls }, () => ({
      kernel: 'gemm',
      inputs: [view(0, m, k), view(1, k, n)],
      outputs: [view(2, m, n)],
      attrs: {},
    })),
  });
  const times = timedCalls(() => addon.run(program, []), 5, 40);
  return (2 * m * n * k * calls) / Math.min(...times) / 1e9;
}
