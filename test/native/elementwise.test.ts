// The fused elementwise kernel against a float64 evaluator of the same expression trees written
// here: every scalar op in float32 and float64, NumPy's NaN/inf semantics, broadcasting by
// stride 0, non-contiguous and strided views, several outputs, mixed dtypes and casts, empty
// and size-1 dimensions, and inputs longer than one tile.
import { describe, expect, it } from 'vitest';
import type { NativeDType, ScalarExpr, ScalarOpName, StepSpec } from '../../native/program.ts';
import {
  addon,
  at,
  broadcastView,
  contiguousStrides,
  expectClose,
  forEachIndex,
  type Operand,
  permutedView,
  randomOperand,
  rng,
  runStep,
  sizeOf,
  viewValues,
} from './helpers.ts';

const truthy = (v: number) => v !== 0; // NaN !== 0: truthy, as in NumPy
const nanMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
const nanMin = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));

const scalarOps: Record<Exclude<ScalarOpName, 'cast'>, (...a: number[]) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  neg: (a) => -a,
  // C99/NumPy: pow(x, 0) = 1 and pow(±1, ±inf) = pow(1, y) = 1, where JavaScript says NaN
  pow: (a, b) => (a === 1 || b === 0 || (Math.abs(a) === 1 && Math.abs(b) === Infinity) ? 1 : Math.pow(a, b)),
  sqr: (a) => a * a,
  sqrt: Math.sqrt,
  rsqrt: (a) => 1 / Math.sqrt(a),
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  abs: Math.abs,
  sign: (a) => (Number.isNaN(a) ? NaN : a > 0 ? 1 : a < 0 ? -1 : 0),
  tanh: Math.tanh,
  sigmoid: (a) => 1 / (1 + Math.exp(-a)),
  softplus: (a) => (a > 30 ? a : Math.log1p(Math.exp(a))),
  relu: (a) => nanMax(a, 0),
  maximum: nanMax,
  minimum: nanMin,
  clip: (x, lo, hi) => nanMin(nanMax(x, lo), hi),
  where: (c, a, b) => (truthy(c) ? a : b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  and: (a, b) => +(truthy(a) && truthy(b)),
  or: (a, b) => +(truthy(a) || truthy(b)),
  not: (a) => +!truthy(a),
  xor: (a, b) => +(truthy(a) !== truthy(b)),
  identity: (a) => a,
};

function storeAs(dtype: NativeDType, v: number): number {
  if (dtype === 'int32') return v >= -2147483648 && v < 2147483648 ? Math.trunc(v) : -2147483648;
  if (dtype === 'bool') return +truthy(v);
  if (dtype === 'float32') return Math.fround(v);
  return v;
}

function evaluate(e: ScalarExpr, inputs: number[]): number {
  if ('input' in e) return inputs[e.input];
  if ('const' in e) return e.const;
  const args = e.args.map((a) => evaluate(a, inputs));
  if (e.op === 'cast') return e.dtype ? storeAs(e.dtype, args[0]) : args[0];
  return scalarOps[e.op](...args);
}

/** Reference outputs: the expressions evaluated in float64 at every index, stored as the output dtype. */
function reference(
  exprs: ScalarExpr[],
  inputs: Operand[],
  outputs: { dtype: NativeDType; shape: number[] }[],
) {
  return exprs.map((e, o) => {
    const values: number[] = [];
    forEachIndex(outputs[o].shape, (index) => {
      values.push(
        storeAs(
          outputs[o].dtype,
          evaluate(
            e,
            inputs.map((op) => at(op, index)),
          ),
        ),
      );
    });
    return values;
  });
}

function runAndCheck(exprs: ScalarExpr[], inputs: Operand[], outputs: Operand[], rtol: number): Operand[] {
  const got = runStep('elementwise', inputs, outputs, { outputs: exprs });
  const want = reference(exprs, inputs, outputs);
  got.forEach((g, o) => expectClose(viewValues(g), want[o], rtol, rtol * 0.1));
  return got;
}

const apply = (op: ScalarOpName, ...args: ScalarExpr[]): ScalarExpr => ({ op, args });
const input = (i: number): ScalarExpr => ({ input: i });

/** Input domains that keep each op's float32 result well conditioned. */
function domainFor(op: string): [number, number] {
  if (['log', 'sqrt', 'rsqrt', 'pow'].includes(op)) return [0.1, 3];
  if (op === 'log1p') return [-0.5, 3];
  return [-3, 3];
}

const arity: Record<string, number> = { clip: 3, where: 3 };
for (const name of [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'lt',
  'le',
  'gt',
  'ge',
  'eq',
  'ne',
  'and',
  'or',
  'xor',
]) {
  arity[name] = 2;
}

