// Small ops written against the public Op API, so the compiler's tests do not depend on the
// engine's op library: elementwise add/mul/exp on equal shapes, a transposing view, a matrix
// product and a total sum.
import { allocate } from '../../../../engine/core/dtype.ts';
import { Op, Variable, type AliasMap, type Apply } from '../../../../engine/core/graph.ts';
import { NDArray, type Shape } from '../../../../engine/core/ndarray.ts';
import { TensorType } from '../../../../engine/core/type.ts';

export class ToyElemwise extends Op {
  constructor(fn: 'add' | 'mul' | 'exp' | 'sub') {
    super({ fn });
  }

  override get name(): string {
    return `Toy${this.props.fn as string}`;
  }

  makeNode(...inputs: Variable[]): Apply {
    return this.node(inputs, [new TensorType(inputs[0].dtype, inputs[0].staticShape)]);
  }

  perform(inputs: readonly NDArray[]): NDArray[] {
    const [a, b] = inputs.map((x) => x.contiguous());
    const out = allocate(a.dtype, a.size);
    const f = this.props.fn;
    for (let i = 0; i < a.size; i++) {
      const x = a.data[i];
      const y = b ? b.data[b.size === 1 ? 0 : i] : 0;
      out[i] = f === 'add' ? x + y : f === 'mul' ? x * y : f === 'sub' ? x - y : Math.exp(x);
    }
    return [new NDArray(out, a.shape)];
  }

  override inferShape(_node: Apply, shapes: readonly Shape[]): Shape[] {
    return [shapes[0]];
  }
}

export class ToyTranspose extends Op {
  makeNode(x: Variable): Apply {
    return this.node([x], [new TensorType(x.dtype, [...x.staticShape].reverse())]);
  }

  perform([x]: readonly NDArray[]): NDArray[] {
    return [new NDArray(x.data, [...x.shape].reverse(), [...x.strides].reverse(), x.offset)];
  }

  override aliasMap(): AliasMap {
    return { views: { 0: 0 } };
  }
}

export class ToyMatMul extends Op {
  makeNode(a: Variable, b: Variable): Apply {
    return this.node([a, b], [new TensorType(a.dtype, [a.staticShape[0], b.staticShape[1]])]);
  }

  perform([a, b]: readonly NDArray[]): NDArray[] {
    const [n, k] = a.shape;
    const m = b.shape[1];
    if (b.shape[0] !== k) throw new Error(`ToyMatMul: inner dimensions ${k} and ${b.shape[0]} differ`);
    const out = allocate(a.dtype, n * m);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a.get(i, p) * b.get(p, j);
        out[i * m + j] = s;
      }
    return [new NDArray(out, [n, m])];
  }

  override inferShape(_node: Apply, [a, b]: readonly Shape[]): Shape[] {
    if (a[1] !== b[0]) throw new Error(`ToyMatMul: inner dimensions ${a[1]} and ${b[0]} differ`);
    return [[a[0], b[1]]];
  }
}

export class ToySum extends Op {
  makeNode(x: Variable): Apply {
    return this.node([x], [new TensorType(x.dtype, [])]);
  }

  perform([x]: readonly NDArray[]): NDArray[] {
    return [
      NDArray.scalar(
        x.toFlat().reduce((a, b) => a + b, 0),
        x.dtype,
      ),
    ];
  }
}

export const add = (a: Variable, b: Variable): Variable => new ToyElemwise('add').apply(a, b);
export const sub = (a: Variable, b: Variable): Variable => new ToyElemwise('sub').apply(a, b);
export const mul = (a: Variable, b: Variable): Variable => new ToyElemwise('mul').apply(a, b);
export const exp = (a: Variable): Variable => new ToyElemwise('exp').apply(a);
export const transpose = (a: Variable): Variable => new ToyTranspose().apply(a);
export const matmul = (a: Variable, b: Variable): Variable => new ToyMatMul().apply(a, b);
export const sum = (a: Variable): Variable => new ToySum().apply(a);
export const matrix = (name: string, dtype: 'float32' | 'float64' = 'float64'): Variable =>
  new Variable(new TensorType(dtype, [null, null]), name);
