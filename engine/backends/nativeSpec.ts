// Program → the native executor's ProgramSpec (native/program.ts, native/PROGRAM.md). The two
// formats share buffers, views and kernel names; what differs is spelled out here:
//   - a step's op name travels in attrs.opName (the executor names it in errors);
//   - a `js` step becomes a callback that runs the op's perform on contiguous copies;
//   - constants carry their values as `init` (shared values are uploaded by the backend);
//   - the reduce kernel wants its output with the reduced axes kept (size 1), so a reduction
//     without keepdims gets its output view widened (the same memory, seen with 1-axes);
//   - the executor has no updates: they become copies into the shared buffers after the last
//     step (safe in any order: the compiler never leaves an update value in another shared
//     variable's buffer), skipped where the update was computed in place.
import type { SharedVariable } from '../core/graph.ts';
import { NDArray, contiguousStrides } from '../core/ndarray.ts';
import type { NativeArray, ProgramSpec, StepSpec, View as NativeView } from '../../native/program.ts';
import { COPY_KERNEL, JS_KERNEL, type Program, type Step, type View } from '../compile/program.ts';

function nativeView(v: View): NativeView {
  return { buffer: v.buffer, offset: v.offset, shape: [...v.shape], strides: [...v.strides] };
}

function sameView(a: View, b: View): boolean {
  return (
    a.buffer === b.buffer &&
    a.offset === b.offset &&
    a.shape.every((d, i) => d === b.shape[i]) &&
    a.strides.every((s, i) => s === b.strides[i])
  );
}

/** `view` with size-1 axes (stride 0) inserted at `axes`, positions in the widened view. */
function withAxesKept(view: NativeView, axes: readonly number[]): NativeView {
  const shape = [...view.shape];
  const strides = [...view.strides];
  for (const axis of [...axes].sort((a, b) => a - b)) {
    shape.splice(axis, 0, 1);
    strides.splice(axis, 0, 0);
  }
  return { ...view, shape, strides };
}

/** The callback a `js` step runs: perform on the executor's contiguous copies. */
function jsCallback(step: Step): (inputs: NativeArray[]) => NativeArray[] {
  const node = step.node!;
  return (inputs) => {
    const values = inputs.map((data, i) => new NDArray(data, step.inputs[i].shape));
    return node.op.perform(values, node).map((r, i) => r.astype(node.outputs[i].dtype).data);
  };
}

/** The spec for `program`; `shared[i]` is the variable of shared buffers with index i (for names). */
export function nativeProgramSpec(program: Program, shared: readonly SharedVariable[]): ProgramSpec {
  const callbacks: ((inputs: NativeArray[]) => NativeArray[])[] = [];
  const steps: StepSpec[] = program.steps.map((step) => {
    const inputs = step.inputs.map(nativeView);
    let outputs = step.outputs.map(nativeView);
    if (step.kernel === 'reduce' && outputs[0].shape.length < inputs[0].shape.length) {
      const axes = (step.attrs.axes as number[] | undefined) ?? inputs[0].shape.map((_, i) => i);
      outputs = outputs.map((o) => withAxesKept(o, axes));
    }
    if (step.kernel === JS_KERNEL) {
      callbacks.push(jsCallback(step));
      return {
        kernel: 'js',
        inputs,
        outputs,
        attrs: { callback: callbacks.length - 1, opName: step.opName },
      };
    }
    return {
      kernel: step.kernel,
      inputs,
      outputs,
      attrs: { ...step.attrs, opName: step.opName },
    } as StepSpec;
  });
  for (const update of program.updates) {
    const target = program.buffers.find((b) => b.role === 'shared' && b.index === update.shared)!;
    const shape = update.value.shape;
    const whole: View = { buffer: target.id, offset: 0, shape, strides: contiguousStrides(shape) };
    if (sameView(whole, update.value)) continue;
    steps.push({
      kernel: COPY_KERNEL,
      inputs: [nativeView(update.value)],
      outputs: [nativeView(whole)],
      attrs: { opName: `update ${shared[update.shared].toString()}` },
    });
  }
  return {
    buffers: program.buffers.map((b) => {
      // Shared buffers are filled by the backend before the first run (setShared), not here.
      const init = b.role === 'constant' ? b.value!.data : undefined;
      return { dtype: b.dtype, size: b.size, role: b.role, ...(init ? { init } : {}) };
    }),
    steps,
    inputs: program.inputs.map((v) => v.buffer),
    outputs: program.outputs.map((v) => v.buffer),
    callbacks,
  };
}
