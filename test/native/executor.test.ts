// The program executor through the addon: shared state that persists and is updated in place,
// fresh V8 output arrays, JavaScript steps, errors that name the op (at creation and at run
// time, never a crash), handle validation, and loading in several worker threads at once.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { ProgramSpec, ScalarExpr, View } from '../../native/program.ts';
import { addon } from './helpers.ts';

/** The addon's loader, for worker threads (it packs createProgram's spec). */
const addonModule = new URL('../../native/addon.ts', import.meta.url).href;

const vec = (buffer: number, n: number, offset = 0): View => ({ buffer, offset, shape: [n], strides: [1] });

/** y = W·x (W shared 2x3); then W -= lr * outer(y, x) in place: a tiny training step. */
function trainingStep(lr: number): ProgramSpec {
  const w: View = { buffer: 1, offset: 0, shape: [2, 3], strides: [3, 1] };
  return {
    buffers: [
      { dtype: 'float64', size: 3, role: 'input' },
      { dtype: 'float64', size: 6, role: 'shared', init: new Float64Array([1, 0, 0, 0, 1, 0]) },
      { dtype: 'float64', size: 2, role: 'output' },
    ],
    inputs: [0],
    outputs: [2],
    steps: [
      {
        kernel: 'gemm',
        inputs: [w, { buffer: 0, offset: 0, shape: [3, 1], strides: [1, 1] }],
        outputs: [{ buffer: 2, offset: 0, shape: [2, 1], strides: [1, 1] }],
        attrs: { opName: 'Dot' },
      },
      {
        kernel: 'gemm',
        inputs: [
          { buffer: 2, offset: 0, shape: [2, 1], strides: [1, 1] },
          { buffer: 0, offset: 0, shape: [1, 3], strides: [1, 1] },
          w,
        ],
        outputs: [w],
        attrs: { alpha: -lr, beta: 1, opName: 'SGDUpdate' },
      },
    ],
  };
}

