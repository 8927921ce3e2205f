// Helpers shared by the recurrent cells: cutting a fused gate matrix into its gates, and turning
// a sequence argument into the list of per-step inputs of an unrolled loop.
import type { Variable } from '../core/graph.ts';
import { NDArray } from '../core/ndarray.ts';
import { take } from '../ops/take.ts';

/** Per-step inputs (each [batch, features]) or one [steps, batch, features] tensor of static length. */
export type SequenceInput = readonly Variable[] | Variable;

/**
 * Gate k of a fused LSTM/GRU product: entries k·H … (k+1)·H - 1 of the last axis, so it cuts a
 * [rows, G·H] matrix and a [G·H] bias alike.
 */
export function gateColumns(z: Variable, k: number, hidden: number): Variable {
  const columns = NDArray.from(
    Array.from({ length: hidden }, (_, j) => k * hidden + j),
    [hidden],
    'int32',
  );
  return take(z, columns, z.ndim - 1);
}

export function unrollInputs(xs: SequenceInput, layer: string): Variable[] {
  if (Array.isArray(xs)) return [...(xs as readonly Variable[])];
  const seq = xs as Variable;
  const steps = seq.staticShape[0];
  if (seq.ndim !== 3 || steps === null) {
    throw new Error(
      `${layer}: a sequence tensor must be [steps, batch, features] with a static number of steps ` +
        `(the loop is unrolled when the graph is built), got ${seq.type.toString()}; ` +
        'declare it with T.tensor(dtype, [steps, null, features]) or pass a list of per-step inputs',
    );
  }
  return Array.from({ length: steps }, (_, t) => take(seq, t, 0));
}
