// createProgram's crossing form. Compilers emit a ProgramSpec of objects (native/program.ts);
// native/addon.ts packs its views and its elementwise expression trees here into flat typed
// arrays, which the executor reads without a Node-API property lookup per field — read as
// objects, an unrolled graph's ~10^4 views and expression nodes were most of createProgram's
// time. Everything else (buffers, kernels, other attrs, callbacks) crosses as it is.
//
// The structure is checked here and a bad field is named as the executor names it
// ("createProgram: steps[3] 'Add': inputs[0]: shape must be an array"); the numbers' ranges
// (integers, buffers, dimensions) are checked by the executor (native/src/program_binding.cc).
import { NATIVE_DTYPE_CODES, type NativeDType, type ProgramSpec, type View } from './program.ts';

/** A step as the executor reads it once its views and expressions are packed. */
export interface WireStep {
  readonly kernel: string;
  readonly attrs?: object;
}

/** What crosses to the executor: the spec, with its numbers packed. */
export interface WireSpec extends Omit<ProgramSpec, 'steps'> {
  readonly steps: readonly WireStep[];
  /** Every step's input then output views in step order, each
   * [buffer, offset, shape length, strides length, ...shape, ...strides]. */
  readonly views: Float64Array;
  /** Three per step: its input and output view counts, and where its expressions start in
   * `exprs` (-1 for a step without). */
  readonly layout: Int32Array;
  /** Per elementwise step: its tree count, then per tree its node count and its nodes in
   * post-order, four numbers each: kind (0 input, 1 const, 2 op), the input index or the op's
   * code, the constant, the cast dtype's code or -1. */
  readonly exprs: Float64Array;
}

/** A Float64Array filled from the front, grown by doubling. Written in plain indexed stores:
 * a new process packs its first programs before the JIT has optimised anything, and pushes
 * onto a number[] (or rest arguments) cost more there than the executor's whole parse. */
class Numbers {
  data: Float64Array;
  length = 0;

  constructor(capacity: number) {
    this.data = new Float64Array(capacity);
  }

  /** Room for `count` more numbers; returns where they start. */
  reserve(count: number): number {
    const at = this.length;
    if (at + count > this.data.length) {
      const grown = new Float64Array(2 * (at + count));
      grown.set(this.data);
      this.data = grown;
    }
    this.length = at + count;
    return at;
  }

