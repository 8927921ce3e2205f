// Pass two of lowering: give every root (a variable owning memory) a buffer. Temporaries reuse
// the buffer of a root that is dead by then (liveness over the step order: a root lives until
// the last step reading it or any view of it); function outputs get buffers of their own, since
// the caller keeps them; inputs, shared variables and constants get one buffer each.
import { isConstant, type SharedVariable, type Variable } from '../core/graph.ts';
import { contiguousStrides, shapeSize } from '../core/ndarray.ts';
import type { Layouts } from './layout.ts';
import type { BufferRole, ProgramBuffer, View } from './program.ts';

export interface BufferPlan {
  readonly buffers: ProgramBuffer[];
  /** Where each variable's elements are, once its step has run. */
  view(v: Variable): View;
  /** A fresh contiguous buffer shaped like `v`, alive for the whole run (for inserted copies). */
  addBuffer(v: Variable, role: 'temp' | 'output', index: number): View;
}

export interface PlanRequest {
  readonly layouts: Layouts;
  readonly inputs: readonly Variable[];
  readonly shared: readonly SharedVariable[];
  /** Function outputs, in order (a variable may appear more than once). */
  readonly outputs: readonly Variable[];
  /** Variables read after the last step (update values). */
  readonly liveAtEnd: readonly Variable[];
}

/** A temporary reuses a free buffer at most this many times its size, or this many elements
 * larger (so small values still share small buffers). */
const MAX_WASTE_RATIO = 4;
const MAX_WASTE_ELEMENTS = 64;

export function planBuffers(request: PlanRequest): BufferPlan {
  const { layouts, inputs, shared, outputs, liveAtEnd } = request;
  const buffers: ProgramBuffer[] = [];
  const bufferOf = new Map<Variable, number>();
  const rootOf = (v: Variable): Variable => layouts.of.get(v)!.root;

  const add = (
    root: Variable,
    role: BufferRole,
    index: number,
    extra: Partial<ProgramBuffer> = {},
  ): number => {
    const id = buffers.length;
    const size = shapeSize(layouts.of.get(root)!.shape);
    buffers.push({ id, dtype: root.dtype, size, role, index, ...extra });
    bufferOf.set(root, id);
    return id;
  };

  // Liveness: the last step (by position) reading each root; Infinity for roots read at the end.
  const lastUse = new Map<Variable, number>();
  layouts.nodes.forEach(({ node, viewOnly, folded }, step) => {
    if (viewOnly || folded) return;
    for (const u of node.inputs) lastUse.set(rootOf(u), Math.max(lastUse.get(rootOf(u)) ?? -1, step));
  });
  for (const v of [...outputs, ...liveAtEnd]) if (layouts.of.has(v)) lastUse.set(rootOf(v), Infinity);

  inputs.forEach((v, k) => add(v, 'input', k));
  const written = new Set(layouts.nodes.flatMap((n) => n.destroyed.filter((r) => r !== null)));
  shared.forEach((v, k) => {
    if (layouts.of.has(v)) add(v, 'shared', k, written.has(v) ? { written: true } : {});
  });

  for (const v of [...outputs, ...liveAtEnd]) {
    if (isConstant(v) && !bufferOf.has(v)) add(v, 'constant', -1, { value: v.value });
  }

  const free: number[] = [];
  const takeTemp = (root: Variable): number => {
    const size = shapeSize(layouts.of.get(root)!.shape);
    // Best fit: the smallest free buffer of the same dtype that is large enough, but not one
    // many times larger: a small value (a sum, a weight gradient) kept alive in a large buffer
    // pins it, and the next large value then needs a new one. Among equal sizes, the one freed
    // last: its memory was touched most recently, so the new value's writes find its lines in
    // cache rather than fetching a long-dead buffer's from memory (the unrolled L2L programs'
    // many same-sized temporaries: 4-5 % of a meta-iteration, against the first one freed).
    const largest = Math.max(MAX_WASTE_RATIO * size, size + MAX_WASTE_ELEMENTS);
    let best = -1;
    for (let k = 0; k < free.length; k++) {
      const b = buffers[free[k]];
      const fits = b.dtype === root.dtype && b.size >= size && b.size <= largest;
      if (fits && (best < 0 || b.size <= buffers[free[best]].size)) best = k;
    }
    if (best < 0) return add(root, 'temp', -1);
    const id = free.splice(best, 1)[0];
    bufferOf.set(root, id);
    return id;
  };

  const outputIndex = new Map<Variable, number>();
  outputs.forEach((v, i) => {
    if (!outputIndex.has(v)) outputIndex.set(v, i);
  });

  layouts.nodes.forEach(({ node, viewOnly, folded }, step) => {
    if (folded) {
      node.outputs.forEach((o, i) => add(o, 'constant', -1, { value: folded[i] }));
      return;
    }
    for (const u of node.inputs) {
      if (isConstant(u) && !bufferOf.has(u)) add(u, 'constant', -1, { value: u.value });
    }
    if (viewOnly) return;
    // A root is placed by the first step writing into it: its own node's, or (a concatenation's
    // output, concatInPlace.ts) the producer of a piece laid out inside it.
    for (const o of node.outputs) {
      const root = rootOf(o);
      if (bufferOf.has(root)) continue;
      const k = outputIndex.get(root);
      if (k !== undefined) add(root, 'output', k);
      else takeTemp(root);
    }
    // Free after placing this step's outputs: a step never writes over what it reads unless it
    // declared so (in-place, where the output's root is the input's root).
    const ending = new Set<Variable>();
    for (const v of [...node.inputs, ...node.outputs]) {
      const root = rootOf(v);
      if ((lastUse.get(root) ?? -1) <= step) ending.add(root);
    }
    for (const root of ending) {
      const id = bufferOf.get(root);
      if (id !== undefined && buffers[id].role === 'temp' && !free.includes(id)) free.push(id);
    }
  });

  const view = (v: Variable): View => {
    const l = layouts.of.get(v);
    const id = l && bufferOf.get(l.root);
    if (!l || id === undefined) throw new Error(`planBuffers: ${v.toString()} has no buffer`);
    return { buffer: id, offset: l.offset, shape: l.shape, strides: l.strides };
  };
  const addBuffer = (v: Variable, role: 'temp' | 'output', index: number): View => {
    const shape = layouts.of.get(v)!.shape;
    const id = buffers.length;
    buffers.push({ id, dtype: v.dtype, size: shapeSize(shape), role, index });
    return { buffer: id, offset: 0, shape, strides: contiguousStrides(shape) };
  };
  return { buffers, view, addBuffer };
}
