// Which graph nodes the cuda backend runs on the GPU, decided on the graph (for the placement
// rewrite and debugprint) the way the program conversion decides per step: an op whose native
// kernel the CUDA executor has (tape.ts), the two ops the adapter bridges without a descriptor
// (SumToShape, Fill), and users' CUDA ops. Everything else runs on the host.
import type { Apply, NativeKernel } from '../../core/graph.ts';
import { Fill } from '../../ops/shapeOps.ts';
import { SumToShape } from '../../ops/sumToShape.ts';
import { isCudaOp } from './cudaOp.ts';
import { CUDA_KERNELS } from './tape.ts';

const floats = new Set(['float32', 'float64']);

export function hasCudaKernel(node: Apply): boolean {
  const op = node.op;
  if (isCudaOp(op) || op instanceof SumToShape || op instanceof Fill) return true;
  let kernel: NativeKernel | null | undefined;
  try {
    kernel = op.native?.(node);
  } catch {
    return false; // a descriptor that cannot be built here lowers to a host step
  }
  if (!kernel || !CUDA_KERNELS.has(kernel.kernel)) return false;
  // A draw at a run-time offset runs in JavaScript (the cpu bridge keeps it there, and so its checks).
  if (kernel.kernel === 'random' && node.inputs.length > 0) return false;
  // gemm runs natively for float operands of the output's dtype only (cpu/steps.ts bridges).
  if (kernel.kernel === 'gemm') {
    const dtype = node.outputs[0].dtype;
    return floats.has(dtype) && node.inputs.every((v) => v.dtype === dtype);
  }
  return true;
}
