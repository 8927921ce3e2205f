// Short labels shared by the printers: Theano-style ids (A, B, …, Z, BA, …) and how a leaf
// variable is named.
import { isConstant, isShared, type Variable } from '../core/graph.ts';
import { isFloat } from '../core/dtype.ts';

/** Bijective base-26 over A..Z: 0 → A, 25 → Z, 26 → BA (as Theano's debugprint counts). */
export function idLabel(n: number): string {
  let s = '';
  let k = n;
  do {
    s = String.fromCharCode(65 + (k % 26)) + s;
    k = Math.floor(k / 26);
  } while (k > 0);
  return s;
}

/** A number as a reader expects it: float values keep a decimal point (2.0, not 2). */
export function formatNumber(value: number, dtype: string): string {
  return isFloat(dtype as never) && Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** A leaf's label: `x`, `W` (shared), `TensorConstant{2.0}` or `TensorConstant{float32(3,)}`. */
export function leafLabel(v: Variable): string {
  if (isConstant(v)) {
    if (v.name) return v.name;
    const inner = v.value.size === 1 ? formatNumber(v.value.data[0], v.dtype) : v.type.toString();
    return `TensorConstant{${inner}}`;
  }
  if (isShared(v)) return v.name ?? `<shared ${v.type.toString()}>`;
  return v.name ?? `<${v.type.toString()}>`;
}
