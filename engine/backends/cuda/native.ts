// The addon's CUDA surface (native/src/cuda_loader.cc) and the one place that loads the CUDA
// library. Loading never throws for a missing library, driver or device: `cudaStatus()` says why
// there is no GPU, so `backend: 'auto'` falls back and the GPU tests skip with that reason.
import { existsSync } from 'node:fs';
import { cudaLibraryPath, loadNativeAddon, type NativeAddon } from '../../../native/addon.ts';
import type { NativeArray } from '../../../native/program.ts';

/** An opaque CUDA program handle (freed by the garbage collector). */
export interface CudaProgramHandle {
  readonly __labCudaProgram: unique symbol;
}

export type HostCallback = (inputs: NativeArray[], outputShapes: number[][]) => NativeArray[];

export interface CudaAddon extends NativeAddon {
  cudaLoad(path: string): {
    loaded: boolean;
    devices: number;
    device: string;
    reason: string;
    nvrtc: boolean;
    nvrtcReason: string;
  };
  cudaCreateProgram(tape: Float64Array): CudaProgramHandle;
  cudaRun(
    program: CudaProgramHandle,
    inputs: NativeArray[],
    callbacks: readonly HostCallback[],
    useGraph: boolean,
  ): NativeArray[];
  cudaGetBuffer(program: CudaProgramHandle, buffer: number): NativeArray;
  cudaSetBuffer(program: CudaProgramHandle, buffer: number, value: NativeArray): void;
  cudaStats(program: CudaProgramHandle): CudaRunStats;
  /** Per-step GPU timing on or off; the milliseconds of each step summed over the profiled runs. */
  cudaProfile(program: CudaProgramHandle, on: boolean): { runs: number; stepMs: Float64Array };
  cudaAxpb(a: number, x: Float32Array, b: number): Float32Array;
}

/** What a CUDA program did on its last run. */
export interface CudaRunStats {
  /** The run replayed the CUDA graph captured from the steps. */
  readonly graphReplayed: boolean;
  /** Elementwise steps running NVRTC-compiled code (the rest run the interpreter kernel). */
  readonly nvrtcKernels: number;
  /** GPU milliseconds from the first input copy to the last output copy (the rest is the host's). */
  readonly lastRunGpuMs: number;
}

export interface CudaStatus {
  /** A GPU is usable: the addon and the CUDA library loaded and a device answered. */
  readonly available: boolean;
  /** The device's name and compute capability, when available. */
  readonly device: string;
  /** Why the GPU cannot be used, when not available. */
  readonly reason: string;
  /** The library path tried. */
  readonly library: string;
  /** NVRTC was found: composites and users' CUDA kernels compile at run time (else nvcc). */
  readonly nvrtc: boolean;
  /** The device's compute capability as digits ('90' for 9.0), when available. */
  readonly arch: string;
}

/** LAB_CUDA_LIBRARY points at another build of liblabcuda.so (the GPU check bundle's). */
export const cudaLibrary = process.env.LAB_CUDA_LIBRARY ?? cudaLibraryPath;

let status: CudaStatus | undefined;
let addon: CudaAddon | undefined;

export function cudaStatus(): CudaStatus {
  if (status) return status;
  const unavailable = (reason: string): CudaStatus => ({
    available: false,
    device: '',
    reason,
    library: cudaLibrary,
    nvrtc: false,
    arch: '',
  });
  if (process.env.LAB_DISABLE_CUDA === '1') return (status = unavailable('LAB_DISABLE_CUDA=1'));
  if (!existsSync(cudaLibrary)) {
    return (status = unavailable(
      `the CUDA library is not built (expected ${cudaLibrary}; it is built by \`npm run build:native\` where nvcc exists)`,
    ));
  }
  let native: CudaAddon;
  try {
    native = loadNativeAddon() as CudaAddon;
  } catch (error) {
    return (status = unavailable((error as Error).message));
  }
  if (typeof native.cudaLoad !== 'function') {
    return (status = unavailable(
      'the native addon was built without the CUDA loader: run `npm run build:native`',
    ));
  }
  const loaded = native.cudaLoad(cudaLibrary);
  if (!loaded.loaded || loaded.devices < 1) return (status = unavailable(loaded.reason));
  addon = native;
  const capability = /compute capability (\d+)\.(\d+)/.exec(loaded.device);
  return (status = {
    available: true,
    device: loaded.device,
    reason: '',
    library: cudaLibrary,
    nvrtc: loaded.nvrtc,
    arch: capability ? `${capability[1]}${capability[2]}` : '',
  });
}

/** The addon with a usable GPU behind it; throws with the reason otherwise. */
export function cudaAddon(): CudaAddon {
  const s = cudaStatus();
  if (!s.available || !addon) throw new Error(`the cuda backend cannot run: ${s.reason}`);
  return addon;
}
