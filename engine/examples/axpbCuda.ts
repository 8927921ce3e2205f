// AXPB on the GPU, the seed's a·x + b in its two GPU forms:
//   1. the expression op (engine/examples/axpbExpression.ts): `T.elementwise('y = a * x + b', …)`
//      needs nothing GPU-specific — the cuda backend runs its scalar expression as a fused
//      elementwise kernel, generated as CUDA source and compiled with NVRTC (or interpreted);
//   2. AXPB_CUDA below: a CudaOp with a hand-written kernel and its launch configuration,
//      compiled on first use (NVRTC, else nvcc) and cached on disk.
// Both share the TypeScript reference (axpbValues), so every other backend runs them too.
import { axpbValues } from './axpb.ts';
import * as T from '../index.ts';
import type { Apply, NDArray, Variable } from '../index.ts';
import { CudaOp, type CudaCode } from '../backends/cuda/cudaOp.ts';

// The kernel ABI of CUDA ops: input pointers, output pointers, n (output elements), scalars.
const source = `
extern "C" __global__ void axpb_f32(const float *x, float *y, long long n, double a, double b) {
  const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (i < n) y[i] = (float)(a * (double)x[i] + b);
}
extern "C" __global__ void axpb_f64(const double *x, double *y, long long n, double a, double b) {
  const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + b;
}
`;

const THREADS = 256;

export class AXPB_CUDA extends CudaOp {
  readonly itypes = [{ dtype: ['float32', 'float64'] as const }];
  readonly otypes = [{ like: 0 }];

  constructor(a: number, b: number) {
    super({ a, b });
  }

  get a(): number {
    return this.props.a as number;
  }

  get b(): number {
    return this.props.b as number;
  }

  override perform([x]: readonly NDArray[]): NDArray[] {
    return [axpbValues(x, this.a, this.b)];
  }

  override grad(_node: Apply, [gz]: readonly (Variable | null)[]): (Variable | null)[] {
    return [gz ? T.mul(gz, this.a) : null];
  }

  cudaCode(node: Apply): CudaCode {
    return {
      source,
      kernelName: node.inputs[0].dtype === 'float32' ? 'axpb_f32' : 'axpb_f64',
      scalars: [this.a, this.b],
      launch: (n) => ({ grid: Math.max(1, Math.ceil(n / THREADS)), block: THREADS }),
    };
  }
}

/** a·x + b through the CUDA op. */
export function axpbCuda(x: T.TensorLike, a: number, b: number): Variable {
  return new AXPB_CUDA(a, b).apply(T.asVariable(x));
}
