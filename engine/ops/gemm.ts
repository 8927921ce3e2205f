// Gemm: out = beta·C + alpha·op(A)·op(B), op(X) = X or Xᵀ (BLAS's gemm). Users never build it:
// the specialize rewrite turns dot + add (and scaled or transposed variants) into one Gemm, so
// the matrix product, the scaling, the addition and the transposes are one kernel call with no
// temporaries. Inputs are (A, B, C), the native gemm kernel's order; C broadcasts to the output
// shape like NumPy (a bias row, a scalar; lowering hands the kernel a stride-0 view), and without
// C (beta = 0) the node has inputs (A, B) only. In place, the output overwrites C.
import { broadcastIndices } from '../core/broadcast.ts';
import { allocate, isFloat } from '../core/dtype.ts';
import { Op, type AliasMap, type Apply, type NativeKernel, type Variable } from '../core/graph.ts';
import { formatShape, NDArray, type Shape } from '../core/ndarray.ts';
import { TensorType, type Dim } from '../core/type.ts';

export interface GemmParams {
  readonly alpha: number;
  readonly beta: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly inplace?: boolean;
}

export class Gemm extends Op {
  constructor(params: GemmParams) {
    const { alpha, beta, transA, transB, inplace = false } = params;
    if (inplace && beta === 0) throw new Error('Gemm: an in-place gemm needs a C input (beta ≠ 0)');
    super({ alpha, beta, transA, transB, ...(inplace ? { inplace } : {}) });
  }

  get params(): GemmParams {
    return this.props as unknown as GemmParams;
  }

  get inplace(): boolean {
    return this.props.inplace === true;
  }

  /** Does the node read a C input (inputs A, B, C) or not (A, B)? */
  get hasC(): boolean {
    return this.params.beta !== 0;
  }

  /** C (or null), A and B out of a node's inputs (or their values or shapes). */
  private split<T>(inputs: readonly T[]): { c: T | null; a: T; b: T } {
    return { a: inputs[0], b: inputs[1], c: this.hasC ? inputs[2] : null };
  }

  withInplace(): Gemm {
    return new Gemm({ ...this.params, inplace: true });
  }

  private dims(a: readonly Dim[], b: readonly Dim[]): { m: Dim; k: Dim; k2: Dim; n: Dim } {
    const { transA, transB } = this.params;
    return {
      m: transA ? a[1] : a[0],
      k: transA ? a[0] : a[1],
      k2: transB ? b[1] : b[0],
      n: transB ? b[0] : b[1],
    };
  }

  makeNode(...inputs: Variable[]): Apply {
    const { c, a, b } = this.split(inputs);
    if (inputs.length !== (this.hasC ? 3 : 2) || !a || !b || a.ndim !== 2 || b.ndim !== 2) {
      throw new Error(`${this.toString()}: expects ${this.hasC ? '(A, B, C)' : '(A, B)'} with 2-d A and B`);
    }
    if (!isFloat(a.dtype) || a.dtype !== b.dtype || (c && c.dtype !== a.dtype) || (c && c.ndim > 2)) {
      throw new Error(`${this.toString()}: A, B (and C, at most 2-d) must share one float dtype`);
    }
    const { m, k, k2, n } = this.dims(a.staticShape, b.staticShape);
    if (k !== null && k2 !== null && k !== k2) {
      throw new Error(`${this.toString()}: inner dimensions ${k} and ${k2} differ`);
    }
    return this.node(inputs, [new TensorType(a.dtype, [m, n])]);
  }

  perform(inputs: readonly NDArray[]): NDArray[] {
    const { c, a, b } = this.split(inputs);
    const [outShape] = this.inferShape(
      null,
      inputs.map((x) => x.shape),
    );
    const [m, n] = outShape;
    const { alpha, beta, transA, transB } = this.params;
    const k = transA ? a.shape[0] : a.shape[1];
    const [ai, ak] = transA ? [a.strides[1], a.strides[0]] : [a.strides[0], a.strides[1]];
    const [bk, bj] = transB ? [b.strides[1], b.strides[0]] : [b.strides[0], b.strides[1]];
    const reuse = this.inplace && c && c.isContiguous() && c.shape.join() === outShape.join();
    const out = reuse ? c.data : allocate(a.dtype, m * n);
    const cIndex = c ? broadcastIndices(c, outShape) : null;
    const ad = a.data;
    const bd = b.data;
    const row = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const aip = ad[a.offset + i * ai + p * ak];
        if (aip === 0) continue;
        const base = b.offset + p * bk;
        for (let j = 0; j < n; j++) row[j] += aip * bd[base + j * bj];
      }
      for (let j = 0; j < n; j++) {
        const at = i * n + j;
        out[at] = alpha * row[j] + (c ? beta * c.data[cIndex![at]] : 0);
      }
    }
    return [new NDArray(out, outShape)];
  }

  override inferShape(_node: Apply | null, shapes: readonly Shape[]): Shape[] {
    const { c, a, b } = this.split(shapes);
    const { m, k, k2, n } = this.dims(a, b);
    if (k !== k2) {
      throw new Error(
        `${this.toString()}: inner dimensions differ (A ${formatShape(a)}, B ${formatShape(b)})`,
      );
    }
    const out = [m as number, n as number];
    if (c && c.some((d, i) => d !== 1 && d !== out[out.length - c.length + i])) {
      throw new Error(
        `${this.toString()}: C of shape ${formatShape(c)} does not broadcast to the output ${formatShape(out)}`,
      );
    }
    return [out];
  }

  override native(): NativeKernel {
    const { alpha, beta, transA, transB } = this.params;
    return { kernel: 'gemm', attrs: { alpha, beta, transA, transB } };
  }

  override aliasMap(): AliasMap {
    return this.inplace ? { destroys: { 0: 2 } } : {};
  }
}
