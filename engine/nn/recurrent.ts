// Helpers shared by the recurrent cells: cutting a fused gate matrix into its gates, and turning
// a sequence argument into the list of per-step inputs of an unrolled loop.
import type { Variable } from '../core/graph.ts';
import { split } from '../ops/join.ts';
import { subtensor } from '../ops/subtensor.ts';

/** Per-step inputs (each [batch, features]) or one [steps, batch, features] tensor of static length. */
export type SequenceInput = readonly Variable[] | Variable;

/**
 * The G gates of a fused LSTM/GRU product: equal pieces of H along the last axis, so it cuts a
 * [rows, G·H] matrix and a [G·H] bias alike. One split node (views, one gradient concatenate)
 * rather than G separate slices.
 */
export function splitGates(z: Variable, count: number, hidden: number): Variable[] {
  return split(z, new Array<number>(count).fill(hidden), z.ndim - 1);
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
  return Array.from({ length: steps }, (_, t) => subtensor(seq, t));
}
