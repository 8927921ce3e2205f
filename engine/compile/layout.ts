// Pass one of lowering: every variable's concrete shape, and where its elements live — in its
// own memory (a root) or inside another variable's memory (a view made by a view op, or the
// input an in-place op overwrites). Decided once per input-shape signature, before any buffer
// exists, so the buffer planner only has to place roots.
//
// Shapes are known here, so shape(x) is a constant, and so is any small computation on
// constants and shapes (a mean's element count): those nodes are folded, and a node whose
// value only fed shape(x) is dropped, so it never runs.
import { allocate } from '../core/dtype.ts';
import { isConstant, isShared, type Apply, type Variable } from '../core/graph.ts';
import { contiguousStrides, formatShape, NDArray, shapeSize, type Shape } from '../core/ndarray.ts';
import { ShapeOf } from '../ops/shapeOps.ts';

export interface Layout {
  /** The variable owning the memory (itself when it is a root). */
  readonly root: Variable;
  readonly offset: number;
  readonly shape: Shape;
  readonly strides: readonly number[];
}

export interface NodeLayout {
  readonly node: Apply;
  /** Every output is a view of an input: nothing runs for this node. */
  readonly viewOnly: boolean;
  /** The outputs' values, known at lowering (shapes and arithmetic on them): constants, no step. */
  readonly folded: readonly NDArray[] | null;
  /** Output i overwrites the input whose root is given (in-place), or null. */
  readonly destroyed: readonly (Variable | null)[];
}

export interface Layouts {
  readonly of: Map<Variable, Layout>;
  readonly nodes: readonly NodeLayout[];
}

/** Folding evaluates on the host at lowering; only shape-sized values are worth it. */
const MAX_FOLDED = 64;

