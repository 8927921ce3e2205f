// A benchmark workload: a compiled function and a call that runs one iteration of it.
import type * as T from '../../engine/index.ts';

export interface Workload {
  /** The key in torch_ref.py's output (`${name}_s`) and in the benchmark's JSON line. */
  readonly name: string;
  readonly fn: T.CompiledFunction;
  /** One iteration; returns the loss it computed. */
  readonly run: () => T.NDArray;
}
