// CUDA ops without a GPU: the launch attrs a CudaOp's step carries, and the nvcc path (used
// where NVRTC is missing) compiling to a cached CUBIN under the C ops' cache discipline. nvcc
// runs without a GPU, so this is checked wherever nvcc exists (skipped with the reason elsewhere).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as T from '../../../../../engine/index.ts';
import { nvccCubin, userKernelAttrs, type CudaCode } from '../../../../../engine/backends/cuda/cudaOp.ts';
import { AXPB_CUDA } from '../../../../../engine/examples/axpbCuda.ts';

const nvcc = spawnSync(process.env.NVCC ?? 'nvcc', ['--version']).status === 0;
if (!nvcc) console.log('[cudaOp tests] nvcc not found: the nvcc compile tests are skipped');

let cache = '';
const saved = process.env.LAB_CACHE_DIR;
beforeAll(() => {
  cache = mkdtempSync(join(tmpdir(), 'lab-cuda-op-'));
  process.env.LAB_CACHE_DIR = cache;
});
afterAll(() => {
  if (saved === undefined) delete process.env.LAB_CACHE_DIR;
  else process.env.LAB_CACHE_DIR = saved;
  rmSync(cache, { recursive: true, force: true });
});

describe('CudaOp', () => {
  const node = new AXPB_CUDA(4, 5).makeNode(T.vector('x'));

  it('gives its step the launch configuration, scalars and source for NVRTC', () => {
    const attrs = userKernelAttrs(node, 1000, [[1000]], '90', true);
    expect(attrs.grid).toEqual([4, 1, 1]);
    expect(attrs.block).toEqual([256, 1, 1]);
    expect(attrs.sharedBytes).toBe(0);
    expect(attrs.scalars).toEqual([4, 5]);
    expect(attrs.via).toBe(0);
    expect(attrs.kernelName).toBe('axpb_f32');
    expect(attrs.text).toContain('extern "C" __global__ void axpb_f32');
  });

  it.skipIf(!nvcc)(
    'compiles with nvcc where NVRTC is missing, once, into a cached CUBIN',
    () => {
      const attrs = userKernelAttrs(node, 10, [[10]], '90', false);
      expect(attrs.via).toBe(1);
      expect(attrs.text.startsWith(cache)).toBe(true);
      expect([...readFileSync(attrs.text).subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]); // an ELF CUBIN
      const built = statSync(attrs.text).mtimeMs;
      expect(userKernelAttrs(node, 10, [[10]], '90', false).text).toBe(attrs.text);
      expect(statSync(attrs.text).mtimeMs).toBe(built);
    },
    120_000,
  );

  it.skipIf(!nvcc)(
    'reports nvcc diagnostics with the op name when the source does not compile',
    () => {
      const bad: CudaCode = {
        source: 'extern "C" __global__ void k(float *y) { y[0] = undefined_name; }',
        kernelName: 'k',
        launch: () => ({ grid: 1, block: 1 }),
      };
      expect(() => nvccCubin('Broken{}', bad, '90')).toThrow(
        /Broken\{\}: its CUDA source does not compile with nvcc[\s\S]*undefined_name/,
      );
    },
    120_000,
  );
});
