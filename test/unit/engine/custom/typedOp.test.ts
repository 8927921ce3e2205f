// TypedOp: declared input/output types instead of makeNode. Checked: accepted and refused
// inputs (errors naming the op, the input, the expected type and the user's line), output types,
// and the inferShape it derives.
import { describe, expect, it } from 'vitest';
import { TypedOp } from '../../../../engine/custom/typedOp.ts';
import * as T from '../../../../engine/index.ts';
import { NDArray, TensorType } from '../../../../engine/index.ts';

/** Row sums of a float matrix plus a scalar: input types by dtype list, rank and static shape. */
class RowSumPlus extends TypedOp {
  readonly itypes = [{ dtype: ['float32', 'float64'] as const, ndim: 2 }, new TensorType('float64', [])];
  readonly otypes = [{ dtype: 'float64' as const, shape: [null] }];

  perform([x, c]: readonly NDArray[]): NDArray[] {
    const rows = x.toNested() as number[][];
    return [
      NDArray.from(
        rows.map((r) => r.reduce((a, b) => a + b, 0) + c.toFlat()[0]),
        [rows.length],
        'float64',
      ),
    ];
  }

  override inferShape(_node: T.Apply, [x]: readonly T.Shape[]): T.Shape[] {
    return [[x[0]]];
  }
}

/** Doubles any float tensor: the output is typed like input 0 and inferShape comes for free. */
class Double extends TypedOp {
  readonly itypes = [{ dtype: ['float32', 'float64'] as const }];
  readonly otypes = [{ like: 0 }];

  perform([x]: readonly NDArray[]): NDArray[] {
    return [
      NDArray.from(
        x.toFlat().map((v) => 2 * v),
        x.shape,
        x.dtype,
      ),
    ];
  }
}

/** A fixed output type with unknown dimensions and no inferShape. */
class Unknown extends TypedOp {
  readonly itypes = [{ dtype: 'float32' as const }];
  readonly otypes = [new TensorType('float32', [null])];

  perform([x]: readonly NDArray[]): NDArray[] {
    return [x];
  }
}

describe('TypedOp', () => {
  it('types outputs from otypes and runs', () => {
    const x = T.matrix('x', 'float32', [4, null]);
    const y = new Double().apply(x);
    expect(y.type.toString()).toBe('float32(4, ?)');
    const s = new RowSumPlus().apply(T.matrix('m', 'float64'), T.scalar('c', 'float64'));
    expect(s.type.toString()).toBe('float64(?,)');
    const m = T.matrix('m', 'float64');
    const c = T.scalar('c', 'float64');
    const f = T.fn([m, c], new RowSumPlus().apply(m, c), { backend: 'js' });
    const out = f(
      NDArray.of(
        [
          [1, 2],
          [3, 4],
        ],
        'float64',
      ),
      NDArray.scalar(0.5, 'float64'),
    ) as NDArray;
    expect(out.toFlat()).toEqual([3.5, 7.5]);
  });

  it('refuses inputs that do not match, naming the op, the input, the expectation and the line', () => {
    expect(() => new Double().apply(T.vector('i', 'int32'))).toThrow(
      /Double: input 0 must be a float32 or float64 tensor, got i: int32\(\?,\)[\s\S]*typedOp\.test\.ts:\d+/,
    );
    expect(() => new RowSumPlus().apply(T.vector('v'), T.scalar('c', 'float64'))).toThrow(
      /RowSumPlus: input 0 must be a 2-d float32 or float64 tensor, got v: float32\(\?,\)/,
    );
    expect(() => new RowSumPlus().apply(T.matrix('m'), T.vector('c', 'float64'))).toThrow(
      /RowSumPlus: input 1 must be float64\(\), got c: float64\(\?,\)/,
    );
    expect(() => new RowSumPlus().apply(T.matrix('m'))).toThrow(/RowSumPlus: takes 2 input\(s\), got 1/);
  });

  it('derives inferShape for `like` outputs; asks for one when a fixed output has unknown dimensions', () => {
    const x = T.matrix('x');
    const f = T.fn([x], T.shape(new Double().apply(x)), { backend: 'js' });
    expect((f(NDArray.zeros([5, 2])) as NDArray).toFlat()).toEqual([5, 2]);
    const v = T.vector('v');
    expect(() => T.fn([v], T.shape(new Unknown().apply(v)), { backend: 'js' })(NDArray.zeros([3]))).toThrow(
      /Unknown: output 0 has type float32\(\?,\) with unknown dimensions: define inferShape/,
    );
  });
});
