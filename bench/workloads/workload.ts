// A benchmark workload: a compiled function and a call that runs one iteration of it.
import type * as T from '../../engine/index.ts';

export interface Workload {
  /** The key in torch_ref.py's output (`${name}_s`) and in the benchmark's JSON line. */
  readonly name: string;
  readonly fn: T.CompiledFunction;
  /** The weights one call trains, by their dotted names (to compare with the reference). */
  readonly params: readonly [string, T.SharedVariable][];
  /** The input values of the next call (problems drawn up front and cycled). */
  readonly nextInputs: () => T.NDArray[];
  /** One iteration on the next inputs; returns the loss it computed. */
  readonly run: () => T.NDArray;
}

/** A workload cycling through `inputs`, one set per call. */
export function cycling(
  name: string,
  fn: T.CompiledFunction,
  params: readonly [string, T.SharedVariable][],
  inputs: readonly T.NDArray[][],
): Workload {
  let k = 0;
  const nextInputs = (): T.NDArray[] => inputs[k++ % inputs.length];
  return { name, fn, params, nextInputs, run: () => fn(...nextInputs()) as T.NDArray };
}
