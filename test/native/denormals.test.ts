// setDenormals: programs run with float denormals flushed to zero ('flush') or kept as IEEE
// ('keep', the default) — in every native step, GEMM's second thread included — while JavaScript,
// inside a program's JavaScript steps and after a run (a failed one too), keeps IEEE.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgramSpec, View } from '../../native/program.ts';
import { addon } from './helpers.ts';

const vec = (buffer: number, n: number): View => ({ buffer, offset: 0, shape: [n], strides: [1] });
const matrix = (buffer: number, rows: number, cols: number): View => ({
  buffer,
  offset: 0,
  shape: [rows, cols],
  strides: [cols, 1],
});

const N = 64;
// 1536 x 20 · 20 x 80: large enough that GEMM splits the rows over two threads.
const M = 1536;
const K = 20;
const P = 80;

/**
 * out0 = x · 1e-20 (a denormal result for x = 1e-20: FTZ), out1 = d · 1e10 (a normal result of a
 * denormal input d = 1e-40: DAZ), out2 = A·B with every product 1e-40 (denormal sums of them),
 * out3 = a JavaScript step's float64 1e-300 · 1e-10 (a float64 denormal).
 */
function spec(): ProgramSpec {
  return {
    buffers: [
      { dtype: 'float32', size: N, role: 'input' },
      { dtype: 'float32', size: N, role: 'input' },
      { dtype: 'float32', size: M * K, role: 'input' },
      { dtype: 'float32', size: K * P, role: 'input' },
      { dtype: 'float64', size: 1, role: 'input' },
      { dtype: 'float32', size: N, role: 'output' },
      { dtype: 'float32', size: N, role: 'output' },
      { dtype: 'float32', size: M * P, role: 'output' },
      { dtype: 'float64', size: 1, role: 'output' },
    ],
    inputs: [0, 1, 2, 3, 4],
    outputs: [5, 6, 7, 8],
    callbacks: [(inputs) => [Float64Array.of(inputs[0][0] * 1e-10)]],
    steps: [
      {
        kernel: 'elementwise',
        inputs: [vec(0, N)],
        outputs: [vec(5, N)],
        attrs: { outputs: [{ op: 'mul', args: [{ input: 0 }, { const: 1e-20 }] }] },
      },
      {
        kernel: 'elementwise',
        inputs: [vec(1, N)],
        outputs: [vec(6, N)],
        attrs: { outputs: [{ op: 'mul', args: [{ input: 0 }, { const: 1e10 }] }] },
      },
      { kernel: 'gemm', inputs: [matrix(2, M, K), matrix(3, K, P)], outputs: [matrix(7, M, P)], attrs: {} },
      { kernel: 'js', inputs: [vec(4, 1)], outputs: [vec(8, 1)], attrs: { callback: 0, opName: 'UserOp' } },
    ],
  };
}

const inputs = () => [
  new Float32Array(N).fill(1e-20),
  new Float32Array(N).fill(1e-40),
  new Float32Array(M * K).fill(1e-20),
  new Float32Array(K * P).fill(1e-20),
  Float64Array.of(1e-300),
];

/** A float64 product that is a denormal under IEEE; read from the environment so it is computed at run time. */
const javascriptDenormal = () => Number(process.env.LAB_TEST_TINY ?? '1e-300') * 1e-10;

afterEach(() => {
  addon.setDenormals('keep');
  addon.setThreads(1);
});

describe('denormal mode of program runs', () => {
  it("keeps IEEE denormals by default ('keep')", () => {
    expect(addon.getDenormals()).toBe('keep');
    const [ftz, daz, product, js] = addon.run(addon.createProgram(spec()), inputs());
    expect(ftz[0]).toBe(Math.fround(Math.fround(1e-20) * 1e-20));
    expect(ftz[0]).toBeGreaterThan(0);
    expect(daz[0]).toBe(Math.fround(Math.fround(1e-40) * 1e10));
    expect(daz[0]).toBeGreaterThan(0);
    expect(product[0]).toBeGreaterThan(1e-39);
    expect(product[M * P - 1]).toBe(product[0]);
    expect(js[0]).toBe(1e-310);
  });

  it("'flush': denormal results and inputs are zero in every native step, on both of GEMM's threads", () => {
    const program = addon.createProgram(spec());
    addon.setDenormals('flush');
    expect(addon.getDenormals()).toBe('flush');
    for (const threads of [1, 2]) {
      addon.setThreads(threads);
      const [ftz, daz, product, js] = addon.run(program, inputs());
      expect(Array.from(ftz).every((v) => Object.is(v, 0))).toBe(true);
      expect(Array.from(daz).every((v) => Object.is(v, 0))).toBe(true);
      expect(product.every((v) => v === 0)).toBe(true);
      // The JavaScript step inside the run, and JavaScript after it, keep IEEE.
      expect(js[0]).toBe(1e-310);
      expect(javascriptDenormal()).toBeGreaterThan(0);
    }
  });

  it('puts the caller back to IEEE after a run that fails inside it', () => {
    const throwing = addon.createProgram({
      ...spec(),
      callbacks: [
        () => {
          throw new Error('user op exploded');
        },
      ],
    });
    addon.setDenormals('flush');
    expect(() => addon.run(throwing, inputs())).toThrow(/user op exploded/);
    expect(javascriptDenormal()).toBeGreaterThan(0);
  });

  it('refuses a mode it does not know, naming the two it takes', () => {
    expect(() => addon.setDenormals('fast' as 'flush')).toThrow(
      /setDenormals\(mode\): mode must be 'flush' or 'keep', got 'fast'/,
    );
    expect(addon.getDenormals()).toBe('keep');
  });
});
