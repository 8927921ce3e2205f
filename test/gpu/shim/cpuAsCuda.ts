// Stands in for engine/backends/cpu/index.ts inside the differential suites when the GPU check
// bundle is built (scripts/check-gpu/build.ts): their "native" side then runs on the cuda
// backend (placement included), and `jsSteps` reports the steps that ran on the host instead of
// the GPU.
import type { Backend } from '../../../engine/backends/backend.ts';
import { cudaBackend, cudaBackendAvailable } from '../../../engine/backends/cuda/index.ts';
import type { CudaExecutable } from '../../../engine/backends/cuda/executable.ts';

let prepared = 0;

/** Programs prepared on the GPU in this process: proof that the suites ran there. */
export function programsPreparedOnGpu(): number {
  return prepared;
}

export const cpuBackend: Backend = {
  name: 'cuda',
  prepare(program, shared) {
    const e = cudaBackend.prepare(program, shared) as CudaExecutable;
    prepared++;
    return Object.assign(e, { jsSteps: e.hostSteps });
  },
  placeGraph: (fgraph) => cudaBackend.placeGraph?.(fgraph),
};

export const cpuBackendAvailable = cudaBackendAvailable;
