// The `cuda` backend: engine programs run on an NVIDIA GPU through liblabcuda.so (native/cuda/),
// one crossing per call. Importing this file registers it only where the library loads and a
// device answers, so `backend: 'auto'` prefers the GPU there and falls back to cpu/js elsewhere.
import { placement } from '../../rewrite/placement.ts';
import { registerBackend, type Backend } from '../backend.ts';
import { hasCudaKernel } from './deviceKernels.ts';
import { CudaExecutable } from './executable.ts';
import { cudaAddon, cudaStatus } from './native.ts';

export { cudaStatus, type CudaStatus } from './native.ts';
export { CudaExecutable } from './executable.ts';

export const cudaBackend: Backend = {
  name: 'cuda',
  prepare: (program, shared) => new CudaExecutable(cudaAddon(), program, shared),
  placeGraph: (fgraph) => placement(hasCudaKernel).applyGraph(fgraph),
};

/** Is a GPU usable in this process? (`cudaStatus().reason` says why not.) */
export function cudaBackendAvailable(): boolean {
  return cudaStatus().available;
}

if (cudaBackendAvailable()) registerBackend(cudaBackend);
