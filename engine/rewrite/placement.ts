// Device placement (Theano's GPU optimizer, reduced to its one decision): on a device backend
// every op with a device kernel runs on the device, and host↔device transfers appear only around
// the ops that lack one — a TypeScript-only user op, say. Such a node is rebuilt on
// `HostFromGpu` views of its inputs and its outputs are wrapped in `GpuFromHost`, so debugprint
// shows exactly where values cross, as Theano's graphs did. A transfer that would go straight
// back (HostFromGpu of a GpuFromHost) is skipped: two host ops in a row exchange host values.
//
// The transfer ops are views (no program step): the device backend's executor moves the data
// at the host step itself (native/cuda/executor.cu copies a host step's inputs out and its
// outputs back), so the graph records where transfers happen and the executor does them.
import { isConstant, type Apply, type GradEntry, type Op, type Variable } from '../core/graph.ts';
import { PassThrough } from '../ops/control.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';
import { applyNodeRewrites, type GraphRewrite } from './rewrite.ts';

/** A value crossing between host and device; the same value, a view of its input. */
abstract class Transfer extends PassThrough {
  /** The gradient crosses back the other way (Theano: grad of GpuFromHost is HostFromGpu). */
  override grad(_node: Apply, [gz]: readonly (Variable | null)[]): GradEntry[] {
    return [gz];
  }
}

/** A device value brought to the host for an op without a device kernel. */
export class HostFromGpu extends Transfer {}

/** A host value (an output of such an op) moved to the device. */
export class GpuFromHost extends Transfer {}

export function isTransfer(op: Op): boolean {
  return op instanceof Transfer;
}

/** Ops that only reinterpret memory (views) run wherever their input lives. */
function isViewOnly(node: Apply): boolean {
  const views = node.op.aliasMap?.().views;
  return views !== undefined && Object.keys(views).length > 0 && !node.op.native?.(node);
}

function onHost(v: Variable): Variable {
  if (isConstant(v)) return v;
  if (v.owner?.op instanceof GpuFromHost) return v.owner.inputs[0];
  return new HostFromGpu().apply(v);
}

/**
 * The placement rewrite for a device whose kernels `hasDeviceKernel` recognises. Apply it after
 * every other rewrite (it only adds views around host nodes, and only once per node).
 */
export function placement(hasDeviceKernel: (node: Apply) => boolean): GraphRewrite {
  return {
    name: 'placement',
    applyGraph(fgraph: FunctionGraph): void {
      const placed = new WeakSet<Apply>();
      applyNodeRewrites(fgraph, [
        {
          name: 'placement',
          apply(node) {
            if (placed.has(node) || isTransfer(node.op) || isViewOnly(node) || hasDeviceKernel(node))
              return null;
            const moved = node.op.makeNode(...node.inputs.map(onHost));
            moved.site = node.site;
            placed.add(moved);
            return moved.outputs.map((o) => new GpuFromHost().apply(o));
          },
        },
      ]);
    },
  };
}