  /** The numbers written, as an exact-length array. */
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** A malformed field, named relative to its step. */
class FieldError extends Error {}

/** A first guess at the packed views' size: a step has ~3 views of ~2 dimensions. */
const VIEW_NUMBERS_PER_STEP = 32;

/** Where an expression node sits, rendered only for an error ("outputs[0].args[1]"). */
interface ExprPath {
  readonly parent: ExprPath | null;
  readonly index: number;
}

function pathText(p: ExprPath): string {
  return p.parent ? `${pathText(p.parent)}.args[${p.index}]` : `outputs[${p.index}]`;
}

/** A number as the executor checks it: absent → the default, anything but a number → NaN. */
function numberOr(value: unknown, absent: number): number {
  if (typeof value === 'number') return value;
  return value === undefined ? absent : NaN;
}

function packViews(out: Numbers, list: unknown, key: string): number {
  if (!Array.isArray(list)) throw new FieldError(`${key} must be an array`);
  for (let i = 0; i < list.length; i++) {
    const view = list[i] as View | null;
    if (typeof view !== 'object' || view === null) {
      throw new FieldError(`${key}[${i}]: must be a view {buffer, offset, shape, strides}`);
    }
    const shape: unknown = view.shape;
    const strides: unknown = view.strides;
    if (!Array.isArray(shape)) throw new FieldError(`${key}[${i}]: shape must be an array`);
    if (!Array.isArray(strides)) throw new FieldError(`${key}[${i}]: strides must be an array`);
    const at = out.reserve(4 + shape.length + strides.length);
    const data = out.data;
    data[at] = numberOr(view.buffer, -1);
    data[at + 1] = numberOr(view.offset, 0);
    data[at + 2] = shape.length;
    data[at + 3] = strides.length;
    for (let k = 0; k < shape.length; k++) data[at + 4 + k] = numberOr(shape[k], NaN);
    for (let k = 0; k < strides.length; k++) data[at + 4 + shape.length + k] = numberOr(strides[k], NaN);
  }
  return list.length;
}

/** The elementwise op codes, by name: the executor's own list (addon.elementwiseOps). */
export type OpCodes = ReadonlyMap<string, number>;

/** One expression node: its four numbers. */
function node(out: Numbers, kind: number, operand: number, value: number, cast: number): void {
  const at = out.reserve(4);
  out.data[at] = kind;
  out.data[at + 1] = operand;
  out.data[at + 2] = value;
  out.data[at + 3] = cast;
}

function packExpr(out: Numbers, expr: unknown, path: ExprPath, ops: OpCodes): void {
  if (typeof expr !== 'object' || expr === null) {
    throw new FieldError(`${pathText(path)} must be {input}, {const} or {op, args}`);
  }
  const e = expr as Record<string, unknown>;
  if (e.input !== undefined) {
    if (!Number.isInteger(e.input)) {
      const got = typeof e.input === 'number' ? `, got ${e.input}` : '';
      throw new FieldError(`${pathText(path)}: input must be an integer${got}`);
    }
    node(out, 0, e.input as number, 0, -1);
  } else if (e.const !== undefined) {
    if (typeof e.const !== 'number') throw new FieldError(`${pathText(path)}: const must be a number`);
    node(out, 1, 0, e.const, -1);
  } else if (e.op !== undefined) {
    if (typeof e.op !== 'string') throw new FieldError(`${pathText(path)}: op must be a string`);
    const code = ops.get(e.op);
    if (code === undefined) throw new FieldError(`${pathText(path)}: unknown elementwise op '${e.op}'`);
    let cast = -1;
    if (e.op === 'cast' && e.dtype !== undefined) {
      cast = NATIVE_DTYPE_CODES[e.dtype as NativeDType] ?? -1;
      if (cast < 0) {
        throw new FieldError(
          `${pathText(path)}: dtype must be 'float32', 'float64', 'int32' or 'bool', got '${String(e.dtype)}'`,
        );
      }
    }
    if (e.args !== undefined) {
      if (!Array.isArray(e.args)) throw new FieldError(`${pathText(path)}: args must be an array`);
      for (let i = 0; i < e.args.length; i++) packExpr(out, e.args[i], { parent: path, index: i }, ops);
    }
    node(out, 2, code, 0, cast);
  } else {
    throw new FieldError(`${pathText(path)} must have one of input, const or op`);
  }
}

function packExprs(out: Numbers, trees: unknown, ops: OpCodes): void {
  if (!Array.isArray(trees)) throw new FieldError('outputs must be an array');
  const at = out.reserve(1); // (before reading out.data: reserving may replace it)
  out.data[at] = trees.length;
  for (let o = 0; o < trees.length; o++) {
    const countAt = out.reserve(1);
    packExpr(out, trees[o], { parent: null, index: o }, ops);
    out.data[countAt] = (out.length - countAt - 1) / 4;
  }
}

/** Packs `spec` for createProgram; throws naming the step and field of a malformed view or node. */
export function toWire(spec: ProgramSpec, ops: OpCodes): WireSpec {
  const views = new Numbers(VIEW_NUMBERS_PER_STEP * (spec.steps?.length ?? 0) + 64);
  const exprs = new Numbers(1024);
  const steps: unknown = spec.steps;
  const count = Array.isArray(steps) ? steps.length : 0;
  const layout = new Int32Array(3 * count);
  for (let i = 0; i < count; i++) {
    const step: unknown = (steps as unknown[])[i];
    layout[3 * i + 2] = -1;
    // A step that is not an object, or has no kernel, is the executor's to report.
    if (typeof step !== 'object' || step === null) continue;
    const { kernel, attrs, inputs, outputs } = step as Record<string, unknown>;
    const a = (typeof attrs === 'object' && attrs !== null ? attrs : {}) as Record<string, unknown>;
    try {
      layout[3 * i] = packViews(views, inputs, 'inputs');
      layout[3 * i + 1] = packViews(views, outputs, 'outputs');
      if (kernel === 'elementwise') {
        layout[3 * i + 2] = exprs.length;
        packExprs(exprs, a.outputs, ops);
      }
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      const name = typeof a.opName === 'string' ? a.opName : String(kernel);
      throw new Error(`createProgram: steps[${i}] '${name}': ${error.message}`, { cause: error });
    }
  }
  return { ...spec, views: views.toArray(), layout, exprs: exprs.toArray() };
}
