// AXPB(a, b): the affine op a·x + b, written against the public op API exactly as a user writes
// their own op. It is the seed's worked example:
//
//   - props {a, b}: equality, hashing and the printed name follow them, so two `new AXPB(4, 5)`
//     are the same op (the merge rewrite unifies their nodes) and print as `AXPB{a=4, b=5}`;
//   - makeNode checks and types the input, failing with the op, the shape and the user's line;
//   - perform is the reference implementation on host arrays (any strides);
//   - inferShape lets compilation know the output shape without running perform (a function
//     that only needs T.shape of the result never calls it);
//   - grad: d(a·x + b)/dx = a, so the input gradient is a·gz.
import * as T from '../index.ts';
import type { Apply, NDArray, Shape, Variable } from '../index.ts';

export class AXPB extends T.Op {
  constructor(a: number, b: number) {
    super({ a, b });
  }

  get a(): number {
    return this.props.a as number;
  }

  get b(): number {
    return this.props.b as number;
  }

  makeNode(x: Variable): Apply {
    if (x.dtype !== 'float32' && x.dtype !== 'float64') {
      throw T.buildError(this, `needs a float tensor, got ${T.describeVariable(x)}`);
    }
    return this.node([x], [new T.TensorType(x.dtype, x.staticShape)]);
  }

  perform([x]: readonly NDArray[]): NDArray[] {
    return [axpbValues(x, this.a, this.b)];
  }

  override inferShape(_node: Apply, [x]: readonly Shape[]): Shape[] {
    return [x];
  }

  override grad(_node: Apply, [gz]: readonly (Variable | null)[]): (Variable | null)[] {
    return [gz ? T.mul(gz, this.a) : null];
  }
}

/** a·x + b on a host array (any strides): the reference the other AXPB forms share. */
export function axpbValues(x: NDArray, a: number, b: number): NDArray {
  const out = T.NDArray.zeros(x.shape, x.dtype);
  x.forEachIndex((at, i) => (out.data[i] = a * x.data[at] + b));
  return out;
}

/** a·x + b as a graph node. */
export function axpb(x: T.TensorLike, a: number, b: number): Variable {
  return new AXPB(a, b).apply(T.asVariable(x));
}
