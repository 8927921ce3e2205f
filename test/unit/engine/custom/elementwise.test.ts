// T.elementwise: expression strings → one fused elementwise op. Values are checked against
// float64 reference functions written out in JavaScript, gradients against finite differences.
import { describe, expect, it } from 'vitest';
import { ElementwiseExpr, elementwise } from '../../../../engine/custom/expression/elementwiseOp.ts';
import { formatAst, parseAssignment } from '../../../../engine/custom/expression/parse.ts';
import * as T from '../../../../engine/index.ts';
import { NDArray } from '../../../../engine/index.ts';
import { recordingCpu } from '../../../../engine/backends/cpu/recording.ts';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

describe('the expression parser', () => {
  it('follows Python precedence: ** binds tighter than unary minus and is right-associative', () => {
    // Each source is evaluated by the parser's tree and by JavaScript (same precedence rules).
    const cases: [string, (x: number, y: number) => number][] = [
      ['-x ** 2', (x) => -(x ** 2)],
      ['2 ** 3 ** 2 * x', (x) => 2 ** (3 ** 2) * x],
      ['x - y - 1', (x, y) => x - y - 1],
      ['x / y / 2', (x, y) => x / y / 2],
      ['(x + y) * -(x - 3) ** 2', (x, y) => (x + y) * -((x - 3) ** 2)],
      ['x ** -1 + 1.5e1', (x) => x ** -1 + 15],
    ];
    const x = T.scalar('x', 'float64');
    const y = T.scalar('y', 'float64');
    for (const [source, reference] of cases) {
      const op = elementwise(source, {}, { inputs: ['x', 'y'].filter((n) => source.includes(n)) });
      const args = op.inputNames.map((n) => (n === 'x' ? x : y));
      const f = T.fn(args, op.apply(...args), { backend: 'js' });
      const values = args.map((_, i) => NDArray.scalar([1.7, -0.6][i], 'float64'));
      expect((f(...values) as NDArray).toFlat()[0], source).toBeCloseTo(reference(1.7, -0.6), 12);
      // The canonical text parses back to the same tree.
      const ast = parseAssignment(source).body;
      expect(parseAssignment(formatAst(ast)).body).toEqual(ast);
    }
  });

  it('prints canonically: whitespace and redundant parentheses do not count', () => {
    expect(elementwise('c=((a*x))+(b)', { a: 4, b: 5 }).expression).toBe('c = a * x + b');
    expect(elementwise('y = (a - b) - (c - d)').expression).toBe('y = a - b - (c - d)');
    expect(elementwise('max(x, 0) * where(x > 0, 1, -2)').expression).toBe(
      'out = maximum(x, 0) * where(x > 0, 1, -2)',
    );
  });

  it('reports a bad column with a caret under it', () => {
    const caret = (fn: () => unknown): string => {
      try {
        fn();
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(caret(() => elementwise('c = a * ) + b'))).toBe(
      "T.elementwise: unexpected ')' at column 9\n  c = a * ) + b\n          ^",
    );
    expect(caret(() => elementwise('c = a * x +'))).toMatch(
      /ends too early at column 12\n {2}c = a \* x \+\n {13}\^/,
    );
    expect(caret(() => elementwise('c = expp(x)'))).toMatch(
      /unknown function 'expp' \(known: .*exp.*\) at column 5\n.*\n {6}\^/,
    );
    expect(caret(() => elementwise('c = x $ 2'))).toMatch(/unexpected character '\$' at column 7/);
    expect(caret(() => elementwise('c = where(x, 1)'))).toMatch(
      /where takes 3 argument\(s\), got 2 at column 5/,
    );
    expect(caret(() => elementwise('c = (x + 1'))).toMatch(
      /expected '\)' but found 'end of input' at column 11/,
    );
    expect(caret(() => elementwise('c = a * x', { a: 1, q: 2 }))).toMatch(/constant 'q' does not appear/);
    expect(caret(() => elementwise('c = 2 * a', { a: 1 }))).toMatch(/has no inputs/);
  });
});

describe('T.elementwise ops', () => {
  it('computes a·x + b: js (float64) and cpu (one native elementwise step) against a reference', () => {
    const op = elementwise('c = a * x + b', { a: 4, b: 5 });
    expect(op.toString()).toBe('Elementwise{c = a * x + b, a=4, b=5}');
    const data = T.randn([3, 4], { seed: 3, dtype: 'float64' });
    const x64 = T.matrix('x', 'float64');
    const js = T.fn([x64], op.apply(x64), { backend: 'js' });
    expect((js(data) as NDArray).toFlat()).toEqual(data.toFlat().map((v) => 4 * v + 5));

    const { backend, prepared } = recordingCpu();
    const x32 = T.matrix('x');
    const cpu = T.fn([x32], op.apply(x32), { backend });
    const out = cpu(data.astype('float32')) as NDArray;
    expect(out.dtype).toBe('float32');
    const ref = data
      .astype('float32')
      .toFlat()
      .map((v) => Math.fround(Math.fround(4 * v) + 5));
    expect(out.toFlat()).toEqual(ref);
    expect(prepared[0].jsSteps).toEqual([false]);
    expect(prepared[0].program.steps.map((s) => s.kernel)).toEqual(['elementwise']);
  });

  it('several inputs broadcast; scalar functions; same values on js and cpu', () => {
    const op = elementwise('y = where(x > 0, sigmoid(w * x), max(x, -1) / (1 + exp(-w)))');
    expect(op.inputNames).toEqual(['x', 'w']);
    const xs = T.randn([5, 3], { seed: 4, dtype: 'float64' });
    const ws = T.randn([3], { seed: 5, dtype: 'float64' });
    const x = T.matrix('x', 'float64');
    const w = T.vector('w', 'float64');
    const y = op.apply(x, w);
    expect(y.staticShape).toEqual([null, null]);
    expect(op.apply(x, T.tensor('float64', [3])).staticShape).toEqual([null, 3]);
    const ref = xs.toFlat().map((v, i) => {
      const wv = ws.toFlat()[i % 3];
      return v > 0 ? sigmoid(wv * v) : Math.max(v, -1) / (1 + Math.exp(-wv));
    });
    for (const backend of ['js', 'cpu'] as const) {
      const out = (T.fn([x, w], y, { backend })(xs, ws) as NDArray).toFlat();
      out.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 12));
    }
  });

  it('constants are weak scalars: a float32 input stays float32; int32 inputs with a fraction give float32', () => {
    expect(elementwise('a * x', { a: 0.5 }).apply(T.vector('x')).dtype).toBe('float32');
    expect(elementwise('a * x', { a: 0.5 }).apply(T.vector('x', 'float64')).dtype).toBe('float64');
    expect(elementwise('a * x', { a: 2 }).apply(T.vector('x', 'int32')).dtype).toBe('int32');
    expect(elementwise('a * x', { a: 0.5 }).apply(T.vector('x', 'int32')).dtype).toBe('float32');
    expect(elementwise('x > 0').apply(T.vector('x')).dtype).toBe('bool');
  });

  it('inputs that do not broadcast name the op, the inputs and the line', () => {
    expect(() => elementwise('x + y').apply(T.tensor('float32', [2, 3]), T.tensor('float32', [4]))).toThrow(
      /Elementwise\{out = x \+ y\}: input shapes \(2, 3\) and \(4,\) do not broadcast[\s\S]*elementwise\.test\.ts:\d+/,
    );
  });

  it('equal expressions and constants are one op: merge unifies them', () => {
    const p = elementwise('c = a * x + b', { a: 4, b: 5 });
    const q = elementwise('c = (a*x) + b', { b: 5, a: 4 });
    expect(p.equals(q)).toBe(true);
    expect(p.equals(elementwise('c = a * x + b', { a: 4, b: 6 }))).toBe(false);
    const x = T.vector('x', 'float64');
    const f = T.fn([x], T.add(p.apply(x), q.apply(x)), { backend: 'js' });
    expect(f.fgraph.toposort().filter((n) => n.op instanceof ElementwiseExpr)).toHaveLength(1);
  });

  it('gradients derived from the expression pass verifyGrad, second order included', () => {
    const op = elementwise('z = a * tanh(x * y) + log1p(x ** 2) / (y ** 2 + 1) - softplus(-x)', { a: 1.5 });
    const x0 = T.randn([3, 2], { seed: 6, dtype: 'float64' });
    const y0 = T.randn([2], { seed: 7, dtype: 'float64' });
    T.verifyGrad((x, y) => op.apply(x, y), [x0, y0]);
    // The same input in both positions (each position gets its own partial derivative).
    T.verifyGrad((x) => op.apply(x, x), [x0]);
    // Second order: the gradient graph differentiates again.
    T.verifyGrad((x) => T.grad(T.sum(op.apply(x, T.mul(x, 0.3))), x), [x0]);
  });

  it('a gradient on cpu matches js', () => {
    const op = elementwise('c = a * sigmoid(x) + b * x ** 2', { a: 4, b: 0.5 });
    const x = T.vector('x', 'float64');
    const g = T.grad(T.sum(op.apply(x)), x);
    const x0 = T.randn([7], { seed: 8, dtype: 'float64' });
    const js = (T.fn([x], g, { backend: 'js' })(x0) as NDArray).toFlat();
    const cpu = (T.fn([x], g, { backend: 'cpu' })(x0) as NDArray).toFlat();
    const ref = x0.toFlat().map((v) => 4 * sigmoid(v) * (1 - sigmoid(v)) + v);
    js.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 12));
    cpu.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 12));
  });
});
