// Lowering: a rewritten FunctionGraph plus concrete input shapes → a Program (PROGRAM.md).
// Shapes and aliasing come from computeLayouts, buffers from planBuffers; this file turns the
// nodes into kernel calls and adds the copies that give the caller outputs of its own.
import type { SharedVariable, Variable } from '../core/graph.ts';
import { contiguousStrides, formatShape, type Shape } from '../core/ndarray.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';
import { Concatenate } from '../ops/join.ts';
import { concatenateInPlace, strayPieceCopies } from './concatInPlace.ts';
import { computeLayouts } from './layout.ts';
import { planBuffers } from './planBuffers.ts';
import { hoistShrinkingAndRearrangingNodes } from './schedule.ts';
import { COPY_KERNEL, JS_KERNEL, type Program, type ProgramUpdate, type Step, type View } from './program.ts';

/** What a compiled function computes: its outputs, then one update value per target. */
export interface LoweringRequest {
  readonly fgraph: FunctionGraph;
  /** fgraph.outputs[0, outputCount) are the function's outputs; the rest are update values. */
  readonly outputCount: number;
  /** The shared variable each update value is for, in fgraph.outputs order after the outputs. */
  readonly updateTargets: readonly SharedVariable[];
  /** Every shared variable the program touches; buffers and updates refer to it by index. */
  readonly shared: readonly SharedVariable[];
}

export function shapeSignature(shapes: readonly Shape[], dtypes: readonly string[]): string {
  return shapes.map((s, i) => `${dtypes[i]}${formatShape(s)}`).join('|');
}

function isWholeBuffer(view: View, size: number): boolean {
  const strides = contiguousStrides(view.shape);
  return (
    view.offset === 0 &&
    view.shape.reduce((a, b) => a * b, 1) === size &&
    view.strides.every((s, i) => s === strides[i])
  );
}

/**
 * Inputs the native kernel expects already broadcast to the output's shape (stride-0 views):
 * every input of `elementwise`, and C of a three-input `gemm`.
 */
const broadcastInputs: Readonly<Record<string, (input: number, count: number) => boolean>> = {
  elementwise: () => true,
  gemm: (input, count) => count === 3 && input === 2,
};

/** `view` seen with `shape`: new leading axes and stretched size-1 axes get stride 0. */
export function broadcastView(view: View, shape: readonly number[]): View {
  const lead = shape.length - view.shape.length;
  const strides = shape.map((d, i) => {
    if (i < lead) return 0;
    return view.shape[i - lead] === 1 && d !== 1 ? 0 : view.strides[i - lead];
  });
  return { ...view, shape: [...shape], strides };
}

function copyStep(from: View, to: View): Step {
  return { kernel: COPY_KERNEL, opName: COPY_KERNEL, inputs: [from], outputs: [to], attrs: {}, node: null };
}

export function compileProgram(
  request: LoweringRequest,
  inputShapes: readonly Shape[],
  sharedShapes: readonly Shape[],
): Program {
  const { fgraph, outputCount, updateTargets, shared } = request;
  const outputs = fgraph.outputs.slice(0, outputCount);
  const updateValues = fgraph.outputs.slice(outputCount);
  const leafShapes = new Map<Variable, Shape>();
  fgraph.inputs.forEach((v, i) => leafShapes.set(v, inputShapes[i]));
  shared.forEach((v, i) => leafShapes.set(v, sharedShapes[i]));

  const ordered = hoistShrinkingAndRearrangingNodes(
    computeLayouts(fgraph.toposort(), leafShapes, fgraph.outputs),
    fgraph,
  );
  const layouts = concatenateInPlace(ordered, fgraph);
  const plan = planBuffers({ layouts, inputs: fgraph.inputs, shared, outputs, liveAtEnd: updateValues });

  const steps: Step[] = [];
  for (const { node, viewOnly, folded } of layouts.nodes) {
    if (viewOnly || folded) continue;
    const native = node.op.native?.(node) ?? null;
    const kernel = native?.kernel ?? JS_KERNEL;
    const outputs = node.outputs.map(plan.view);
    if (node.op instanceof Concatenate) {
      const copies = strayPieceCopies(node.op.axis, node.inputs.map(plan.view), outputs[0], copyStep);
      if (copies) {
        steps.push(...copies);
        continue;
      }
    }
    const broadcast = broadcastInputs[kernel] ?? (() => false);
    steps.push({
      kernel,
      opName: node.op.toString(),
      inputs: node.inputs.map((u, i) =>
        broadcast(i, node.inputs.length) ? broadcastView(plan.view(u), outputs[0].shape) : plan.view(u),
      ),
      outputs,
      attrs: native?.attrs ?? {},
      node,
    });
  }

  const outputViews = outputs.map((v, i) => {
    const view = plan.view(v);
    const buffer = plan.buffers[view.buffer];
    if (buffer.role === 'output' && buffer.index === i && isWholeBuffer(view, buffer.size)) return view;
    const own = plan.addBuffer(v, 'output', i);
    steps.push(copyStep(view, own));
    return own;
  });

  // Updates are applied after every step, all reading old values (Theano semantics). A value
  // living in another shared variable's buffer is copied aside first, so no update can see
  // another's result.
  const sharedIndex = new Map(shared.map((s, i) => [s as Variable, i]));
  const updates: ProgramUpdate[] = updateValues.map((v, k) => {
    const target = sharedIndex.get(updateTargets[k])!;
    let view = plan.view(v);
    const expected = sharedShapes[target];
    if (view.shape.length !== expected.length || view.shape.some((d, i) => d !== expected[i])) {
      throw new Error(
        `the update of ${updateTargets[k].toString()} computes a value of shape ${formatShape(view.shape)}, ` +
          `but ${updateTargets[k].toString()} has shape ${formatShape(expected)}; an update must keep the shape`,
      );
    }
    const buffer = plan.buffers[view.buffer];
    const ownValue = buffer.role === 'shared' && buffer.index === target && isWholeBuffer(view, buffer.size);
    if (buffer.role === 'shared' && !ownValue) {
      const aside = plan.addBuffer(v, 'temp', -1);
      steps.push(copyStep(view, aside));
      view = aside;
    }
    return { shared: target, value: view };
  });

  const allShapes = [...inputShapes, ...sharedShapes];
  const allDtypes = [...fgraph.inputs, ...shared].map((v) => v.dtype);
  return {
    signature: shapeSignature(allShapes, allDtypes),
    buffers: plan.buffers,
    steps,
    inputs: fgraph.inputs.map(plan.view),
    outputs: outputViews,
    updates,
  };
}
