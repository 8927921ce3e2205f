import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { addonPath, loadNativeAddon } from '../../native/addon.ts';
import { projectRoot } from '../../native/paths.ts';

describe('native toolchain: the axpb kernel through the Node-API addon', () => {
  it('computes a*x+b into a V8-allocated Float32Array', () => {
    const addon = loadNativeAddon();
    const x = new Float32Array([0, 1, -2.5, 1e3, 3.25]);
    const out = addon.axpb(4, x, 5);
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.buffer).not.toBe(x.buffer);
    expect(Array.from(out)).toEqual(Array.from(x, (v) => Math.fround(4 * v + 5)));
  });

  it('rejects wrong arguments with a clear error instead of crashing', () => {
    const addon = loadNativeAddon();
    expect(() => addon.axpb(4, new Float64Array(2) as unknown as Float32Array, 5)).toThrow(/Float32Array/);
  });

  it('is context-aware: loads and runs in several worker threads at once', async () => {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const addon = require(workerData.addonPath);
      const out = addon.axpb(2, new Float32Array([workerData.k]), 1);
      parentPort.postMessage(out[0]);
    `;
    const results = await Promise.all(
      [1, 2, 3, 4].map(
        (k) =>
          new Promise<number>((resolve, reject) => {
            const worker = new Worker(source, { eval: true, workerData: { addonPath, k } });
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      ),
    );
    expect(results).toEqual([3, 5, 7, 9]);
  });

  it('the build succeeds without nvcc and says the GPU backend is not built', () => {
    const pathWithoutNvcc = (process.env.PATH ?? '')
      .split(':')
      .filter((dir) => spawnSync('test', ['-x', join(dir, 'nvcc')]).status !== 0)
      .join(':');
    const result = spawnSync(process.execPath, [join(projectRoot, 'native', 'build.ts'), '--cuda-only'], {
      env: { ...process.env, PATH: pathWithoutNvcc, NVCC: '', CUDA_HOME: '/nonexistent' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/nvcc not found: the GPU \(CUDA\) backend is not built/);
  });
});
