// Program (engine/compile/PROGRAM.md) → the native executor's ProgramSpec (native/program.ts):
// buffers and views carry over; each step becomes its native kernel (steps.ts bridges the attrs
// and view forms) or, without one, a JavaScript segment calling the op's perform; updates become
// copies into the shared buffers after the last step (the compiler never leaves an update value
// in another shared variable's buffer, so their order does not matter; an update computed in
// place needs none).
import { contiguousStrides, formatShape, NDArray } from '../../core/ndarray.ts';
import type { SharedVariable } from '../../core/graph.ts';
import type { Program, Step } from '../../compile/program.ts';
import type { JsStepCallback, NativeArray, ProgramSpec, StepSpec, View } from '../../../native/program.ts';
import { nativeStep, stepName } from './steps.ts';
import { nativeView, sameView } from './views.ts';

export interface NativeSpec {
  readonly spec: ProgramSpec;
  /** Per program step: true when it runs as a JavaScript segment (debugprint's [js]). */
  readonly jsSteps: readonly boolean[];
}

/** What a native step is, for profiles: its kernel (`js` for a segment) and its op. */
export interface StepLabel {
  readonly kernel: string;
  readonly opName: string;
}

export function stepLabels(steps: readonly { kernel: string; attrs?: { opName?: string } }[]): StepLabel[] {
  return steps.map((s) => ({ kernel: s.kernel, opName: s.attrs?.opName ?? s.kernel }));
}

/** The spec's buffers, inputs and outputs: what the program's buffers alone give. */
export function specFrame(program: Program): Pick<ProgramSpec, 'buffers' | 'inputs' | 'outputs'> {
  return {
    // Shared buffers are uploaded by the backend (setShared) before a run that needs them.
    buffers: program.buffers.map((b) => ({
      dtype: b.dtype,
      size: b.size,
      role: b.role,
      ...(b.role === 'constant' ? { init: b.value!.contiguous().data } : {}),
    })),
    inputs: program.inputs.map((v) => v.buffer),
    outputs: program.outputs.map((v) => v.buffer),
  };
}

/**
 * A JavaScript segment: perform on the executor's contiguous copies, checked against the planned
 * outputs like the js backend does, returned as exact-size row-major arrays.
 */
function jsCallback(step: Step): JsStepCallback {
  const node = step.node;
  if (!node)
    throw new Error(
      `cpu backend: step '${step.opName}' (kernel ${step.kernel}) has no native form and no node`,
    );
  const where = stepName(step);
  return (inputs: NativeArray[]) => {
    const values = inputs.map((data, i) => new NDArray(data, step.inputs[i].shape));
    const results = node.op.perform(values, node);
    if (results.length !== step.outputs.length) {
      throw new Error(
        `${where}: perform returned ${results.length} values for ${step.outputs.length} outputs`,
      );
    }
    return results.map((r, i) => {
      const want = node.outputs[i].dtype;
      const shape = step.outputs[i].shape;
      if (r.shape.length !== shape.length || r.shape.some((d, k) => d !== shape[k])) {
        throw new Error(
          `${where}: output ${i} has shape ${formatShape(r.shape)} but the program planned ${formatShape(shape)}; ` +
            'perform and inferShape disagree',
        );
      }
      return r.astype(want).data;
    });
  };
}

function updateCopies(program: Program, shared: readonly SharedVariable[]): StepSpec[] {
  const copies: StepSpec[] = [];
  for (const update of program.updates) {
    const target = program.buffers.find((b) => b.role === 'shared' && b.index === update.shared);
    if (!target) throw new Error(`cpu backend: update of shared variable ${update.shared} has no buffer`);
    const shape = [...update.value.shape];
    const whole: View = { buffer: target.id, offset: 0, shape, strides: contiguousStrides(shape) };
    const value = nativeView(update.value);
    if (sameView(whole, value)) continue;
    copies.push({
      kernel: 'copy',
      inputs: [value],
      outputs: [whole],
      attrs: { opName: `update of ${shared[update.shared].toString()}` },
    });
  }
  return copies;
}

/** `forceJs`: program steps to run as JavaScript segments even where a native form exists. */
export function nativeProgramSpec(
  program: Program,
  shared: readonly SharedVariable[],
  forceJs: ReadonlySet<number> = new Set(),
): NativeSpec {
  const callbacks: JsStepCallback[] = [];
  const jsSteps: boolean[] = [];
  const steps: StepSpec[] = program.steps.map((step, i) => {
    const native = forceJs.has(i) ? null : nativeStep(step, program.buffers);
    jsSteps.push(native === null);
    if (native) return native;
    callbacks.push(jsCallback(step));
    return {
      kernel: 'js',
      inputs: step.inputs.map(nativeView),
      outputs: step.outputs.map(nativeView),
      attrs: { callback: callbacks.length - 1, opName: stepName(step) },
    };
  });
  steps.push(...updateCopies(program, shared));
  return { spec: { ...specFrame(program), steps, callbacks }, jsSteps };
}
