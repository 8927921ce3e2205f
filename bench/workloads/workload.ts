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
  /**
   * Back to the state the workload was created in: every value a call updates (weights and
   * optimizer moments) and the first problem next. torch_ref.py trains from a fresh start in
   * each process, so a timing that starts here times the same iterations of training. The
   * iterations' cost is not constant: mnist_step's Adam second moments underflow into denormals
   * after a few hundred steps on its one batch, and each later step then takes ~1.7× as long.
   */
  readonly restart: () => void;
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
  // Copies: a backend holding a value may write into the array it was handed.
  const initial = fn.updateTargets.map((v) => {
    const value = v.get();
    return [v, value.astype(value.dtype, true)] as const;
  });
  const restart = (): void => {
    for (const [v, value] of initial) v.set(value.astype(value.dtype, true));
    k = 0;
  };
  return { name, fn, params, nextInputs, run: () => fn(...nextInputs()) as T.NDArray, restart };
}
