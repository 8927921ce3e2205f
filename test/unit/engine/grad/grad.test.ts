import { describe, expect, it } from 'vitest';
import * as T from '../../../../engine/index.ts';
import { Apply, NDArray, Op, UndefinedGrad, type Variable } from '../../../../engine/index.ts';
import { TensorType } from '../../../../engine/core/type.ts';

const f64 = (values: number[], shape = [values.length]): NDArray => NDArray.from(values, shape, 'float64');
const run = (inputs: Variable[], outputs: Variable | Variable[], ...values: NDArray[]) =>
  T.fn(inputs, outputs, { backend: 'js' })(...values);

/** A user op without a gradient, and one whose gradient is undefined, for the error paths. */
class Doubler extends Op {
  makeNode(x: Variable): Apply {
    return new Apply(this, [x], [new TensorType(x.dtype, x.staticShape)]);
  }
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
class IntegerDoubler extends Doubler {
  override grad(node: Apply): (Variable | null | UndefinedGrad)[] {
    return node.inputs.map(() => new UndefinedGrad('it is only defined on integers'));
  }
}

describe('grad: values', () => {
  it('one wrt gives one gradient, a list gives a list', () => {
    const x = T.vector('x', 'float64');
    const w = T.vector('w', 'float64');
    const cost = T.sum(T.mul(x, w));
    const gx = T.grad(cost, x);
    const [gx2, gw] = T.grad(cost, [x, w]);
    const [a, b, c] = run([x, w], [gx, gx2, gw], f64([1, 2]), f64([3, 4])) as NDArray[];
    expect(a.toFlat()).toEqual([3, 4]);
    expect(b.toFlat()).toEqual([3, 4]);
    expect(c.toFlat()).toEqual([1, 2]);
  });

  it('contributions from several uses are summed', () => {
    const x = T.scalar('x', 'float64');
    // d/dx (x*x + 3x + exp(x)) = 2x + 3 + exp(x)
    const g = T.grad(T.add(T.add(T.mul(x, x), T.mul(x, 3)), T.exp(x)), x);
    expect((run([x], g, NDArray.scalar(0.5, 'float64')) as NDArray).toFlat()[0]).toBeCloseTo(
      4 + Math.exp(0.5),
      14,
    );
  });

  it('gradients of broadcast inputs are summed back to their shapes (static and unknown dims)', () => {
    const x = T.matrix('x', 'float64');
    const b = T.vector('b', 'float64');
    const bs = T.tensor('float64', [1, 3], 'bs');
    const cost = T.sum(T.mul(T.add(x, b), T.add(x, bs)));
    const [gb, gbs] = T.grad(cost, [b, bs]);
    expect(gb.staticShape).toEqual([null]);
    expect(gbs.staticShape).toEqual([1, 3]);
    const xv = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    const [vb, vbs] = run([x, b, bs], [gb, gbs], xv, f64([1, 1, 1]), f64([0, 0, 0], [1, 3])) as NDArray[];
    // d/db sum((x+b)(x+bs)) = sum over rows of (x + bs), and symmetric for bs.
    expect(vb.toFlat()).toEqual([5, 7, 9]);
    expect(vbs.toFlat()).toEqual([7, 9, 11]);
  });

  it('differentiates a shared variable, and a gradient again (second order)', () => {
    const W = T.shared(f64([1, 2]), 'W');
    const g = T.grad(T.sum(T.pow(W, 3)), W);
    const h = T.grad(T.sum(g), W);
    const [gv, hv] = run([], [g, h]) as NDArray[];
    expect(gv.toFlat()).toEqual([3, 12]);
    expect(hv.toFlat()).toEqual([6, 12]);
  });

  it('gradients of gradients pass verifyGrad (second order through every op family)', () => {
    const r = (shape: number[], seed: number) => T.randn(shape, { seed, dtype: 'float64' });
    const hvp = (build: (x: Variable, w: Variable) => Variable) => (x: Variable, w: Variable) =>
      T.grad(build(x, w), x);
    T.verifyGrad(
      hvp((x, w) => T.sum(T.sqr(T.tanh(T.dot(x, w))))),
      [r([2, 3], 1), r([3, 2], 2)],
    );
    T.verifyGrad(
      hvp((x, w) => T.sum(T.mul(T.logsumexp(x, 1), T.var(w, 0)))),
      [r([2, 3], 3), r([4, 2], 4)],
    );
    T.verifyGrad(
      hvp((x, w) => T.sum(T.mul(T.softmax(x), T.take(w, [1, 0], 0)))),
      [r([2, 3], 5), r([2, 3], 6)],
    );
    T.verifyGrad(
      hvp((x, w) =>
        T.sum(T.sqr(T.concatenate([T.subtensor(x, ':', '1:'), T.mul(w, x.slice(null, ':1'))], 1))),
      ),
      [r([2, 3], 7), r([2, 1], 8)],
    );
    T.verifyGrad(
      hvp((x, w) => T.mean(T.softmaxCrossEntropy(T.mul(x, w), [2, 0]))),
      [r([2, 3], 9), r([3], 10)],
    );
  });

  it('a small MLP passes verifyGrad through every input', () => {
    T.verifyGrad(
      (x, W, b, V) => T.mean(T.softmaxCrossEntropy(T.dot(T.tanh(T.add(T.dot(x, W), b)), V), [0, 2, 1])),
      [
        T.randn([3, 4], { seed: 1, dtype: 'float64' }),
        T.randn([4, 5], { seed: 2, dtype: 'float64' }),
        T.randn([5], { seed: 3, dtype: 'float64' }),
        T.randn([5, 3], { seed: 4, dtype: 'float64' }),
      ],
    );
  });
});

describe('grad: errors', () => {
  it('a non-scalar cost names its shape, where it was built and the grad call', () => {
    const x = T.matrix('x');
    const y = T.sigmoid(x);
    expect(() => T.grad(y, x)).toThrow(
      /cost must be a scalar.*float32\(\?, \?\).*built at .*grad\.test\.ts:\d+[\s\S]*grad called at .*grad\.test\.ts:\d+/,
    );
  });

  it('an unknown wrt (not a Variable) is named', () => {
    const x = T.vector('x');
    const cost = T.sum(x);
    expect(() => T.grad(cost, [x, NDArray.zeros([2]) as unknown as Variable])).toThrow(
      /wrt\[1\] is a NDArray, not a symbolic Variable[\s\S]*grad\.test\.ts/,
    );
    expect(() => T.grad(cost, T.vector('i', 'int32'))).toThrow(/not a float tensor[\s\S]*grad\.test\.ts/);
  });

  it('a wrt the cost does not depend on is an error by default, zero on request', () => {
    const x = T.vector('x', 'float64');
    const unused = T.vector('u', 'float64');
    const cost = T.sum(x);
    expect(() => T.grad(cost, unused)).toThrow(
      /u: float64\(\?,\) is disconnected.*does not depend on it[\s\S]*grad\.test\.ts/,
    );
    const g = T.grad(cost, unused, { disconnected: 'zero' });
    expect((run([x, unused], g, f64([1]), f64([5, 6])) as NDArray).toFlat()).toEqual([0, 0]);
  });

  it('an undefined gradient names the op and the reason; an op without grad says so', () => {
    const x = T.vector('x', 'float64');
    expect(() => T.grad(T.sum(new IntegerDoubler().apply(x)), x)).toThrow(
      /gradient of IntegerDoubler with respect to its input 0 .* is undefined: it is only defined on integers.*grad\.test\.ts/,
    );
    expect(() => T.grad(T.sum(new Doubler().apply(x)), x)).toThrow(/Doubler has no gradient.*grad\.test\.ts/);
  });
});
