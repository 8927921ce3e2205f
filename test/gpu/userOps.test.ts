// Users' GPU ops on a real GPU: the seed's AXPB as an expression op (fused elementwise kernel,
// NVRTC-compiled where libnvrtc exists) and as a CudaOp (hand-written kernel + launch
// configuration), forward and gradient against the js backend, inside larger graphs and on a
// transposed (non-contiguous) input. Skipped with the reason printed where there is no GPU.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as T from '../../engine/index.ts';
import type { Backend } from '../../engine/backends/backend.ts';
import { cudaBackend, cudaStatus, type CudaExecutable } from '../../engine/backends/cuda/index.ts';
import { cudaAddon } from '../../engine/backends/cuda/native.ts';
import { jsBackend } from '../../engine/backends/js.ts';
import type { Variable } from '../../engine/core/graph.ts';
import type { NDArray } from '../../engine/core/ndarray.ts';
import { axpbValues } from '../../engine/examples/axpb.ts';
import { axpbCuda } from '../../engine/examples/axpbCuda.ts';
import { axpbExpression } from '../../engine/examples/axpbExpression.ts';
import { gpuSkipReason } from './skip.ts';

const skip = gpuSkipReason();

function recordingCuda(): { backend: Backend; prepared: CudaExecutable[] } {
  const prepared: CudaExecutable[] = [];
  const backend: Backend = {
    name: 'cuda',
    prepare(program, shared) {
      const e = cudaBackend.prepare(program, shared) as CudaExecutable;
      prepared.push(e);
      return e;
    },
  };
  return { backend, prepared };
}

function expectClose(got: NDArray, want: NDArray, tol: number, what: string): void {
  const [g, w] = [got.toFlat(), want.toFlat()];
  expect(g.length, what).toBe(w.length);
  for (let i = 0; i < w.length; i++)
    if (!(Math.abs(g[i] - w[i]) <= tol * Math.max(1, Math.abs(w[i]))))
      expect.fail(`${what}: element ${i} is ${g[i]}, the js reference ${w[i]}`);
}

/** sigmoid(axpb(xᵀ)) and its gradient, on the GPU and on js; every step must run on the GPU. */
function checkForm(name: string, axpb: (x: Variable) => Variable): void {
  // The same graph in float32 for the GPU and in float64 for the js reference.
  const build = (dtype: 'float32' | 'float64'): [Variable, Variable[]] => {
    const x = T.matrix('x', dtype);
    const y = T.sigmoid(axpb(T.transpose(x)));
    return [x, [y, T.grad(T.sum(T.sqr(y)), x)]];
  };
  const [x, outputs] = build('float32');
  const { backend, prepared } = recordingCuda();
  const xs = T.randn([37, 19], { seed: 3 }).astype('float32');
  const got = T.fn([x], outputs, { backend })(xs) as NDArray[];
  const [x64, outputs64] = build('float64');
  const want = T.fn([x64], outputs64, { backend: jsBackend })(xs.astype('float64')) as NDArray[];
  got.forEach((g, i) => expectClose(g, want[i], 2e-5, `${name} output ${i}`));
  const host = prepared[0].program.steps.filter((_, i) => prepared[0].hostSteps[i]).map((s) => s.opName);
  expect(host, `${name}: steps that ran on the host`).toEqual([]);
  if (cudaStatus().nvrtc) expect(prepared[0].stats().nvrtcKernels).toBeGreaterThan(0);
}

describe.skipIf(skip !== null)('AXPB on the GPU', () => {
  it('the proof kernel of liblabcuda.so computes a·x + b', () => {
    const x = T.randn([1000], { seed: 1 }).astype('float32');
    const got = cudaAddon().cudaAxpb(4, x.data as Float32Array, 5);
    expectClose(new T.NDArray(got, [1000]), axpbValues(x, 4, 5), 1e-6, 'cudaAxpb');
  });

  it('as an expression op: a fused elementwise kernel', () => {
    checkForm('AXPB expression', (x) => axpbExpression(x, 4, 5));
  });

  it('as a CUDA op: its own kernel and launch configuration', () => {
    checkForm('AXPB_CUDA', (x) => axpbCuda(x, 4, 5));
  });

  it('a CUDA op in float64 and a second call reuse the compiled kernel', () => {
    const x = T.vector('x', 'float64');
    const f = T.fn([x], axpbCuda(x, -2, 0.5), { backend: cudaBackend });
    const xs = T.randn([4097], { seed: 9, dtype: 'float64' });
    for (let i = 0; i < 2; i++) expectClose(f(xs) as NDArray, axpbValues(xs, -2, 0.5), 1e-15, `call ${i}`);
  });

  it('NVRTC builds land in the on-disk cache with their full identity beside them', () => {
    if (!cudaStatus().nvrtc) return; // nvcc builds go to the C ops' cache (tested with them)
    const x = T.vector('x');
    T.fn([x], axpbCuda(x, 3, 1), { backend: cudaBackend })(T.randn([64], { seed: 4 }).astype('float32'));
    const dir =
      process.env.LAB_CUDA_CACHE ??
      join(process.env.HOME ?? '/tmp', '.cache', 'curriculum-lab', 'cuda-kernels');
    const entries = readdirSync(dir).filter((f) => f.endsWith('.key'));
    const axpb = entries.filter((f) =>
      readFileSync(join(dir, f), 'utf8').includes('axpb_f32(const float *x'),
    );
    expect(axpb.length, `an entry for the AXPB kernel in ${dir}`).toBeGreaterThan(0);
    for (const key of axpb) {
      expect(existsSync(join(dir, key.replace(/\.key$/, '.cubin')))).toBe(true);
      expect(readFileSync(join(dir, key), 'utf8')).toMatch(/\|--gpu-architecture=sm_\d+\|nvrtc \d+\.\d+$/);
    }
  });
});

if (skip !== null) {
  describe('AXPB on the GPU', () => {
    it.skip(`skipped: ${skip}`, () => undefined);
  });
}
