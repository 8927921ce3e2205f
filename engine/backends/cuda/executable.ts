// A program prepared on the GPU: encoded once into the CUDA executor's tape, then each call is
// one crossing (inputs copied in, every step launched or a captured CUDA graph replayed, outputs
// copied out). Shared variables stay in device memory between calls through a SharedResidence:
// `get()` pulls a copy to the host; a host `set()` releases it and the next run uploads again.
import type { SharedVariable } from '../../core/graph.ts';
import { NDArray, type Shape } from '../../core/ndarray.ts';
import type { Program } from '../../compile/program.ts';
import type { NativeArray } from '../../../native/program.ts';
import type { Executable } from '../backend.ts';
import { ResidentShared } from '../residentShared.ts';
import { nativeProgramSpec } from '../cpu/spec.ts';
import { isCudaOp, userKernelAttrs } from './cudaOp.ts';
import {
  cudaStatus,
  type CudaAddon,
  type CudaProgramHandle,
  type CudaRunStats,
  type HostCallback,
} from './native.ts';
import { encodeTape, runsOnDevice, type CudaStepSpec } from './tape.ts';

/** CUDA graphs replay repeated calls; LAB_CUDA_GRAPHS=0 turns them off (for comparisons). */
const useGraphs = process.env.LAB_CUDA_GRAPHS !== '0';

export class CudaExecutable implements Executable {
  readonly program: Program;
  /** Per program step: runs on the host (its op has no CUDA kernel). */
  readonly hostSteps: readonly boolean[];
  private readonly addon: CudaAddon;
  private readonly handle: CudaProgramHandle;
  private readonly callbacks: readonly HostCallback[];
  private readonly resident: ResidentShared;
  private readonly outputShapes: readonly Shape[];

  constructor(addon: CudaAddon, program: Program, shared: readonly SharedVariable[]) {
    this.addon = addon;
    this.program = program;
    // Steps the cpu bridges make native but the GPU cannot run become host (JavaScript) steps.
    const first = nativeProgramSpec(program, shared);
    const forceHost = new Set<number>();
    program.steps.forEach((_, i) => {
      if (!first.jsSteps[i] && !runsOnDevice(first.spec.steps[i])) forceHost.add(i);
    });
    const { spec, jsSteps } = forceHost.size > 0 ? nativeProgramSpec(program, shared, forceHost) : first;
    // CUDA ops (no native descriptor, so JavaScript steps so far) launch their own kernels.
    const steps: CudaStepSpec[] = [...spec.steps];
    const hostSteps = [...jsSteps];
    program.steps.forEach((step, i) => {
      if (!isCudaOp(step.node?.op)) return;
      const { arch, nvrtc } = cudaStatus();
      const size = step.outputs[0].shape.reduce((n, d) => n * d, 1);
      const attrs = userKernelAttrs(
        step.node,
        size,
        step.inputs.map((v) => v.shape),
        arch,
        nvrtc,
      );
      const { inputs, outputs } = spec.steps[i];
      steps[i] = { kernel: 'cuda_kernel', inputs, outputs, attrs: { ...attrs, opName: step.opName } };
      hostSteps[i] = false;
    });
    this.hostSteps = hostSteps;
    this.callbacks = spec.callbacks ?? [];
    const handle = addon.cudaCreateProgram(encodeTape({ ...spec, steps }));
    this.handle = handle;
    spec.buffers.forEach((b, i) => {
      if (b.init) addon.cudaSetBuffer(handle, i, b.init);
    });
    this.outputShapes = program.outputs.map((v) => [...v.shape]);
    this.resident = new ResidentShared(program, shared, {
      read: (buffer) => addon.cudaGetBuffer(handle, buffer),
      write: (buffer, data) => addon.cudaSetBuffer(handle, buffer, data),
    });
  }

  /** Replay a captured CUDA graph on repeated calls (else launch step by step). */
  graphs = useGraphs;

  run(inputs: readonly NDArray[]): NDArray[] {
    this.resident.upload();
    const data: NativeArray[] = this.program.inputs.map((_, i) => inputs[i].contiguous().data);
    const results = this.addon.cudaRun(this.handle, data, this.callbacks, this.graphs);
    return results.map((r, i) => new NDArray(r, this.outputShapes[i]));
  }

  /** Whether the last run replayed a CUDA graph, how many composites run NVRTC code, its GPU time. */
  stats(): CudaRunStats {
    return this.addon.cudaStats(this.handle);
  }

  /**
   * Per-step GPU timing: while on, runs launch step by step (no graph replay) with CUDA events
   * between steps. Returns each step's milliseconds summed over the runs profiled so far.
   */
  profile(on: boolean): { runs: number; stepMs: Float64Array } {
    return this.addon.cudaProfile(this.handle, on);
  }

  /** Hands every shared value this program holds back to the host. */
  dispose(): void {
    this.resident.release();
  }
}