function rootLayout(v: Variable, shape: Shape): Layout {
  return { root: v, offset: 0, shape, strides: contiguousStrides(shape) };
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function sameStrides(a: readonly number[], b: readonly number[]): boolean {
  return a.every((s, i) => s === b[i]);
}

function nodeError(node: Apply, message: string): Error {
  return new Error(`${node.op.toString()} (built at ${node.trace}): ${message}`);
}

/**
 * Run `perform` on stand-in values to learn what shapes it makes and which outputs alias an
 * input. Inputs laid out as views get a stand-in with the same offset and strides, so a view
 * op's output strides can be read straight off its result. Constants and values known at
 * lowering keep their real values (a reshape's target shape, an index list).
 */
function probe(
  node: Apply,
  layouts: Map<Variable, Layout>,
  known: ReadonlyMap<Variable, NDArray>,
): { results: NDArray[]; standIns: NDArray[] } {
  const standIns = node.inputs.map((u) => {
    if (isConstant(u)) return u.value;
    const value = known.get(u);
    if (value) return value;
    const l = layouts.get(u)!;
    const extent = l.shape.reduce((end, d, i) => end + (d - 1) * l.strides[i], l.offset + 1);
    const size = shapeSize(l.shape) === 0 ? 0 : extent;
    return new NDArray(allocate(u.dtype, size), l.shape, l.strides, l.offset);
  });
  try {
    return { results: node.op.perform(standIns, node), standIns };
  } catch (error) {
    throw nodeError(
      node,
      `could not determine its output shapes (${(error as Error).message}); give the op an inferShape`,
    );
  }
}

/**
 * Layouts for the nodes in `order`, given the shapes of the inputs and shared variables
 * (`leafShapes`). `outputs` may include leaves (a function returning its input).
 */
export function computeLayouts(
  order: readonly Apply[],
  leafShapes: ReadonlyMap<Variable, Shape>,
  outputs: readonly Variable[],
): Layouts {
  const of = new Map<Variable, Layout>();
  for (const [v, shape] of leafShapes) of.set(v, rootLayout(v, shape));
  const leaf = (v: Variable): void => {
    if (of.has(v)) return;
    if (!isConstant(v)) throw new Error(`lowering: no shape for leaf ${v.toString()}`);
    of.set(v, rootLayout(v, v.value.shape));
  };
  for (const v of outputs) if (!v.owner) leaf(v);
  const nodes: NodeLayout[] = [];
  const known = new Map<Variable, NDArray>();
  for (const node of order) {
    for (const u of node.inputs) if (!u.owner) leaf(u);
    const inShapes = node.inputs.map((u) => of.get(u)!.shape);
    const alias = node.op.aliasMap?.() ?? {};
    const views = alias.views ?? {};
    const hasViews = Object.keys(views).length > 0;
    let outShapes: Shape[];
    let probed: { results: NDArray[]; standIns: NDArray[] } | null = null;
    if (node.op.inferShape && !hasViews) {
      try {
        outShapes = node.op.inferShape(node, inShapes);
      } catch (error) {
        throw nodeError(
          node,
          `${(error as Error).message} (input shapes ${inShapes.map(formatShape).join(', ')})`,
        );
      }
    } else {
      probed = probe(node, of, known);
      outShapes = probed.results.map((r) => r.shape);
    }
    node.outputs.forEach((o, i) => {
      const mismatch = o.type.shapeMismatch(outShapes[i]);
      if (mismatch)
        throw nodeError(
          node,
          `output ${i} has ${mismatch} (input shapes ${inShapes.map(formatShape).join(', ')})`,
        );
    });

    const inputsKnown = node.inputs.every((u) => isConstant(u) || known.has(u));
    if (node.op instanceof ShapeOf || (inputsKnown && outShapes.every((s) => shapeSize(s) <= MAX_FOLDED))) {
      const folded =
        node.op instanceof ShapeOf
          ? [NDArray.from(inShapes[0], [inShapes[0].length], 'int32')]
          : node.op.perform(
              node.inputs.map((u) => (isConstant(u) ? u.value : known.get(u)!)),
              node,
            );
      node.outputs.forEach((o, i) => {
        known.set(o, folded[i]);
        of.set(o, rootLayout(o, outShapes[i]));
      });
      nodes.push({ node, viewOnly: false, folded, destroyed: node.outputs.map(() => null) });
      continue;
    }

    // Views: the probe shows which outputs really share an input's memory (a reshape of a
    // non-contiguous input copies, for instance).
    const viewLayouts = node.outputs.map((_, i) => {
      if (!probed || views[i] === undefined) return null;
      const j = views[i];
      const result = probed.results[i];
      if (result.data !== probed.standIns[j].data || isConstant(node.inputs[j])) return null;
      const source = of.get(node.inputs[j])!;
      return { root: source.root, offset: result.offset, shape: result.shape, strides: result.strides };
    });
    const viewOnly = viewLayouts.every((l) => l !== null);

    const destroys = alias.destroys ?? {};
    const destroyed = node.outputs.map((o, i) => {
      const j = destroys[i];
      if (viewOnly || j === undefined) return null;
      // The in-place rewrite vouched that the input is dead afterwards; here we only make sure
      // the input covers its whole memory (a chain of in-place ops does) and that the memory is
      // writable: a caller's input array or a constant never is.
      const source = of.get(node.inputs[j])!;
      const root = of.get(source.root)!;
      const covers =
        source.offset === 0 &&
        sameShape(source.shape, root.shape) &&
        sameStrides(source.strides, root.strides);
      // A value folded at lowering lives in a constant buffer that later calls read again.
      const writable = (source.root.owner !== null && !known.has(source.root)) || isShared(source.root);
      return covers && writable && o.dtype === source.root.dtype && sameShape(source.shape, outShapes[i])
        ? source.root
        : null;
    });

    node.outputs.forEach((o, i) => {
      const destroyedRoot = destroyed[i];
      if (viewOnly) of.set(o, viewLayouts[i]!);
      else if (destroyedRoot) of.set(o, { ...of.get(destroyedRoot)! });
      else of.set(o, rootLayout(o, outShapes[i]));
    });
    nodes.push({ node, viewOnly, folded: null, destroyed });
  }
  return { of, nodes: withoutUnused(nodes, outputs) };
}

/** The nodes some output still needs once folded values stop depending on their inputs. */
function withoutUnused(nodes: readonly NodeLayout[], outputs: readonly Variable[]): NodeLayout[] {
  const byNode = new Map(nodes.map((n) => [n.node, n]));
  const needed = new Set<Apply>();
  const stack = outputs.map((v) => v.owner).filter((n): n is Apply => n !== null);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (needed.has(node)) continue;
    needed.add(node);
    if (byNode.get(node)?.folded) continue;
    for (const u of node.inputs) if (u.owner) stack.push(u.owner);
  }
  return nodes.filter((n) => needed.has(n.node));
}
