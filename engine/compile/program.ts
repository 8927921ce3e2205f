// The program: what compilation hands to a backend (format documented in PROGRAM.md). A linear
// list of kernel calls over planned buffers, specialised to one set of input shapes. Everything
// here is plain data except `Step.node`, which a backend needs only for `js` steps.
import type { DType } from '../core/dtype.ts';
import type { Apply, PropValue } from '../core/graph.ts';
import type { NDArray } from '../core/ndarray.ts';

export type BufferRole = 'input' | 'output' | 'shared' | 'temp' | 'constant';

export interface ProgramBuffer {
  readonly id: number;
  readonly dtype: DType;
  /** Elements (not bytes). */
  readonly size: number;
  readonly role: BufferRole;
  /** input: the function input's position; output: the output's position; shared: index into `shared`. */
  readonly index: number;
  /** constant: the value (contiguous, `size` elements). */
  readonly value?: NDArray;
  /** shared: a step writes into it (an in-place update), so a backend must not share it with a reader. */
  readonly written?: boolean;
}

/** A strided window onto a buffer; offset and strides in elements. */
export interface View {
  readonly buffer: number;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

export interface Step {
  /** A native executor kernel name, `copy` (strided copy), or `js` (call `node.op.perform`). */
  readonly kernel: string;
  readonly opName: string;
  readonly inputs: readonly View[];
  readonly outputs: readonly View[];
  readonly attrs: Readonly<Record<string, PropValue>>;
  /** The node this step computes (null for `copy` steps the compiler adds). */
  readonly node: Apply | null;
}

/** Shared variable `shared` takes the value in `value` once every step has run. */
export interface ProgramUpdate {
  readonly shared: number;
  readonly value: View;
}

export interface Program {
  /** The input shapes this program is specialised to, e.g. `float32(128,784)|float32(128,)`. */
  readonly signature: string;
  readonly buffers: readonly ProgramBuffer[];
  readonly steps: readonly Step[];
  /** Where each function input is read from (contiguous views of `input` buffers). */
  readonly inputs: readonly View[];
  /** Where each function output is found after the run (views of `output` buffers). */
  readonly outputs: readonly View[];
  readonly updates: readonly ProgramUpdate[];
}

/** The kernel name of steps that run an op's `perform` in JavaScript. */
export const JS_KERNEL = 'js';
/** The kernel name of the strided copies the compiler inserts. */
export const COPY_KERNEL = 'copy';