describe('elementwise kernel: each op', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: all ${Object.keys(scalarOps).length} scalar ops match float64 references`, () => {
      const random = rng(42);
      const shape = [3, 7];
      for (const op of Object.keys(scalarOps) as ScalarOpName[]) {
        const [lo, hi] = domainFor(op);
        const n = arity[op] ?? 1;
        const inputs = Array.from({ length: n }, () => randomOperand(dtype, shape, random, lo, hi));
        if (op === 'clip') inputs[2].data = inputs[2].data!.map((v) => v + 3); // hi above lo
        if (['eq', 'ne', 'where', 'and', 'or', 'xor', 'not'].includes(op)) {
          inputs[0].data = inputs[0].data!.map((v, i) => (i % 3 === 0 ? 0 : v)); // exercise 0/equal cases
          if (n > 1) inputs[1].data = inputs[1].data!.map((v, i) => (i % 2 === 0 ? inputs[0].data![i] : v));
        }
        const expr = apply(op, ...inputs.map((_, i) => input(i)));
        try {
          runAndCheck([expr], inputs, [{ dtype, shape }], dtype === 'float32' ? 1e-5 : 1e-13);
        } catch (e) {
          throw new Error(`op ${op}: ${(e as Error).message}`, { cause: e });
        }
      }
    });
  }

  it('follows NumPy on NaN, infinities and signed zero', () => {
    const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 1000, -1000];
    const a: Operand = { dtype: 'float64', shape: [specials.length], data: Float64Array.from(specials) };
    const b: Operand = {
      dtype: 'float64',
      shape: [specials.length],
      data: Float64Array.from(specials).reverse(),
    };
    for (const op of Object.keys(scalarOps) as (keyof typeof scalarOps)[]) {
      if (arity[op] === 3) continue;
      const args = arity[op] === 2 ? [input(0), input(1)] : [input(0)];
      const [got] = runStep('elementwise', [a, b], [{ dtype: 'float64', shape: a.shape }], {
        outputs: [apply(op, ...args)],
      });
      const want = specials.map((x, i) => scalarOps[op](x, b.data![i]));
      try {
        expectClose(Array.from(got.data!), want, 1e-15, 0);
      } catch (e) {
        throw new Error(`op ${op}: ${(e as Error).message}`, { cause: e });
      }
    }
  });

  // Each ISA setting: 'avx512' runs exp, sigmoid and tanh through the intrinsics of
  // vmath_avx512.c, the others through vmath.h's portable loops.
  for (const isa of addon.isaInfo().supported) {
    it(`${isa}: float32 exp/log/tanh/sigmoid/softplus (vectorised, not libm) stay within 2 ulp (sigmoid/softplus: 3) over their whole range`, () => {
      // Each function on a sweep of its domain (log on magnitudes down to denormals), float64 reference.
      const sweep = (lo: number, hi: number, n: number, f = (t: number) => t) =>
        Float32Array.from({ length: n }, (_, i) => f(lo + ((hi - lo) * i) / (n - 1)));
      const cases: [ScalarOpName, Float32Array][] = [
        ['exp', sweep(-87, 88.7, 20001)],
        ['log', sweep(-44, 38, 20001, (t) => 10 ** t)],
        ['tanh', sweep(-12, 12, 20001)],
        ['sigmoid', sweep(-80, 80, 20001)],
        ['softplus', sweep(-80, 80, 20001)],
      ];
      addon.setIsa(isa);
      try {
        for (const [op, data] of cases) {
          const x: Operand = { dtype: 'float32', shape: [data.length], data };
          const [got] = runStep('elementwise', [x], [{ dtype: 'float32', shape: x.shape }], {
            outputs: [apply(op, input(0))],
          });
          got.data!.forEach((g, i) => {
            const want = scalarOps[op as keyof typeof scalarOps](data[i]);
            const ulp = Math.abs(Math.fround(want) - Math.fround(Math.fround(want) * (1 + 2 ** -23)));
            const budget = op === 'sigmoid' || op === 'softplus' ? 3 : 2;
            if (!(Math.abs(g - want) <= budget * Math.max(ulp, 2 ** -149))) {
              throw new Error(`${op}(${data[i]}) = ${g}, expected ${want}`);
            }
          });
        }
      } finally {
        addon.setIsa('auto');
      }
    });

    it(`${isa}: float32 special values: NaN, ±inf, ±0 and denormals through the vectorised functions`, () => {
      // 19 values: the AVX-512 loops take 16 at a time, so the last three go through the masked
      // tail. ±1e30 are past where exp's rounding trick holds (|x|·log2 e ≥ 2^22): only its clamp
      // keeps e^-|x| from coming out as -inf there (sigmoid and tanh clamp just the side their
      // argument can reach).
      const specials = [
        NaN,
        Infinity,
        -Infinity,
        0,
        -0,
        -1,
        1e-45,
        1e-40,
        88.8,
        -104,
        -103,
        89.5,
        -0.3,
        0.7,
        -20,
        44,
        -88,
        1e30,
        -1e30,
      ];
      const x: Operand = { dtype: 'float32', shape: [specials.length], data: Float32Array.from(specials) };
      addon.setIsa(isa);
      try {
        for (const op of ['exp', 'log', 'tanh', 'sigmoid', 'softplus'] as const) {
          const [got] = runStep('elementwise', [x], [{ dtype: 'float32', shape: x.shape }], {
            outputs: [apply(op, input(0))],
          });
          const want = Array.from(x.data!, (v) => Math.fround(scalarOps[op](v)));
          expectClose(Array.from(got.data!), want, 2e-7, 0);
          expect(Object.is(got.data![4], op === 'tanh' ? -0 : got.data![4])).toBe(true);
        }
      } finally {
        addon.setIsa('auto');
      }
    });

    it(`${isa}: float32 tanh on vectors of small |x| only, of large |x| only, and of both`, () => {
      // Three 16-lane vectors (the AVX-512 path computes only the branches a vector's lanes take):
      // |x| < 0.625 (the odd polynomial), |x| ≥ 0.625 with NaN and ±inf (1 − 2/(e^2|x| + 1)), and
      // the two alternating.
      const small = [
        -0, 0, 1e-45, -1e-40, 1e-8, -0.001, 0.1, -0.2, 0.3, -0.4, 0.5, -0.55, 0.6, -0.62, 0.624, -0.6249,
      ];
      const large = [NaN, Infinity, -Infinity, 0.625, -0.7, 1, -2, 3, -5, 8, -9.5, 12, -20, 44, 0.63, -100];
      const mixed = small.map((v, i) => (i % 2 === 0 ? v : large[i]));
      const data = Float32Array.from([...small, ...large, ...mixed]);
      addon.setIsa(isa);
      try {
        const x: Operand = { dtype: 'float32', shape: [data.length], data };
        const [got] = runStep('elementwise', [x], [{ dtype: 'float32', shape: x.shape }], {
          outputs: [apply('tanh', input(0))],
        });
        got.data!.forEach((g, i) => {
          const want = Math.tanh(data[i]);
          if (Number.isNaN(want)) return expect(g).toBeNaN();
          const ulp = Math.abs(Math.fround(want) - Math.fround(Math.fround(want) * (1 + 2 ** -23)));
          if (
            !(Math.abs(g - want) <= 2 * Math.max(ulp, 2 ** -149)) ||
            Object.is(g, -0) !== Object.is(want, -0)
          ) {
            throw new Error(`tanh(${data[i]}) = ${g}, expected ${want} (lane ${i % 16} of vector ${i >> 4})`);
          }
        });
      } finally {
        addon.setIsa('auto');
      }
    });
  }

  it('sigmoid and softplus are stable at large |x| (no NaN, no overflow)', () => {
    const x: Operand = { dtype: 'float32', shape: [4], data: new Float32Array([-1000, -90, 90, 1000]) };
    const [s, p] = runStep(
      'elementwise',
      [x],
      [
        { dtype: 'float32', shape: [4] },
        { dtype: 'float32', shape: [4] },
      ],
      {
        outputs: [apply('sigmoid', input(0)), apply('softplus', input(0))],
      },
    );
    expect(Array.from(s.data!)).toEqual([0, Math.fround(1 / (1 + Math.exp(90))), 1, 1]);
    expect(Array.from(p.data!)).toEqual([0, Math.fround(Math.exp(-90)), 90, 1000]);
  });
});

/** [rows, 20] slices k = 0…3 of one random [rows, 80] operand: an LSTM cell's gates. */
function gateSlices(
  dtype: 'float32' | 'float64',
  rows: number,
  random: () => number,
  lo?: number,
  hi?: number,
) {
  const gates = randomOperand(dtype, [rows, 80], random, lo, hi);
  return (k: number): Operand => ({
    dtype,
    shape: [rows, 20],
    data: gates.data,
    offset: 20 * k,
    strides: [80, 1],
  });
}

describe('elementwise kernel: fused composites over views', () => {
  // z = sigmoid(x * w + b) and its derivative z * (1 - z), two outputs of one pass
  const exprs: ScalarExpr[] = [
    apply('sigmoid', apply('add', apply('mul', input(0), input(1)), input(2))),
    apply(
      'mul',
      apply('sigmoid', apply('add', apply('mul', input(0), input(1)), input(2))),
      apply('sub', { const: 1 }, apply('sigmoid', apply('add', apply('mul', input(0), input(1)), input(2)))),
    ),
  ];

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: broadcasts a row, a column and a scalar by stride 0 over a permuted input`, () => {
      const random = rng(1);
      const shape = [37, 300]; // rows longer than one tile, odd sizes
      const x = permutedView(randomOperand(dtype, shape, random), [1, 0]);
      const row = broadcastView(randomOperand(dtype, [1, 300], random), shape);
      const col = broadcastView(randomOperand(dtype, [37, 1], random), shape);
      runAndCheck(
        exprs,
        [x, row, col],
        [
          { dtype, shape },
          { dtype, shape },
        ],
        dtype === 'float32' ? 2e-6 : 1e-14,
      );
      const scalar = broadcastView(randomOperand(dtype, [1, 1], random), shape);
      runAndCheck(
        exprs,
        [x, scalar, col],
        [
          { dtype, shape },
          { dtype, shape },
        ],
        dtype === 'float32' ? 2e-6 : 1e-14,
      );
    });
  }

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: short rows run whole rows per tile: gate slices of wider rows, a broadcast row, strided and in-place outputs`, () => {
      // An LSTM cell's shapes: [rows, 20] slices of [rows, 80] gates. 37 rows = 3 tiles of 12
      // rows and a last one of 1; outputs start as NaN, so an element left unwritten fails.
      const random = rng(11);
      const rows = 37;
      const slice = gateSlices(dtype, rows, random);
      const state = randomOperand(dtype, [rows, 20], random);
      const bias = broadcastView(randomOperand(dtype, [1, 20], random), [rows, 20]);
      const filled = (size: number) =>
        (dtype === 'float32' ? new Float32Array(size) : new Float64Array(size)).fill(NaN);
      const cell: ScalarExpr[] = [
        apply(
          'add',
          apply('mul', apply('sigmoid', input(0)), input(3)),
          apply('mul', apply('sigmoid', input(1)), apply('tanh', input(2))),
        ),
        apply('mul', apply('sigmoid', input(0)), input(4)),
      ];
      const tol = dtype === 'float32' ? 2e-6 : 1e-14;
      // two outputs: one contiguous, one every other element of rows 45 wide
      const wide = filled(rows * 45);
      const [first, second] = runAndCheck(
        cell,
        [slice(0), slice(1), slice(2), state, bias],
        [
          { dtype, shape: [rows, 20], data: filled(rows * 20) },
          { dtype, shape: [rows, 20], data: wide, offset: 3, strides: [45, 2] },
        ],
        tol,
      );
      expect(viewValues(first).some(Number.isNaN)).toBe(false);
      expect(viewValues(second).some(Number.isNaN)).toBe(false);
      for (let i = 0; i < wide.length; i++) {
        const inView = i >= 3 && (i - 3) % 45 < 40 && (i - 3) % 2 === 0;
        if (!inView) expect(wide[i]).toBeNaN();
      }
      // one output, written straight from the last instruction
      runAndCheck(
        [cell[0]],
        [slice(0), slice(1), slice(3), state, bias],
        [{ dtype, shape: [rows, 20], data: filled(rows * 20) }],
        tol,
      );
    });
  }

  it('rows of every short length move whole into and out of the tiles (the overlapping 16-, 8- and 4-element moves)', () => {
    // Input and output are slices of wider rows, so every row is moved: lengths on both sides of
    // each move width. Exact references; the output's NaN around each slice must stay.
    const random = rng(43);
    const r = Math.fround;
    for (const dtype of ['float32', 'float64'] as const) {
      const round = dtype === 'float32' ? r : (v: number) => v;
      for (const len of [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 20, 31, 32, 33, 40]) {
        const rows = 29;
        const width = 2 * len + 3;
        const src = randomOperand(dtype, [rows, width], random, -3, 3);
        const x: Operand = { dtype, shape: [rows, len], data: src.data, offset: 1, strides: [width, 1] };
        const y: Operand = {
          dtype,
          shape: [rows, len],
          data: src.data,
          offset: len + 2,
          strides: [width, 1],
        };
        const outData = (
          dtype === 'float32' ? new Float32Array(rows * width) : new Float64Array(rows * width)
        ).fill(NaN);
        const [got] = runStep(
          'elementwise',
          [x, y],
          [{ dtype, shape: [rows, len], data: outData, offset: 2, strides: [width, 1] }],
          {
            outputs: [apply('mul', input(0), input(1))],
          },
        );
        const ys = viewValues(y);
        expect(viewValues(got), `${dtype}, rows of ${len}`).toEqual(
          viewValues(x).map((v, i) => round(v * ys[i])),
        );
        const written = new Set(
          Array.from({ length: rows * len }, (_, i) => 2 + Math.floor(i / len) * width + (i % len)),
        );
        const untouched = Array.from(got.data!).filter((_, i) => !written.has(i));
        expect(untouched.every(Number.isNaN), `${dtype}, rows of ${len}: nothing outside the view`).toBe(
          true,
        );
      }
    }
  });

  it('a multi-output composite computes its outputs in their own memory (no copy from the tiles): whole arrays, at an odd offset, gate slices in block mode', () => {
    // out0 = x·y + x reuses the register of x·y (dead after it), so the product is first written
    // into out0's memory too; exact references (one rounding per op); outputs start as NaN, and
    // the NaN around the offset view must stay.
    const random = rng(41);
    const exprs: ScalarExpr[] = [
      apply('add', apply('mul', input(0), input(1)), input(0)),
      apply('sub', input(0), input(1)),
    ];
    for (const dtype of ['float32', 'float64'] as const) {
      const r = dtype === 'float32' ? Math.fround : (v: number) => v;
      const filled = (size: number) =>
        (dtype === 'float32' ? new Float32Array(size) : new Float64Array(size)).fill(NaN);
      const check = (inputs: Operand[]) => {
        const n = sizeOf(inputs[0].shape);
        const outs: Operand[] = [
          { dtype, shape: inputs[0].shape, data: filled(n) },
          {
            dtype,
            shape: inputs[0].shape,
            data: filled(n + 20),
            offset: 3,
            strides: contiguousStrides(inputs[0].shape),
          },
        ];
        const [first, second] = runStep('elementwise', inputs, outs, { outputs: exprs });
        const [a, b] = inputs.map(viewValues);
        expect(viewValues(first)).toEqual(a.map((v, i) => r(r(v * b[i]) + v)));
        expect(viewValues(second)).toEqual(a.map((v, i) => r(v - b[i])));
        const data = second.data!;
        expect([...data.subarray(0, 3), ...data.subarray(3 + n)].every(Number.isNaN)).toBe(true);
      };
      check([randomOperand(dtype, [3001], random, -3, 3), randomOperand(dtype, [3001], random, -3, 3)]);
      const slice = gateSlices(dtype, 37, random, -3, 3);
      check([slice(1), slice(3)]);
    }
  });

  it('splits walks of 2^16 elements and more across intra-op threads with the same bits as one thread: one-row walks, gate slices in blocks of rows, an in-place output', () => {
    // The L2L cell on MNIST's 15,910 coordinates: 15,910 × 20 slices of 15,910 × 80 gates
    // (318,200 elements, block mode), a one-row walk of 70,001 (not a whole number of tiles),
    // a walk just below the threshold, and a composite updating its input in place beside a
    // second output. Outputs start as NaN: an element neither thread writes fails.
    const random = rng(44);
    const exprs: ScalarExpr[] = [
      apply('mul', apply('sigmoid', input(0)), apply('tanh', input(1))),
      apply('add', apply('mul', input(0), input(1)), input(0)),
    ];
    const runBoth = (inputs: Operand[], outputs: () => Operand[]) => {
      const one = runStep('elementwise', inputs, outputs(), { outputs: exprs });
      addon.setThreads(2);
      try {
        const two = runStep('elementwise', inputs, outputs(), { outputs: exprs });
        two.forEach((o, i) => expect(viewValues(o)).toEqual(viewValues(one[i])));
        for (const o of two) expect(viewValues(o).some(Number.isNaN)).toBe(false);
      } finally {
        addon.setThreads(1);
      }
    };
    const nans = (shape: number[]) => (): Operand[] =>
      exprs.map(() => ({ dtype: 'float32', shape, data: new Float32Array(sizeOf(shape)).fill(NaN) }));
    for (const n of [70001, (1 << 16) - 1]) {
      runBoth([randomOperand('float32', [n], random), randomOperand('float32', [n], random)], nans([n]));
    }
    const slice = gateSlices('float32', 15910, random);
    runBoth([slice(0), slice(2)], nans([15910, 20]));
    // in place: output 0 over input 0's buffer (what the in-place rewrite plans)
    const x = randomOperand('float32', [70001], random);
    const y = randomOperand('float32', [70001], random);
    const xs = viewValues(x),
      ys = viewValues(y);
    const r = Math.fround;
    addon.setThreads(2);
    try {
      const view = { offset: 0, shape: [70001], strides: [1] };
      const program = addon.createProgram({
        buffers: [
          { dtype: 'float32', size: 70001, role: 'temp', init: x.data },
          { dtype: 'float32', size: 70001, role: 'input' },
          { dtype: 'float32', size: 70001, role: 'output' },
        ],
        steps: [
          {
            kernel: 'elementwise',
            inputs: [
              { buffer: 0, ...view },
              { buffer: 1, ...view },
            ],
            outputs: [
              { buffer: 0, ...view },
              { buffer: 2, ...view },
            ],
            attrs: { outputs: [apply('mul', input(0), input(1)), apply('add', input(0), input(1))] },
          } as StepSpec,
        ],
        inputs: [1],
        outputs: [0, 2],
      });
      const [prod, sum] = addon.run(program, [y.data!]);
      expect(Array.from(prod)).toEqual(xs.map((v, i) => r(v * ys[i])));
      expect(Array.from(sum)).toEqual(xs.map((v, i) => r(v + ys[i])));
    } finally {
      addon.setThreads(1);
    }
  });

  it('an output written in place over an input is not computed in its own memory before the input is read', () => {
    // out0 = x·2 + 1 over x's memory, out1 = x·3 after it: the register of x·2 becomes out0's,
    // so computing in out0's memory would overwrite x before out1 reads it.
    const x = randomOperand('float32', [1000], rng(42), -3, 3);
    const xs = viewValues(x);
    const exprs: ScalarExpr[] = [
      apply('add', apply('mul', input(0), { const: 2 }), { const: 1 }),
      apply('mul', input(0), { const: 3 }),
    ];
    // one buffer holding x, read as the input and written as output 0 (what the in-place rewrite
    // plans); runStep would give the output a buffer of its own
    const view = { offset: 0, shape: [1000], strides: [1] };
    const program = addon.createProgram({
      buffers: [
        { dtype: 'float32', size: 1000, role: 'temp', init: x.data },
        { dtype: 'float32', size: 1000, role: 'output' },
      ],
      steps: [
        {
          kernel: 'elementwise',
          inputs: [{ buffer: 0, ...view }],
          outputs: [
            { buffer: 0, ...view },
            { buffer: 1, ...view },
          ],
          attrs: { outputs: exprs },
        } as StepSpec,
      ],
      inputs: [],
      outputs: [0, 1],
    });
    const [over, after] = addon
      .run(program, [])
      .map((data): Operand => ({ dtype: 'float32', shape: [1000], data }));
    const r = Math.fround;
    expect(viewValues(over)).toEqual(xs.map((v) => r(r(v * 2) + 1)));
    expect(viewValues(after)).toEqual(xs.map((v) => r(v * 3)));
  });

  it('x·(1 − x) and 1 − x² run as fused instructions with every operation rounded as on its own (same bits), and stay apart when the inner value has another user', () => {
    // The LSTM backward's gate derivatives: dy·x·(1 − x) and dy·(1 − x²). Exact references:
    // each operation rounded to the compute type (Math.fround for float32, Math.imul for int32).
    const random = rng(31);
    const one = { const: 1 } as ScalarExpr;
    const exprs: ScalarExpr[] = [
      apply('mul', input(1), apply('mul', input(0), apply('sub', one, input(0)))),
      apply('mul', apply('sub', one, input(0)), input(0)), // the other operand order
      apply('mul', input(1), apply('sub', one, apply('sqr', input(0)))),
    ];
    for (const dtype of ['float32', 'float64'] as const) {
      const r = dtype === 'float32' ? Math.fround : (v: number) => v;
      const x = randomOperand(dtype, [3, 700], random, -3, 3);
      const dy = randomOperand(dtype, [3, 700], random, -3, 3);
      const outs = exprs.map(() => ({ dtype, shape: [3, 700] }));
      const got = runStep('elementwise', [x, dy], outs, { outputs: exprs });
      const xs = Array.from(x.data!),
        ds = Array.from(dy.data!);
      const want = [
        xs.map((v, i) => r(ds[i] * r(v * r(1 - v)))),
        xs.map((v) => r(r(1 - v) * v)),
        xs.map((v, i) => r(ds[i] * r(1 - r(v * v)))),
      ];
      got.forEach((g, o) => expect(Array.from(g.data!)).toEqual(want[o]));
      // 1 − x also an output, x² also an output: computed once each and kept, not fused away
      const shared = [apply('sub', one, input(0)), ...exprs.slice(0, 1), apply('sqr', input(0)), exprs[2]];
      const both = runStep(
        'elementwise',
        [x, dy],
        shared.map(() => ({ dtype, shape: [3, 700] })),
        {
          outputs: shared,
        },
      );
      expect(Array.from(both[0].data!)).toEqual(xs.map((v) => r(1 - v)));
      expect(Array.from(both[1].data!)).toEqual(want[0]);
      expect(Array.from(both[2].data!)).toEqual(xs.map((v) => r(v * v)));
      expect(Array.from(both[3].data!)).toEqual(want[2]);
    }
    // int32 wraps as the separate ops do
    const xi: Operand = { dtype: 'int32', shape: [4], data: new Int32Array([3, -70000, 2 ** 30, -1]) };
    const [a, b] = runStep(
      'elementwise',
      [xi],
      [
        { dtype: 'int32', shape: [4] },
        { dtype: 'int32', shape: [4] },
      ],
      {
        outputs: [
          apply('mul', input(0), apply('sub', one, input(0))),
          apply('sub', one, apply('sqr', input(0))),
        ],
      },
    );
    expect(Array.from(a.data!)).toEqual(Array.from(xi.data!, (v) => Math.imul(v, (1 - v) | 0)));
    expect(Array.from(b.data!)).toEqual(Array.from(xi.data!, (v) => (1 - Math.imul(v, v)) | 0));
  });

  it('3-d walks of short rows: tiles across rows read and write operands contiguous in walk order in place, and move the others row by row', () => {
    // W·θ's shapes: θ broadcast along the middle axis keeps the walk 3-d with rows of 13, so a
    // 256-element tile spans rows. W and the first output are contiguous over the whole walk (in
    // place, also at an offset); θ (stride 0 in the middle), a float64 input (another dtype),
    // and the second output (every other element) are not. 7 × 9 × 13 = 819 elements: three
    // whole tiles and a partial one; outputs start as NaN, so an element left unwritten fails.
    const random = rng(23);
    const shape = [7, 9, 13];
    const w = randomOperand('float32', shape, random);
    const shifted: Operand = {
      dtype: 'float32',
      shape,
      data: randomOperand('float32', [819 + 5], random).data,
      offset: 5,
      strides: [117, 13, 1],
    };
    const theta = broadcastView(randomOperand('float32', [7, 1, 13], random), shape);
    const other = randomOperand('float64', shape, random);
    const filled = (size: number) => new Float32Array(size).fill(NaN);
    const exprs: ScalarExpr[] = [
      apply('add', apply('mul', input(0), input(2)), input(1)),
      apply('sub', apply('mul', input(0), input(2)), input(3)),
    ];
    const strided = filled(2 * 819);
    const [first, second] = runAndCheck(
      exprs,
      [w, shifted, theta, other],
      [
        { dtype: 'float32', shape, data: filled(819 + 3), offset: 3, strides: [117, 13, 1] },
        { dtype: 'float32', shape, data: strided, strides: [234, 26, 2] },
      ],
      1e-6,
    );
    expect(viewValues(first).some(Number.isNaN)).toBe(false);
    expect(viewValues(second).some(Number.isNaN)).toBe(false);
    for (let i = 1; i < strided.length; i += 2) expect(strided[i]).toBeNaN();
    // one output, written straight from the last instruction
    const [single] = runAndCheck(
      [exprs[0]],
      [w, shifted, theta, other],
      [{ dtype: 'float32', shape, data: filled(819) }],
      1e-6,
    );
    expect(viewValues(single).some(Number.isNaN)).toBe(false);
  });

  it('writes strided outputs (every other element of a larger buffer) with 3-d shapes and size-1 axes', () => {
    const random = rng(3);
    const shape = [2, 1, 5];
    const x = randomOperand('float64', shape, random);
    const data = new Float64Array(2 * 5 * 2);
    const [got] = runAndCheck(
      [apply('exp', input(0))],
      [x],
      [{ dtype: 'float64', shape, data, strides: [10, 99, 2] }],
      1e-15,
    );
    for (let i = 1; i < data.length; i += 2) expect(got.data![i]).toBe(0);
  });

  it('handles empty tensors without touching memory', () => {
    const [got] = runStep(
      'elementwise',
      [{ dtype: 'float32', shape: [0, 3], data: new Float32Array(0) }],
      [{ dtype: 'float32', shape: [0, 3] }],
      {
        outputs: [apply('neg', input(0))],
      },
    );
    expect(got.data!.length).toBe(0);
  });

  it('mixes dtypes: int32 and bool inputs, float32 compute, int32 and bool outputs with NumPy casting', () => {
    const i: Operand = { dtype: 'int32', shape: [6], data: new Int32Array([-3, -1, 0, 1, 2, 7]) };
    const c: Operand = { dtype: 'bool', shape: [6], data: new Uint8Array([1, 0, 1, 0, 1, 1]) };
    const f: Operand = {
      dtype: 'float32',
      shape: [6],
      data: new Float32Array([0.5, NaN, -2.7, 3e10, 2.5, -0.2]),
    };
    const outs = [
      { dtype: 'float32' as const, shape: [6] },
      { dtype: 'int32' as const, shape: [6] },
      { dtype: 'bool' as const, shape: [6] },
    ];
    runAndCheck(
      [
        apply('where', input(1), apply('mul', input(0), input(2)), { const: -1 }),
        apply('cast', input(2)),
        apply('gt', input(0), { const: 0 }),
      ],
      [i, c, f],
      outs,
      1e-7,
    );
    const [cast] = runStep('elementwise', [f], [{ dtype: 'int32', shape: [6] }], {
      outputs: [apply('identity', input(0))],
    });
    expect(Array.from(cast.data!)).toEqual([0, -2147483648, -2, -2147483648, 2, 0]);
  });

  it('an inner cast rounds to its dtype before the rest of the expression', () => {
    const x: Operand = { dtype: 'float64', shape: [3], data: new Float64Array([1.7, -1.7, 0.1]) };
    const [got] = runStep('elementwise', [x], [{ dtype: 'float64', shape: [3] }], {
      outputs: [apply('mul', { op: 'cast', args: [input(0)], dtype: 'int32' }, { const: 10 })],
    });
    expect(Array.from(got.data!)).toEqual([10, -10, 0]);
  });

  it('runs in place: the output view may be the input view', () => {
    const x = randomOperand('float32', [1000], rng(8));
    const view = { buffer: 1, offset: 0, shape: [1000], strides: [1] };
    const program = addon.createProgram({
      buffers: [
        { dtype: 'float32', size: 1000, role: 'input' },
        { dtype: 'float32', size: 1000, role: 'temp' },
        { dtype: 'float32', size: 1000, role: 'output' },
      ],
      inputs: [0],
      outputs: [2],
      steps: [
        { kernel: 'copy', inputs: [{ ...view, buffer: 0 }], outputs: [view], attrs: {} },
        {
          kernel: 'elementwise',
          inputs: [view],
          outputs: [view],
          attrs: { outputs: [apply('add', apply('mul', input(0), { const: 2 }), { const: 1 })] },
        },
        { kernel: 'copy', inputs: [view], outputs: [{ ...view, buffer: 2 }], attrs: {} },
      ],
    });
    const [got] = addon.run(program, [x.data!]);
    expect(Array.from(got)).toEqual(Array.from(x.data!, (v) => Math.fround(Math.fround(v * 2) + 1)));
  });

  // An optimizer's update: several outputs, one of them written over its own input (x += exp(y)).
  // The output's register also holds the temporary exp(y) first, so a kernel that computed outputs
  // straight into their memory would overwrite x before the add reads it. Both walks: 1-d tiles,
  // and 2-d blocks of short rows (y read through a column-strided view).
  for (const [label, shape, yStrides] of [
    ['tiles', [1000], [1]],
    ['blocks of rows', [100, 10], [20, 2]],
  ] as const) {
    it(`updates an input in place beside other outputs (${label})`, () => {
      const size = 1000;
      const x = randomOperand('float32', [size], rng(8));
      const y = randomOperand('float32', [2 * size], rng(9));
      const strides = shape.length === 1 ? [1] : [10, 1];
      const view = (buffer: number, s: readonly number[] = strides) => ({
        buffer,
        offset: 0,
        shape: [...shape],
        strides: [...s],
      });
      const program = addon.createProgram({
        buffers: [
          { dtype: 'float32', size, role: 'input' },
          { dtype: 'float32', size: 2 * size, role: 'input' },
          { dtype: 'float32', size, role: 'temp' },
          { dtype: 'float32', size, role: 'output' },
          { dtype: 'float32', size, role: 'output' },
        ],
        inputs: [0, 1],
        outputs: [3, 4],
        steps: [
          { kernel: 'copy', inputs: [view(0)], outputs: [view(2)], attrs: {} },
          {
            kernel: 'elementwise',
            inputs: [view(2), view(1, yStrides)],
            outputs: [view(2), view(4)],
            attrs: {
              outputs: [apply('add', input(0), apply('exp', input(1))), apply('mul', input(1), { const: 2 })],
            },
          },
          { kernel: 'copy', inputs: [view(2)], outputs: [view(3)], attrs: {} },
        ],
      });
      const [sum, twice] = addon.run(program, [x.data!, y.data!]);
      const yAt = (i: number) => y.data![shape.length === 1 ? i : Math.floor(i / 10) * 20 + (i % 10) * 2];
      const exps = Array.from({ length: size }, (_, i) => Math.exp(yAt(i)));
      expectClose(
        Array.from(sum),
        Array.from(x.data!, (v, i) => v + exps[i]),
        1e-6,
      );
      expect(Array.from(twice)).toEqual(Array.from({ length: size }, (_, i) => Math.fround(yAt(i) * 2)));
    });
  }

  it('rejects unknown ops and malformed trees when the program is created, naming the step', () => {
    const x = randomOperand('float32', [2], rng(1));
    expect(() =>
      runStep('elementwise', [x], [{ dtype: 'float32', shape: [2] }], {
        outputs: [apply('frobnicate' as ScalarOpName, input(0))],
        opName: 'Fused',
      }),
    ).toThrow(/createProgram: steps\[0\] 'Fused': outputs\[0\]: unknown elementwise op 'frobnicate'/);
    expect(() =>
      runStep('elementwise', [x], [{ dtype: 'float32', shape: [2] }], { outputs: [apply('add', input(0))] }),
    ).toThrow(/'add' needs 2 arguments/);
    expect(() =>
      runStep('elementwise', [x], [{ dtype: 'float32', shape: [2] }], { outputs: [input(3)] }),
    ).toThrow(/refers to input 3, but the step has 1 inputs/);
  });
});

describe('elementwise kernel: int32 arithmetic wraps (two’s complement) like the engine’s perform', () => {
  /** The reference: exact integer arithmetic (BigInt), then the low 32 bits as a signed int. */
  const wrap = (v: bigint): number => Number(BigInt.asIntN(32, v));
  const exact: Record<string, (a: bigint, b: bigint) => bigint> = {
    add: (a, b) => a + b,
    sub: (a, b) => a - b,
    mul: (a, b) => a * b,
    neg: (a) => -a,
    sqr: (a) => a * a,
    abs: (a) => (a < 0n ? -a : a),
  };
  const extremes = [2147483647, -2147483648, 65536, 46341, -46341, 123456789, -987654321, 7, -1, 0];
  const random = rng(11);
  // Longer than one 256-element tile, with the extremes first.
  const a = Int32Array.from({ length: 600 }, (_, i) => extremes[i] ?? Math.floor((random() - 0.5) * 2 ** 32));
  const b = Int32Array.from(
    { length: 600 },
    (_, i) => extremes[9 - i] ?? Math.floor((random() - 0.5) * 2 ** 32),
  );
  const ints = (data: Int32Array): Operand => ({ dtype: 'int32', shape: [data.length], data });

  for (const [op, f] of Object.entries(exact)) {
    it(`${op} wraps on overflow instead of storing INT32_MIN`, () => {
      const args = f.length === 2 ? [input(0), input(1)] : [input(0)];
      const [got] = runStep('elementwise', [ints(a), ints(b)], [{ dtype: 'int32', shape: [600] }], {
        outputs: [apply(op as ScalarOpName, ...args)],
      });
      const want = Array.from(a, (x, i) => wrap(f(BigInt(x), BigInt(b[i]))));
      expect(Array.from(got.data!)).toEqual(want);
    });
  }

  it('wraps every intermediate of an integer composite (a comparison sees the wrapped value)', () => {
    const [sum, positive] = runStep(
      'elementwise',
      [ints(a), ints(b)],
      [
        { dtype: 'int32', shape: [600] },
        { dtype: 'bool', shape: [600] },
      ],
      {
        outputs: [
          apply('add', apply('mul', input(0), { const: 3 }), input(1)),
          apply('gt', apply('mul', input(0), input(1)), { const: 0 }),
        ],
      },
    );
    const wantSum = Array.from(a, (x, i) => wrap(BigInt(x) * 3n + BigInt(b[i])));
    const wantPositive = Array.from(a, (x, i) => +(wrap(BigInt(x) * BigInt(b[i])) > 0));
    expect(Array.from(sum.data!)).toEqual(wantSum);
    expect(Array.from(positive.data!)).toEqual(wantPositive);
  });

  it('an integer composite with a fractional constant is still computed in float64', () => {
    const [got] = runStep('elementwise', [ints(a)], [{ dtype: 'int32', shape: [600] }], {
      outputs: [apply('mul', input(0), { const: 0.5 })],
    });
    expect(Array.from(got.data!)).toEqual(Array.from(a, (x) => Math.trunc(x * 0.5) | 0));
  });
});
