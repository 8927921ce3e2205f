// The engine's kernel descriptors (op.native(node), carried by program steps) → the native
// executor's step specs (native/program.ts). Where the two formats differ, the bridge is here:
//   gemm           batch axes of size 1 broadcast to the output's batch (stride 0); only float
//                  operands of the output's dtype run natively;
//   reduce         the output view keeps the reduced axes (size 1), as the kernel checks;
//   copy           a reshape's copy sees both sides with one shape (the contiguous side takes
//                  the other's);
//   fill           takes no inputs (the engine's Fill has its model input for the shape only);
//   inc/set_subtensor  engine attrs `{indices}` (basic slicing) become `{begin, step}` with the
//                  values broadcast to the slice, `{axis, index: 'take'}` the advanced_* kernels
//                  with the values broadcast to take's shape (descriptors already in the
//                  executor's form pass through);
//   random         engine `params` become low/high, mean/std or p; an offset input (a run-time
//                  start, e.g. a step counter) is the kernel's optional int32 input.
// Two ops without a descriptor get a native form here because their shapes are concrete once
// lowered: SumToShape (a sum over the broadcast axes) and Fill (the no-input fill kernel).
// A step the executor cannot take runs as a JavaScript segment (the op's perform): always
// correct, only slower.
import type { Step } from '../../compile/program.ts';
import { userKernelStep } from '../../custom/c/step.ts';
import { sliceRange } from '../../ops/subtensor.ts';
import { Fill } from '../../ops/shapeOps.ts';
import { SumToShape } from '../../ops/sumToShape.ts';
import type { DType } from '../../core/dtype.ts';
import type { ProgramBuffer } from '../../compile/program.ts';
import type { KernelName, ScalarExpr, StepSpec, View } from '../../../native/program.ts';
import { broadcastTo, isContiguousView, nativeView, reshapedView, sameShape, withUnitAxes } from './views.ts';

type AxisIndex = number | readonly [number | null, number | null, number | null];

interface StepContext {
  readonly step: Step;
  readonly inputs: View[];
  readonly outputs: View[];
  readonly dtypeOf: (v: View) => DType;
  readonly opName: string;
}

function gemm(c: StepContext): StepSpec | null {
  const [z] = c.outputs;
  const dtype = c.dtypeOf(z);
  if ((dtype !== 'float32' && dtype !== 'float64') || c.inputs.some((v) => c.dtypeOf(v) !== dtype))
    return null;
  if (z.shape.length !== 2 && z.shape.length !== 3) return null;
  const inputs = c.inputs.map((v, i) => {
    if (i === 2 || z.shape.length !== 3 || v.shape.length !== 3 || v.shape[0] === z.shape[0]) return v;
    return { ...v, shape: [z.shape[0], v.shape[1], v.shape[2]], strides: [0, v.strides[1], v.strides[2]] };
  });
  return { kernel: 'gemm', inputs, outputs: c.outputs, attrs: { ...c.step.attrs, opName: c.opName } };
}

function reduce(c: StepContext): StepSpec {
  const [x] = c.inputs;
  const axes = (c.step.attrs.axes as number[] | undefined) ?? x.shape.map((_, i) => i);
  const outputs = c.outputs[0].shape.length < x.shape.length ? [withUnitAxes(c.outputs[0], axes)] : c.outputs;
  return {
    kernel: 'reduce',
    inputs: c.inputs,
    outputs,
    attrs: { op: c.step.attrs.op as never, axes, opName: c.opName },
  };
}

function copy(c: StepContext): StepSpec | null {
  let [x] = c.inputs;
  let [y] = c.outputs;
  if (!sameShape(x.shape, y.shape)) {
    if (isContiguousView(y)) y = reshapedView(y, x.shape);
    else if (isContiguousView(x)) x = reshapedView(x, y.shape);
    else return null;
  }
  return { kernel: 'copy', inputs: [x], outputs: [y], attrs: { opName: c.opName } };
}

