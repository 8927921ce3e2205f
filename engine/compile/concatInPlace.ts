// Pass 1¾ of lowering: a concatenation's pieces computed straight into its output. Where a piece
// is made by an elementwise step and read by nothing but the concatenation, its layout becomes
// its slab of the concatenation's output (offset, the output's strides), so the producer writes
// it there and the copy never runs. The gradient of a split is such a concatenation: the LSTM's
// four gate gradients, 1280 × 20 each, joined into 1280 × 80 at every time step of the L2L
// unroll, were a copy of 400 KB per step in rows of 20.
//
// Only elementwise producers and fills are redirected: every backend's elementwise kernel writes
// through an output's strides (the CUDA tape itself lowers a concatenation to elementwise copies into
// such slabs); the other kernels are not all known to. The buffer planner places the output's
// memory when the first piece is written (planBuffers.ts), and lowering copies the pieces that
// stayed apart (lower.ts). The same operations on the same values: results do not change.
import type { Apply, Variable } from '../core/graph.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';
import { Concatenate } from '../ops/join.ts';
import { Fill } from '../ops/shapeOps.ts';
import type { Layout, Layouts, NodeLayout } from './layout.ts';
import type { Step, View } from './program.ts';

/** The kernel whose outputs may be any strided view, in every backend. */
const STRIDED_OUTPUT_KERNEL = 'elementwise';

function writesStridedOutputs(entry: NodeLayout): boolean {
  if (entry.viewOnly || entry.folded) return false;
  // A Fill writes one value through its output's strides everywhere: the native fill kernel
  // copies it as a broadcast view, the CUDA tape runs it as an elementwise step, the js backend
  // copies perform's result into the planned view. The gradient of a split whose piece is
  // unused is such a Fill of zeros: MNIST's first time step's f-gate gradient (c₀ = 0), a
  // 15,910 × 20 fill copied into its window of dz, twice a meta-iteration.
  if (entry.node.op instanceof Fill) return true;
  return entry.node.op.native?.(entry.node)?.kernel === STRIDED_OUTPUT_KERNEL;
}

/**
 * The piece can be written into a slab of `concat`'s output: an elementwise step makes it, into
 * memory of its own or over a dead input (in place: then it writes the slab instead, which
 * the kernel does not mind), and only the concatenation reads it.
 */
function movable(
  piece: Variable,
  concat: Apply,
  entries: Map<Apply, NodeLayout>,
  fgraph: FunctionGraph,
): boolean {
  const producer = piece.owner && entries.get(piece.owner);
  if (!producer || !writesStridedOutputs(producer)) return false;
  const clients = fgraph.clients(piece);
  return clients.length === 1 && clients[0].node === concat;
}

/** `layouts` with the movable pieces of every concatenation laid out in its output. */
export function concatenateInPlace(layouts: Layouts, fgraph: FunctionGraph): Layouts {
  const entries = new Map<Apply, NodeLayout>(layouts.nodes.map((e) => [e.node, e]));
  const of = new Map(layouts.of);
  /** Producers that wrote a moved piece in place, and which outputs no longer do. */
  const undone = new Map<Apply, Set<number>>();
  for (const { node, viewOnly, folded } of layouts.nodes) {
    if (!(node.op instanceof Concatenate) || viewOnly || folded) continue;
    const out = node.outputs[0];
    const target = of.get(out)!;
    if (target.root !== out) continue;
    const axis = node.op.axis;
    let start = 0;
    for (const piece of node.inputs) {
      const shape = of.get(piece)!.shape;
      if (movable(piece, node, entries, fgraph)) {
        const slab: Layout = {
          root: out,
          offset: target.offset + start * target.strides[axis],
          shape,
          strides: target.strides,
        };
        of.set(piece, slab);
        const producer = piece.owner!;
        const outputs = undone.get(producer) ?? new Set<number>();
        undone.set(producer, outputs.add(producer.outputs.indexOf(piece)));
      }
      start += shape[axis];
    }
  }
  const nodes = layouts.nodes.map((entry) => {
    const outputs = undone.get(entry.node);
    if (!outputs) return entry;
    return { ...entry, destroyed: entry.destroyed.map((root, i) => (outputs.has(i) ? null : root)) };
  });
  return { of, nodes };
}

/**
 * The steps of a concatenation some of whose pieces were laid out in its output: a copy of each
 * other piece into its slab, and nothing for the pieces already there. Null when no piece is in
 * place (the concatenation runs as its own kernel).
 */
export function strayPieceCopies(
  axis: number,
  pieces: readonly View[],
  out: View,
  copy: (from: View, to: View) => Step,
): Step[] | null {
  let start = 0;
  let inPlace = false;
  const copies: Step[] = [];
  for (const piece of pieces) {
    const slab: View = { ...out, offset: out.offset + start * out.strides[axis], shape: piece.shape };
    start += piece.shape[axis];
    if (piece.buffer === slab.buffer && piece.offset === slab.offset) inPlace = true;
    else copies.push(copy(piece, slab));
  }
  return inPlace ? copies : null;
}
