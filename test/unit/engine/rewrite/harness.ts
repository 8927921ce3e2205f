// Helpers for rewrite tests: rewrite a graph with some phases, list its ops, and check that the
// rewritten function computes what the unrewritten one does (the unrewritten graph run with
// each op's perform is the reference).
import { expect } from 'vitest';
import type { Variable } from '../../../../engine/core/graph.ts';
import { Composite, type CompositeExpr } from '../../../../engine/ops/composite.ts';
import type { ScalarOpName } from '../../../../engine/ops/scalar.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import { FunctionGraph } from '../../../../engine/graph/functionGraph.ts';
import {
  isGraphRewrite,
  applyNodeRewrites,
  type NodeRewrite,
  type Rewrite,
} from '../../../../engine/rewrite/rewrite.ts';

export function rewritten(
  inputs: readonly Variable[],
  outputs: readonly Variable[],
  rewrites: readonly Rewrite[],
): FunctionGraph {
  const fgraph = FunctionGraph.fromUserGraph(inputs, outputs);
  const local = rewrites.filter((r): r is NodeRewrite => !isGraphRewrite(r));
  // Node rewrites run together to a fixed point, as in a phase of the pipeline.
  if (local.length > 0) applyNodeRewrites(fgraph, local);
  for (const r of rewrites) if (isGraphRewrite(r)) r.applyGraph(fgraph);
  return fgraph;
}

/** The ops of the graph in execution order, as printed. */
export function opsOf(fgraph: FunctionGraph): string[] {
  return fgraph.toposort().map((n) => n.op.toString());
}

/** Outputs with every rewrite vs with none, on the same inputs. */
export function expectSameResults(
  inputs: readonly Variable[],
  outputs: readonly Variable[],
  values: readonly NDArray[],
  tolerance = 1e-6,
): void {
  const reference = fn(inputs, outputs, { mode: { exclude: ['all'] }, backend: 'js' })(
    ...values,
  ) as NDArray[];
  const optimised = fn(inputs, outputs, { backend: 'js' })(...values) as NDArray[];
  optimised.forEach((out, i) => {
    expect(out.shape).toEqual(reference[i].shape);
    const want = reference[i].toFlat();
    out.toFlat().forEach((v, k) => expect(v).toBeCloseTo(want[k], -Math.log10(tolerance)));
  });
}

/** A float32 array of `shape` whose k-th element (row-major) is f(k): test data by formula. */
export function float32Of(shape: readonly number[], f: (k: number) => number): NDArray {
  const size = shape.reduce((a, b) => a * b, 1);
  return NDArray.from(
    Array.from({ length: size }, (_, k) => f(k)),
    [...shape],
    'float32',
  );
}

/** Composite expressions written by hand: input k, and an op over arguments. */
export const i = (input: number): CompositeExpr => ({ input });
export const op = (name: ScalarOpName, ...args: CompositeExpr[]): CompositeExpr => ({ op: name, args });

/** A composite node built by hand, so each test controls exactly which composites exist. */
export function composite(exprs: CompositeExpr[], ...inputs: Variable[]): readonly Variable[] {
  return new Composite(
    exprs,
    inputs.map((v) => v.dtype),
  ).makeNode(...inputs).outputs;
}