describe('program executor', () => {
  it('keeps shared variables in native memory and updates them in place across runs', () => {
    const program = addon.createProgram(trainingStep(0.5));
    const x = new Float64Array([1, 2, 3]);
    let w = [1, 0, 0, 0, 1, 0];
    for (let call = 0; call < 3; call++) {
      const [y] = addon.run(program, [x]);
      const want = [0, 1].map((i) => w[i * 3] * 1 + w[i * 3 + 1] * 2 + w[i * 3 + 2] * 3);
      expect(Array.from(y)).toEqual(want);
      w = w.map((v, k) => v - 0.5 * want[Math.floor(k / 3)] * x[k % 3]);
      expect(Array.from(addon.getShared(program, 1))).toEqual(w);
    }
    addon.setShared(program, 1, new Float64Array([0, 0, 1, 1, 0, 0]));
    expect(Array.from(addon.run(program, [x])[0])).toEqual([3, 1]);
    expect(() => addon.setShared(program, 1, new Float32Array(6))).toThrow(
      /must be a Float64Array of 6 elements, got a Float32Array/,
    );
    expect(() => addon.getShared(program, 0)).toThrow(/buffer 0 is not a shared, constant or temp buffer/);
  });

  it('runs programs whose arena is mapped (≥ 1 MiB, zero pages on first touch) like small ones', () => {
    // 2^19 float32 temporaries (2 MiB) between two elementwise steps: the arena is an anonymous
    // mapping the first run faults in; results must not depend on which path allocated it.
    const n = 1 << 19;
    const expr = (op: 'mul' | 'add') => ({
      outputs: [{ op, args: [{ input: 0 }, { input: 1 }] }],
      opName: op,
    });
    const program = addon.createProgram({
      buffers: [
        { dtype: 'float32', size: n, role: 'input' },
        { dtype: 'float32', size: n, role: 'shared', init: new Float32Array(n).fill(2) },
        { dtype: 'float32', size: n, role: 'temp' },
        { dtype: 'float32', size: n, role: 'output' },
      ],
      inputs: [0],
      // the temp returned too: else the two steps' row-block chain keeps it block-local
      outputs: [3, 2],
      steps: [
        { kernel: 'elementwise', inputs: [vec(0, n), vec(1, n)], outputs: [vec(2, n)], attrs: expr('mul') },
        { kernel: 'elementwise', inputs: [vec(2, n), vec(1, n)], outputs: [vec(3, n)], attrs: expr('add') },
      ],
    });
    const x = Float32Array.from({ length: n }, (_, i) => i % 1000);
    for (let call = 0; call < 2; call++) {
      const [y, product] = addon.run(program, [x]);
      expect(y.length).toBe(n);
      for (const i of [0, 1, 999, n - 1]) expect(y[i]).toBe(x[i] * 2 + 2);
      expect(product[n - 1]).toBe(x[n - 1] * 2);
    }
    expect(addon.getShared(program, 2)[n - 1]).toBe(x[n - 1] * 2);
  });

  it('returns fresh V8 typed arrays on every call, never the inputs or earlier results', () => {
    const program = addon.createProgram(trainingStep(0));
    const x = new Float64Array([1, 1, 1]);
    const [a] = addon.run(program, [x]);
    const [b] = addon.run(program, [x]);
    expect(a).toBeInstanceOf(Float64Array);
    expect(a.buffer).not.toBe(b.buffer);
    expect(a.buffer).not.toBe(x.buffer);
    a[0] = 123; // the caller owns the result
    expect(addon.run(program, [x])[0][0]).toBe(1);
  });

  it('runs JavaScript steps with copies of strided input views and checks what they return', () => {
    const seen: number[][] = [];
    const spec: ProgramSpec = {
      buffers: [
        { dtype: 'float32', size: 6, role: 'input' },
        { dtype: 'float32', size: 3, role: 'temp' },
        { dtype: 'float32', size: 3, role: 'output' },
      ],
      inputs: [0],
      outputs: [2],
      callbacks: [
        (inputs, shapes) => {
          seen.push(Array.from(inputs[0]), ...shapes);
          return [Float32Array.from(inputs[0], (v) => v * 10)];
        },
      ],
      steps: [
        {
          kernel: 'js',
          inputs: [{ buffer: 0, offset: 1, shape: [3], strides: [2] }],
          outputs: [vec(1, 3)],
          attrs: { callback: 0, opName: 'UserOp' },
        },
        {
          kernel: 'elementwise',
          inputs: [vec(1, 3)],
          outputs: [vec(2, 3)],
          attrs: { outputs: [{ op: 'add', args: [{ input: 0 }, { const: 1 }] }] },
        },
      ],
    };
    const program = addon.createProgram(spec);
    expect(Array.from(addon.run(program, [new Float32Array([0, 1, 0, 2, 0, 3])])[0])).toEqual([11, 21, 31]);
    expect(seen).toEqual([[1, 2, 3], [3]]);

    const wrong = addon.createProgram({ ...spec, callbacks: [() => [new Float64Array(3)]] });
    expect(() => addon.run(wrong, [new Float32Array(6)])).toThrow(
      /step 0 'UserOp' \(kernel js\): returned output 0 must be a Float32Array of 3 elements, got a Float64Array of 3 elements/,
    );
    const throwing = addon.createProgram({
      ...spec,
      callbacks: [
        () => {
          throw new Error('user op exploded');
        },
      ],
    });
    expect(() => addon.run(throwing, [new Float32Array(6)])).toThrow(
      /step 0 'UserOp' \(kernel js\): the JavaScript step threw: user op exploded/,
    );
    // The program is still usable after a failed run.
    expect(() => addon.run(throwing, [new Float32Array(6)])).toThrow(/user op exploded/);
  });

  it('profiles: stepSeconds accumulates the wall time of every step over runs', () => {
    const program = addon.createProgram(trainingStep(0.1));
    const seconds = new Float64Array(2);
    addon.run(program, [new Float64Array(3)], seconds);
    const once = Array.from(seconds);
    addon.run(program, [new Float64Array(3)], seconds);
    expect(once.every((s) => s > 0 && s < 1)).toBe(true);
    seconds.forEach((s, i) => expect(s).toBeGreaterThan(once[i]));
    expect(() => addon.run(program, [new Float64Array(3)], new Float64Array(5))).toThrow(
      /run: stepSeconds must be a Float64Array of 2 elements/,
    );
  });

  it('refuses to run a program from inside one of its own JavaScript steps', () => {
    const holder: { program?: ReturnType<typeof addon.createProgram> } = {};
    holder.program = addon.createProgram({
      buffers: [{ dtype: 'float32', size: 1, role: 'output' }],
      inputs: [],
      outputs: [0],
      callbacks: [() => addon.run(holder.program!, []) as Float32Array[]],
      steps: [{ kernel: 'js', inputs: [], outputs: [vec(0, 1)], attrs: { callback: 0 } }],
    });
    expect(() => addon.run(holder.program!, [])).toThrow(/already running/);
  });

  it('reports spec errors at creation, naming the step and the field', () => {
    const base = trainingStep(0.1);
    const withStep = (patch: object) => ({ ...base, steps: [{ ...base.steps[0], ...patch }] }) as ProgramSpec;
    expect(() => addon.createProgram(withStep({ kernel: 'conv9d' }))).toThrow(
      /createProgram: steps\[0\] 'Dot': unknown kernel 'conv9d'; known kernels: elementwise, gemm/,
    );
    expect(() =>
      addon.createProgram(withStep({ outputs: [{ buffer: 2, offset: 1, shape: [2, 1], strides: [1, 1] }] })),
    ).toThrow(/steps\[0\] 'Dot': output 0 \(offset 1\) reaches outside buffer 2 of 2 elements/);
    expect(() =>
      addon.createProgram(withStep({ outputs: [{ buffer: 0, offset: 0, shape: [2, 1], strides: [1, 1] }] })),
    ).toThrow(/output 0 writes to buffer 0, which is an input: those are read-only/);
    expect(() =>
      addon.createProgram({
        ...base,
        buffers: [...base.buffers, { dtype: 'float16' as 'float32', size: 1, role: 'temp' }],
      }),
    ).toThrow(/buffers\[3\]: dtype must be 'float32', 'float64', 'int32' or 'bool', got 'float16'/);
    expect(() => addon.createProgram({ ...base, outputs: [] })).toThrow(
      /buffer 2 has role 'output' but is not listed in spec.outputs/,
    );
  });

  it('names the malformed view axis or expression node, however deep', () => {
    // Malformed on purpose: the expressions below break ScalarExpr's type as a bad caller would.
    const elementwise = (inputView: View, expr: object): ProgramSpec => ({
      buffers: [
        { dtype: 'float32', size: 3, role: 'input' },
        { dtype: 'float32', size: 3, role: 'output' },
      ],
      inputs: [0],
      outputs: [1],
      steps: [
        {
          kernel: 'elementwise',
          inputs: [inputView],
          outputs: [vec(1, 3)],
          attrs: { outputs: [expr as ScalarExpr] },
        },
      ],
    });
    const double = { op: 'add', args: [{ input: 0 }, { input: 0 }] };
    expect(() => addon.createProgram(elementwise(vec(0, 3), double))).not.toThrow();
    expect(() =>
      addon.createProgram(elementwise({ buffer: 0, offset: 0, shape: [3], strides: [1, 1] }, double)),
    ).toThrow(/steps\[0\] .*inputs\[0\]: shape and strides must have the same length/);
    expect(() =>
      addon.createProgram(elementwise({ buffer: 0, offset: 0, shape: [1.5], strides: [1] }, double)),
    ).toThrow(/inputs\[0\]: shape\[0\] must be an integer, got 1\.5/);
    const nested = (leaf: object) => ({
      op: 'add',
      args: [{ input: 0 }, { op: 'mul', args: [{ input: 0 }, leaf] }],
    });
    expect(() => addon.createProgram(elementwise(vec(0, 3), nested({ const: 'two' })))).toThrow(
      /outputs\[0\]\.args\[1\]\.args\[1\]: const must be a number/,
    );
    expect(() => addon.createProgram(elementwise(vec(0, 3), nested({ op: 'frobnicate', args: [] })))).toThrow(
      /outputs\[0\]\.args\[1\]\.args\[1\]: unknown elementwise op 'frobnicate'/,
    );
    expect(() => addon.createProgram(elementwise(vec(0, 3), nested({ input: 'x' })))).toThrow(
      /outputs\[0\]\.args\[1\]\.args\[1\]: input must be an integer/,
    );
    expect(() => addon.createProgram(elementwise(vec(0, 3), nested({})))).toThrow(
      /outputs\[0\]\.args\[1\]\.args\[1\] must have one of input, const or op/,
    );
  });

  it('turns run-time kernel errors into JS errors naming the op, and validates run() arguments', () => {
    const program = addon.createProgram(trainingStep(0.1));
    expect(() => addon.run(program, [])).toThrow(/the program takes 1 inputs, got 0/);
    expect(() => addon.run(program, [new Float64Array(4)])).toThrow(
      /input 0 \(buffer 0\) must be a Float64Array of 3 elements, got a Float64Array of 4/,
    );
    expect(() => addon.run({} as typeof program, [])).toThrow(
      /expected a program handle returned by createProgram/,
    );
    const mismatched = addon.createProgram({
      buffers: [
        { dtype: 'float32', size: 6, role: 'input' },
        { dtype: 'float32', size: 4, role: 'output' },
      ],
      inputs: [0],
      outputs: [1],
      steps: [
        {
          kernel: 'gemm',
          inputs: [
            { buffer: 0, offset: 0, shape: [2, 3], strides: [3, 1] },
            { buffer: 0, offset: 0, shape: [2, 3], strides: [3, 1] },
          ],
          outputs: [{ buffer: 1, offset: 0, shape: [2, 2], strides: [2, 1] }],
          attrs: { opName: 'Dot{x, x}' },
        },
      ],
    });
    expect(() => addon.run(mismatched, [new Float32Array(6)])).toThrow(
      /^step 0 'Dot\{x, x\}' \(kernel gemm\): gemm shapes do not match/,
    );
  });

  it('packs views and expression trees into the arrays createProgram reads, and checks a packed spec', () => {
    const spec: ProgramSpec = {
      buffers: [
        { dtype: 'float64', size: 6, role: 'input' },
        { dtype: 'float64', size: 3, role: 'output' },
      ],
      inputs: [0],
      outputs: [1],
      steps: [
        {
          kernel: 'elementwise',
          inputs: [{ buffer: 0, offset: 1, shape: [3], strides: [2] }],
          outputs: [vec(1, 3)],
          attrs: {
            outputs: [
              { op: 'cast', dtype: 'int32', args: [{ op: 'mul', args: [{ input: 0 }, { const: -1.5 }] }] },
            ],
          },
        },
      ],
    };
    const wire = addon.packProgram(spec);
    expect([...wire.views]).toEqual([0, 1, 1, 1, 3, 2, 1, 0, 1, 1, 3, 1]);
    expect([...wire.layout]).toEqual([1, 1, 0]);
    const code = (op: string) => addon.elementwiseOps.indexOf(op);
    expect([...wire.exprs]).toEqual([
      ...[1, 4], // one tree of four nodes, in post-order:
      ...[0, 0, 0, -1], // input 0
      ...[1, 0, -1.5, -1], // const -1.5
      ...[2, code('mul'), 0, -1],
      ...[2, code('cast'), 0, 2], // cast to int32 (lab_dtype 2)
    ]);
    const program = addon.createPackedProgram(wire);
    expect([...addon.run(program, [new Float64Array([0, 1, 0, 3, 0, 5])])[0]]).toEqual(
      [-1, -4, -7], // 1, 3 and 5 times -1.5, truncated
    );

    // A packed spec made by hand is checked too: never read past its arrays, nothing left over.
    const short = { ...wire, views: wire.views.slice(0, 9) };
    expect(() => addon.createPackedProgram(short)).toThrow(
      /steps\[0\] .*outputs\[0\]: the packed views end early/,
    );
    const extra = { ...wire, views: Float64Array.from([...wire.views, 0]) };
    expect(() => addon.createPackedProgram(extra)).toThrow(
      /spec.views holds more numbers than the steps' views/,
    );
    const wrongOp = { ...wire, exprs: Float64Array.from(wire.exprs, (v, i) => (i === 11 ? 1e6 : v)) };
    expect(() => addon.createPackedProgram(wrongOp)).toThrow(/a packed expression op is out of range/);
    expect(() => addon.createPackedProgram({ ...wire, layout: new Int32Array(2) })).toThrow(
      /spec.layout \(three per step\) must be a Int32Array of 3 elements/,
    );
  });

  it('packs a long program whose packed arrays outgrow their first allocation', () => {
    // 400 steps of y += 1 (one tree of three nodes each, 14 numbers): the expressions' array
    // starts at 1,024 numbers, so it grows several times, at step and tree boundaries alike.
    const steps = 400;
    const y = vec(1, 2);
    const spec: ProgramSpec = {
      buffers: [
        { dtype: 'float64', size: 2, role: 'input' },
        { dtype: 'float64', size: 2, role: 'shared' },
      ],
      inputs: [0],
      outputs: [1],
      steps: [
        { kernel: 'copy', inputs: [vec(0, 2)], outputs: [y], attrs: {} },
        ...Array.from({ length: steps }, (_, i) => ({
          kernel: 'elementwise' as const,
          inputs: [y],
          outputs: [y],
          attrs: {
            opName: `add ${i}`,
            outputs: [{ op: 'add' as const, args: [{ input: 0 }, { const: 1 }] }],
          },
        })),
      ],
    };
    const wire = addon.packProgram(spec);
    expect(wire.exprs.length).toBe(14 * steps);
    const [out] = addon.run(addon.createProgram(spec), [new Float64Array([0.5, -2])]);
    expect([...out]).toEqual([0.5 + steps, -2 + steps]);
  });

  it('loads and runs programs in several worker threads at once (context-aware addon)', async () => {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.addonModule).then(({ loadNativeAddon }) => {
      const addon = loadNativeAddon();
      const program = addon.createProgram({
        buffers: [{ dtype: 'float64', size: 3, role: 'input' }, { dtype: 'float64', size: 1, role: 'output' },
                  { dtype: 'float64', size: 1, role: 'shared' }],
        inputs: [0], outputs: [1, 2],
        steps: [
          { kernel: 'reduce', inputs: [{ buffer: 0, offset: 0, shape: [3], strides: [1] }],
            outputs: [{ buffer: 1, offset: 0, shape: [1], strides: [1] }], attrs: { op: 'sum' } },
          { kernel: 'elementwise', inputs: [{ buffer: 2, offset: 0, shape: [1], strides: [1] }, { buffer: 1, offset: 0, shape: [1], strides: [1] }],
            outputs: [{ buffer: 2, offset: 0, shape: [1], strides: [1] }], attrs: { outputs: [{ op: 'add', args: [{ input: 0 }, { input: 1 }] }] } },
        ],
      });
      addon.setThreads(workerData.k);
      let out;
      for (let i = 0; i < 100; i++) out = addon.run(program, [new Float64Array([workerData.k, 1, 1])]);
      parentPort.postMessage([out[0][0], out[1][0], addon.getThreads()]);
      });
    `;
    const results = await Promise.all(
      [1, 2, 3, 4].map(
        (k) =>
          new Promise<number[]>((resolve, reject) => {
            const worker = new Worker(source, { eval: true, workerData: { addonModule, k } });
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      ),
    );
    expect(results).toEqual([1, 2, 3, 4].map((k) => [k + 2, 100 * (k + 2), k]));
    expect(addon.getThreads()).toBe(1); // settings are per thread (per addon instance)
  });
});
