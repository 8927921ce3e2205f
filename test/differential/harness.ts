// The differential harness: the same graph compiled on the `js` backend in float64 (the
// reference, ops' perform) and on the native `cpu` backend in float32; results must agree within
// float32 tolerance. Graphs are built by a function of the float dtype so each side gets its own
// typed graph; float inputs are rounded to float32 once and fed to both sides, so the only
// differences left are the arithmetic's. (A case may run the cpu side in float64 instead, to
// check the float64 kernels at float64 precision.)
import { expect } from 'vitest';
import type { NativeExecutable } from '../../engine/backends/cpu/executable.ts';
import { recordingCpu } from '../../engine/backends/cpu/recording.ts';
import { jsBackend } from '../../engine/backends/js.ts';
import type { DType } from '../../engine/core/dtype.ts';
import type { Variable } from '../../engine/core/graph.ts';
import { formatShape, NDArray } from '../../engine/core/ndarray.ts';
import { fn } from '../../engine/compile/fn.ts';

export type FloatDType = 'float32' | 'float64';

export interface Built {
  inputs: Variable[];
  outputs: Variable[];
}

export interface DiffCase {
  name: string;
  /** The graph in float dtype `f` (inputs declared with it where they are floats). */
  build: (f: FloatDType) => Built;
  /** Input values; float ones are given in float64 and cast per side. */
  values: NDArray[];
  /** Relative tolerance (default 2e-4), scaled by the output's largest magnitude. */
  rtol?: number;
  /** Every step of the cpu program must run natively (no JavaScript segment). */
  allNative?: boolean;
  /**
   * The reference's float dtype (default float64). Random draws are float32 on both sides: the
   * Philox spec draws at the dtype's precision, so float64 draws are different numbers.
   */
  reference?: FloatDType;
  /** The float dtype the cpu side runs in (default float32; float64 checks the f64 kernels). */
  native?: FloatDType;
}

function isFloatArray(a: NDArray): boolean {
  return a.dtype === 'float32' || a.dtype === 'float64';
}

/** The float32-rounded value, as `dtype` (what both sides are fed). */
export function asInput(a: NDArray, dtype: FloatDType): NDArray {
  if (!isFloatArray(a)) return a;
  const rounded = a.astype('float32');
  return dtype === 'float32' ? rounded : rounded.astype('float64');
}

/** Largest finite magnitude in `a` (1 for an empty or all-zero array). */
function scale(a: NDArray): number {
  let m = 0;
  for (const v of a.toFlat()) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return Math.max(m, 1);
}

export function expectAgree(name: string, cpu: NDArray, ref: NDArray, rtol: number, dtype: DType): void {
  const where = `${name}: cpu ${cpu.dtype}${formatShape(cpu.shape)} vs js ${ref.dtype}${formatShape(ref.shape)}`;
  expect(cpu.shape, where).toEqual(ref.shape);
  expect(cpu.dtype, where).toBe(dtype);
  const got = cpu.toFlat();
  const want = ref.toFlat();
  const tol = rtol * scale(ref);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i], want[i]];
    if (Number.isNaN(w)) {
      expect(Number.isNaN(g), `${where}: element ${i} is ${g}, the reference NaN`).toBe(true);
    } else if (!Number.isFinite(w)) {
      expect(g, `${where}: element ${i}`).toBe(w);
    } else if (Math.abs(g - w) > tol + rtol * Math.abs(w)) {
      expect.fail(`${where}: element ${i} is ${g}, the reference ${w} (tolerance ${tol})`);
    }
  }
}

/** The dtype a reference output has on the cpu side: floats in `native`, others unchanged. */
function cpuDtype(d: DType, native: FloatDType): DType {
  return d === 'float64' || d === 'float32' ? native : d;
}

/** Compiles `c` on both backends, runs it, compares; returns the cpu executables prepared. */
export function runDifferential(c: DiffCase): NativeExecutable[] {
  const refDtype = c.reference ?? 'float64';
  const ref = c.build(refDtype);
  const native = c.native ?? 'float32';
  const mine = c.build(native);
  const js = fn(ref.inputs, ref.outputs, { backend: jsBackend })(
    ...c.values.map((v) => asInput(v, refDtype)),
  );
  const { backend, prepared } = recordingCpu();
  const cpu = fn(mine.inputs, mine.outputs, { backend })(...c.values.map((v) => asInput(v, native)));
  const [jsOut, cpuOut] = [js, cpu].map((r) => (Array.isArray(r) ? r : [r]));
  ref.outputs.forEach((v, i) =>
    expectAgree(`${c.name} output ${i}`, cpuOut[i], jsOut[i], c.rtol ?? 2e-4, cpuDtype(v.dtype, native)),
  );
  if (c.allNative) {
    for (const e of prepared) {
      const js = e.program.steps.filter((_, i) => e.jsSteps[i]).map((s) => s.opName);
      expect(js, `${c.name}: steps that ran as JavaScript segments`).toEqual([]);
    }
  }
  return prepared;
}