function basicSubtensor(c: StepContext, set: boolean, indices: readonly AxisIndex[]): StepSpec {
  const [x, y] = c.inputs;
  const begin: number[] = [];
  const step: number[] = [];
  const region: number[] = [];
  const dropped: number[] = [];
  x.shape.forEach((len, axis) => {
    const e = indices[axis] ?? [null, null, null];
    if (typeof e === 'number') {
      begin.push(e < 0 ? e + len : e);
      step.push(1);
      dropped.push(axis);
      return;
    }
    const r = sliceRange(e, len);
    begin.push(r.count > 0 ? r.start : 0);
    step.push(r.step);
    region.push(r.count);
  });
  const values = withUnitAxes(broadcastTo(y, region), dropped);
  return {
    kernel: set ? 'set_subtensor' : 'inc_subtensor',
    inputs: [x, values],
    outputs: c.outputs,
    attrs: { begin, step, opName: c.opName },
  };
}

function advancedSubtensor(c: StepContext, set: boolean, axis: number): StepSpec {
  const [x, y, indices] = c.inputs;
  const a = axis < 0 ? axis + x.shape.length : axis;
  const target = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  return {
    kernel: set ? 'advanced_set_subtensor' : 'advanced_inc_subtensor',
    inputs: [x, broadcastTo(y, target), indices],
    outputs: c.outputs,
    attrs: { axis: a, opName: c.opName },
  };
}

function subtensor(c: StepContext, set: boolean): StepSpec {
  const attrs = c.step.attrs;
  if (attrs.index === 'take') return advancedSubtensor(c, set, attrs.axis as number);
  // Descriptors already in the executor's form ({begin, step}) pass through.
  if (!Array.isArray(attrs.indices)) return passThrough(c);
  return basicSubtensor(c, set, attrs.indices as unknown as AxisIndex[]);
}

function random(c: StepContext): StepSpec | null {
  // Descriptors already in the executor's form (low/high, mean/std, p) pass through.
  if (!Array.isArray(c.step.attrs.params)) return passThrough(c);
  const { dist, seed, stream, params } = c.step.attrs as {
    dist: string;
    seed: number;
    stream: number;
    params: number[];
  };
  const [a, b] = params;
  const shape = dist === 'uniform' ? { low: a, high: b } : dist === 'normal' ? { mean: a, std: b } : { p: a };
  return {
    kernel: 'random',
    inputs: c.inputs,
    outputs: c.outputs,
    attrs: { dist: dist as 'uniform', seed, stream, ...shape, opName: c.opName },
  };
}

function passThrough(c: StepContext): StepSpec {
  return {
    kernel: c.step.kernel,
    inputs: c.inputs,
    outputs: c.outputs,
    attrs: { ...c.step.attrs, opName: c.opName },
  } as StepSpec;
}

const bridges: Readonly<Record<string, (c: StepContext) => StepSpec | null>> = {
  elementwise: (c) => ({
    kernel: 'elementwise',
    inputs: c.inputs,
    outputs: c.outputs,
    attrs: { outputs: c.step.attrs.outputs as unknown as ScalarExpr[], opName: c.opName },
  }),
  gemm,
  reduce,
  copy,
  fill: (c) => ({
    kernel: 'fill',
    inputs: [],
    outputs: c.outputs,
    attrs: { value: c.step.attrs.value as number, opName: c.opName },
  }),
  inc_subtensor: (c) => subtensor(c, false),
  set_subtensor: (c) => subtensor(c, true),
  random,
  // A user's C op: compiled and loaded on first use (engine/custom/c), or its perform without a compiler.
  user_kernel: (c) => userKernelStep(c.step, c.inputs, c.outputs, c.opName),
};

