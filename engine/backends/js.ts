// The js backend: runs a program with each op's `perform` on host typed arrays. It is the
// reference every native backend is checked against, so it favours plain correctness over
// speed: it checks every result against the planned shape and dtype, and never lets a step
// write into a caller's array or a shared variable's current value.
import { allocate, type HostArray } from '../core/dtype.ts';
import type { SharedVariable } from '../core/graph.ts';
import { formatShape, NDArray } from '../core/ndarray.ts';
import { COPY_KERNEL, type Program, type Step, type View } from '../compile/program.ts';
import { registerBackend, type Backend, type Executable } from './backend.ts';

function viewOf(data: readonly HostArray[], v: View): NDArray {
  return new NDArray(data[v.buffer], v.shape, v.strides, v.offset);
}

function sameLayout(a: NDArray, b: NDArray): boolean {
  return a.data === b.data && a.offset === b.offset && a.strides.every((s, i) => s === b.strides[i]);
}

/** Copy `src` into `dst` element by element in row-major order (shapes are equal). */
export function copyInto(dst: NDArray, src: NDArray): void {
  if (sameLayout(dst, src)) return;
  const out = dst.data;
  const flat = src.isContiguous() && src.data !== out ? src.data : src.astype(src.dtype, true).data;
  if (dst.isContiguous()) {
    out.set(flat.subarray(0, dst.size) as never, 0);
    return;
  }
  dst.forEachIndex((at, i) => (out[at] = flat[i]));
}

function runStep(step: Step, data: HostArray[]): void {
  const inputs = step.inputs.map((v) => viewOf(data, v));
  const outputs = step.outputs.map((v) => viewOf(data, v));
  if (step.kernel === COPY_KERNEL) {
    copyInto(outputs[0], inputs[0]);
    return;
  }
  const node = step.node!;
  const where = `${step.opName} (built at ${node.trace})`;
  // An in-place op whose output lowering did not alias (shapes differ at run time, say) must
  // not write into its input's buffer: perform gets a private copy of that input.
  for (const [o, i] of Object.entries(node.op.aliasMap?.().destroys ?? {})) {
    if (step.outputs[Number(o)].buffer !== step.inputs[i].buffer)
      inputs[i] = inputs[i].astype(inputs[i].dtype, true);
  }
  let results: NDArray[];
  try {
    results = node.op.perform(inputs, node);
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
  }
  if (results.length !== outputs.length) {
    throw new Error(`${where}: perform returned ${results.length} values for ${outputs.length} outputs`);
  }
  results.forEach((r, i) => {
    const planned = outputs[i];
    if (
      r.dtype !== planned.dtype ||
      r.shape.length !== planned.ndim ||
      r.shape.some((d, k) => d !== planned.shape[k])
    ) {
      throw new Error(
        `${where}: output ${i} is ${r.dtype}${formatShape(r.shape)} but inferShape and the node's type ` +
          `promised ${planned.dtype}${formatShape(planned.shape)}; perform and inferShape disagree`,
      );
    }
    copyInto(planned, r);
  });
}

class JsExecutable implements Executable {
  private readonly program: Program;
  private readonly shared: readonly SharedVariable[];
  private readonly data: HostArray[];

  constructor(program: Program, shared: readonly SharedVariable[]) {
    this.program = program;
    this.shared = shared;
    // Temporaries live as long as the executable; the rest is bound per run.
    this.data = program.buffers.map((b) =>
      b.role === 'temp'
        ? allocate(b.dtype, b.size)
        : b.role === 'constant'
          ? b.value!.data
          : allocate(b.dtype, 0),
    );
  }

  run(inputs: readonly NDArray[]): NDArray[] {
    const { program, data } = this;
    for (const b of program.buffers) {
      if (b.role === 'input') data[b.id] = inputs[b.index].contiguous().data;
      else if (b.role === 'output') data[b.id] = allocate(b.dtype, b.size);
      else if (b.role === 'shared') {
        const value = this.shared[b.index].get().contiguous().data;
        data[b.id] = b.written ? value.slice() : value;
      }
    }
    for (const step of program.steps) runStep(step, data);
    const outputs = program.outputs.map((v) => viewOf(data, v));
    // Every update reads its value before any is applied.
    const newValues = program.updates.map((u) =>
      viewOf(data, u.value).astype(this.shared[u.shared].dtype, true),
    );
    program.updates.forEach((u, k) => this.shared[u.shared].set(newValues[k]));
    return outputs;
  }

  dispose(): void {
    // Nothing to release: shared values stay on the host for the js backend.
  }
}

export const jsBackend: Backend = {
  name: 'js',
  prepare: (program, shared) => new JsExecutable(program, shared),
};

registerBackend(jsBackend);
