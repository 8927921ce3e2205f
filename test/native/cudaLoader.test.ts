// The addon's CUDA loader (native/src/cuda_loader.cc) where there may be no GPU: loading never
// throws, it says why there is no GPU; GPU calls then fail with that reason instead of crashing.
// (What the loaded library does on a GPU is checked by test/gpu/ and `npm run check:gpu`.)
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/addon.ts';
import { cudaLibrary, type CudaAddon } from '../../engine/backends/cuda/native.ts';

const addon = loadNativeAddon() as CudaAddon;
const built = existsSync(cudaLibrary);
if (!built)
  console.log(`[cuda loader tests] ${cudaLibrary} is not built (no nvcc here?): its probe test is skipped`);

describe('cuda loader', () => {
  it('reports a library that cannot be loaded instead of throwing', () => {
    const status = addon.cudaLoad('/nonexistent/liblabcuda.so');
    expect(status.loaded).toBe(false);
    expect(status.devices).toBe(0);
    expect(status.reason).toMatch(/cannot load the CUDA library \/nonexistent\/liblabcuda\.so/);
  });

  it('refuses GPU calls with the reason when no GPU is usable', () => {
    expect(addon.cudaLoad('/nonexistent/liblabcuda.so').devices).toBe(0);
    expect(() => addon.cudaCreateProgram(new Float64Array(4))).toThrow(
      /no usable GPU: cannot load the CUDA library/,
    );
    expect(() => addon.cudaAxpb(1, new Float32Array(2), 2)).toThrow(/no usable GPU/);
  });

  it.skipIf(!built)('loads the built library and probes for a device', () => {
    const status = addon.cudaLoad(cudaLibrary);
    expect(status.loaded).toBe(true);
    if (status.devices === 0)
      expect(status.reason).toMatch(/no NVIDIA driver|no usable CUDA device|no devices/);
    else expect(status.device).toMatch(/compute capability \d+\.\d+/);
  });
});