/** Kernels whose engine descriptors already are the executor's form. */
const sameForm: ReadonlySet<KernelName> = new Set<KernelName>([
  'softmax',
  'log_softmax',
  'softmax_grad',
  'log_softmax_grad',
  'softmax_cross_entropy',
  'softmax_cross_entropy_grad',
  'categorical_crossentropy',
  'binary_crossentropy',
  'take',
  'concatenate',
  'advanced_inc_subtensor',
  'advanced_set_subtensor',
  'conv2d',
  'conv2d_grad_input',
  'conv2d_grad_weight',
  'pool2d',
]);

/**
 * SumToShape (a gradient summed back to an input's shape, decided at run time because a static
 * dimension was unknown) has no kernel descriptor, but its shapes are concrete here: it is a sum
 * over the leading axes and the axes where the target has size 1, or a copy when none are.
 */
function sumToShape(c: StepContext): StepSpec {
  const [g] = c.inputs;
  const [out] = c.outputs;
  const lead = g.shape.length - out.shape.length;
  const axes = g.shape.flatMap((d, i) => (i < lead || (out.shape[i - lead] === 1 && d !== 1) ? [i] : []));
  if (axes.length === 0)
    return {
      kernel: 'copy',
      inputs: [g],
      outputs: [reshapedView(out, g.shape)],
      attrs: { opName: c.opName },
    };
  const widened = withUnitAxes(out, [...Array(lead).keys()]);
  return { kernel: 'reduce', inputs: [g], outputs: [widened], attrs: { op: 'sum', axes, opName: c.opName } };
}

/**
 * Fill (a tensor shaped like its model input, holding one value) has no kernel descriptor
 * because the native `fill` kernel takes no inputs: the output view already has the shape, so
 * the model input is simply not passed.
 */
function fillOp(c: StepContext): StepSpec {
  const op = c.step.node!.op as Fill;
  return { kernel: 'fill', inputs: [], outputs: c.outputs, attrs: { value: op.value, opName: c.opName } };
}

/** Ops without a kernel descriptor whose native form the adapter knows (see above). */
function opBridge(step: Step): ((c: StepContext) => StepSpec | null) | undefined {
  const op = step.node?.op;
  if (op instanceof SumToShape) return sumToShape;
  if (op instanceof Fill && step.kernel === 'js') return fillOp;
  return undefined;
}

/** The op name errors carry: the op and where the user built it. */
export function stepName(step: Step): string {
  return step.node ? `${step.opName} (built at ${step.node.trace})` : step.opName;
}

/** The native step for `step`, or null when it must run as a JavaScript segment. */
export function nativeStep(step: Step, buffers: readonly ProgramBuffer[]): StepSpec | null {
  const bridge =
    opBridge(step) ??
    bridges[step.kernel] ??
    (sameForm.has(step.kernel as KernelName) ? passThrough : undefined);
  if (!bridge) return null;
  return bridge({
    step,
    inputs: step.inputs.map(nativeView),
    outputs: step.outputs.map(nativeView),
    dtypeOf: (v) => buffers[v.buffer].dtype,
    opName: stepName(step),
  });
}

/**
 * `step` in a form this executor runs without its graph node — a program read back from the
 * on-disk program cache has none — or null when it needs the node (a JavaScript step, a user's
 * kernel). The bridges that read the node (Fill, SumToShape) are resolved into plain kernel steps,
 * and the op name takes the user's call site along for error messages.
 */
export function nodeFreeStep(step: Step, buffers: readonly ProgramBuffer[]): Step | null {
  const native = nativeStep(step, buffers);
  if (!native || native.kernel === 'user_kernel') return null;
  const opName = stepName(step);
  const op = step.node?.op;
  if (op instanceof Fill || op instanceof SumToShape) {
    const { opName: _name, ...attrs } = native.attrs as Record<string, unknown>;
    return {
      kernel: native.kernel,
      opName,
      inputs: native.inputs,
      outputs: native.outputs,
      attrs: attrs as Step['attrs'],
      node: null,
    };
  }
  return { ...step, opName, node: null };
}
