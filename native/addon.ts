// Loads the native engine addon built by native/build.ts. Every Node-side user of native
// code goes through here, so a missing build is reported once, clearly.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { projectRoot } from './paths.ts';

const require = createRequire(import.meta.url);

export const addonPath = join(projectRoot, 'native', 'build', 'Release', 'lab_native.node');
export const cudaLibraryPath = join(projectRoot, 'native', 'build', 'cuda', 'liblabcuda.so');

/** What the compiled addon exports. Grows as the native backend grows. */
export interface NativeAddon {
  readonly abiVersion: number;
  axpb(a: number, x: Float32Array, b: number): Float32Array;
}

let cached: NativeAddon | undefined;

export function loadNativeAddon(): NativeAddon {
  if (cached) return cached;
  if (!existsSync(addonPath)) {
    throw new Error(
      `the native engine addon is not built (expected ${addonPath}). ` +
        'Run `npm install` or `npm run build:native` in the project root.',
    );
  }
  cached = require(addonPath) as NativeAddon;
  return cached;
}

/** True when the CUDA library was built here (nvcc was found at install time). */
export function cudaLibraryBuilt(): boolean {
  return existsSync(cudaLibraryPath);
}
