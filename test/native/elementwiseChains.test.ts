// The elementwise kernel's chains (native/kernels/elementwise.c, fuse_chains): an add, sub or mul
// whose argument is another one with no other user runs as one instruction of three operands.
// Each of the 18 forms (inner op × outer op × the inner one on the left or the right) against an
// exact reference — every operation rounded to the compute type on its own (Math.fround for
// float32, Math.imul and |0 for int32's wrapping) — so a chain contracted into a fused
// multiply-add, or one with its operands swapped, fails; and the cases that must stay apart.
import { describe, expect, it } from 'vitest';
import type { NativeDType, ScalarExpr, ScalarOpName } from '../../native/program.ts';
import { type Operand, randomOperand, rng, runStep } from './helpers.ts';

const apply = (op: ScalarOpName, ...args: ScalarExpr[]): ScalarExpr => ({ op, args });
const input = (i: number): ScalarExpr => ({ input: i });

type ChainOp = 'add' | 'sub' | 'mul';
const chainOps: ChainOp[] = ['add', 'sub', 'mul'];

/** op rounded to the compute type. */
function rounded(dtype: NativeDType, op: ChainOp): (x: number, y: number) => number {
  if (dtype === 'int32')
    return op === 'mul' ? Math.imul : op === 'add' ? (x, y) => (x + y) | 0 : (x, y) => (x - y) | 0;
  const r = dtype === 'float32' ? Math.fround : (v: number) => v;
  return op === 'mul' ? (x, y) => r(x * y) : op === 'add' ? (x, y) => r(x + y) : (x, y) => r(x - y);
}

function operands(dtype: NativeDType, seed: number): Operand[] {
  const random = rng(seed);
  // 3 × 700: rows past one tile, so the chains run over whole and partial tiles
  if (dtype !== 'int32') return [0, 1, 2].map(() => randomOperand(dtype, [3, 700], random, -3, 3));
  // int32 near the wrap: products and sums that overflow, as the separate ops wrap them
  return [0, 1, 2].map(() => ({
    dtype,
    shape: [3, 700],
    data: Int32Array.from({ length: 2100 }, () => Math.floor((random() - 0.5) * 2 ** 32) | 0),
  }));
}

describe('elementwise kernel: chains of two arithmetic ops', () => {
  for (const dtype of ['float32', 'float64', 'int32'] as const) {
    it(`${dtype}: op2(op1(a, b), c) and op2(c, op1(a, b)) for every op1, op2 in add, sub, mul keep each operation's rounding`, () => {
      const [a, b, c] = operands(dtype, dtype === 'float32' ? 41 : dtype === 'float64' ? 42 : 43);
      const exprs: ScalarExpr[] = [];
      const want: number[][] = [];
      const [as, bs, cs] = [a, b, c].map((o) => Array.from(o.data!));
      for (const op1 of chainOps) {
        for (const op2 of chainOps) {
          const inner = apply(op1, input(0), input(1));
          exprs.push(apply(op2, inner, input(2)), apply(op2, input(2), inner));
          const f1 = rounded(dtype, op1),
            f2 = rounded(dtype, op2);
          want.push(as.map((x, i) => f2(f1(x, bs[i]), cs[i])));
          want.push(as.map((x, i) => f2(cs[i], f1(x, bs[i]))));
        }
      }
      // one composite per expression: in one composite the inner a·b would be shared, and not a chain
      exprs.forEach((e, k) => {
        const [got] = runStep('elementwise', [a, b, c], [{ dtype, shape: [3, 700] }], { outputs: [e] });
        expect(Array.from(got.data!), `${JSON.stringify(e)} in ${dtype}`).toEqual(want[k]);
      });
    });
  }

  it('the LSTM backward composite (chains reading fused pairs, several outputs, a shared sum) gives the bits of its operations rounded one by one', () => {
    const random = rng(44);
    const ins = Array.from({ length: 9 }, () => randomOperand('float32', [2, 650], random, -2, 2));
    const one: ScalarExpr = { const: 1 };
    const i = input;
    const t = apply(
      'add',
      apply('mul', i(0), i(1)),
      apply('mul', apply('mul', i(2), i(3)), apply('sub', one, apply('sqr', i(4)))),
    );
    const gate = (x: ScalarExpr) => apply('mul', x, apply('sub', one, x));
    const exprs = [
      apply('mul', apply('mul', t, i(5)), gate(i(6))),
      t,
      apply('mul', apply('mul', t, i(7)), gate(i(8))),
      apply('mul', apply('mul', t, i(6)), apply('sub', one, apply('sqr', i(5)))),
      apply('mul', apply('mul', i(2), i(4)), gate(i(3))),
    ];
    const got = runStep(
      'elementwise',
      ins,
      exprs.map(() => ({ dtype: 'float32' as const, shape: [2, 650] })),
      { outputs: exprs },
    );
    const r = Math.fround;
    const v = ins.map((o) => Array.from(o.data!));
    const want: number[][] = [[], [], [], [], []];
    for (let k = 0; k < 1300; k++) {
      const [x0, x1, x2, x3, x4, x5, x6, x7, x8] = v.map((col) => col[k]);
      const tk = r(r(x0 * x1) + r(r(x2 * x3) * r(1 - r(x4 * x4))));
      want[0].push(r(r(tk * x5) * r(x6 * r(1 - x6))));
      want[1].push(tk);
      want[2].push(r(r(tk * x7) * r(x8 * r(1 - x8))));
      want[3].push(r(r(tk * x6) * r(1 - r(x5 * x5))));
      want[4].push(r(r(x2 * x4) * r(x3 * r(1 - x3))));
    }
    got.forEach((g, o) => expect(Array.from(g.data!), `output ${o}`).toEqual(want[o]));
  });

  it('an inner value with another user (an output, or a second op) is computed once and kept', () => {
    const [a, b, c] = operands('float32', 45);
    const inner = apply('mul', input(0), input(1));
    const exprs = [
      apply('add', inner, input(2)),
      inner,
      apply('sub', input(2), apply('add', inner, input(1))),
    ];
    const got = runStep(
      'elementwise',
      [a, b, c],
      exprs.map(() => ({ dtype: 'float32' as const, shape: [3, 700] })),
      { outputs: exprs },
    );
    const r = Math.fround;
    const [as, bs, cs] = [a, b, c].map((o) => Array.from(o.data!));
    const ab = as.map((x, k) => r(x * bs[k]));
    expect(Array.from(got[0].data!)).toEqual(ab.map((p, k) => r(p + cs[k])));
    expect(Array.from(got[1].data!)).toEqual(ab);
    expect(Array.from(got[2].data!)).toEqual(ab.map((p, k) => r(cs[k] - r(p + bs[k]))));
  });
});
