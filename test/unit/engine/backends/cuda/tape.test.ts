// The CUDA tape (engine/backends/cuda/tape.ts) on real programs: these run without a GPU, so the
// encoding the GPU executor reads (native/cuda/plan.cu) is checked here; the GPU suites
// (test/gpu/) check what the executor does with it.
import { describe, expect, it } from 'vitest';
import * as T from '../../../../../engine/index.ts';
import { nativeProgramSpec } from '../../../../../engine/backends/cpu/spec.ts';
import { hasCudaKernel } from '../../../../../engine/backends/cuda/deviceKernels.ts';
import {
  elementwiseCode,
  encodeTape,
  EW_OPCODES,
  runsOnDevice,
} from '../../../../../engine/backends/cuda/tape.ts';
import { jsBackend } from '../../../../../engine/backends/js.ts';
import type { Variable } from '../../../../../engine/core/graph.ts';
import type { NDArray } from '../../../../../engine/core/ndarray.ts';
import type { StepSpec } from '../../../../../native/program.ts';

const op = (name: string): number => (EW_OPCODES as readonly string[]).indexOf(name);

/** The tape's steps: [kind, kernel name, op name, attrs] per step, decoded as plan.cu reads them. */
function decode(tape: Float64Array): { kind: number; kernel: string; attrs: number[]; views: number }[] {
  let at = 0;
  const next = (): number => tape[at++];
  const text = (): string => String.fromCharCode(...Array.from({ length: next() }, next));
  expect([next(), next()]).toEqual([1279541057, 1]);
  const [nb, ns, ni, no] = [next(), next(), next(), next()];
  at += nb * 3 + ni + no;
  const steps = [];
  for (let s = 0; s < ns; s++) {
    const [kind, nin, nout] = [next(), next(), next()];
    const kernel = text();
    text();
    for (let v = 0; v < nin + nout; v++) {
      at += 2;
      const ndim = next();
      at += 2 * ndim;
    }
    const attrs = Array.from({ length: next() }, next);
    steps.push({ kind, kernel, attrs, views: nin + nout });
  }
  expect(at).toBe(tape.length);
  return steps;
}

function programOf(inputs: Variable[], outputs: Variable[], values: NDArray[]) {
  const f = T.fn(inputs, outputs, { backend: jsBackend });
  f(...values);
  return f.lastProgram!;
}

describe('cuda tape', () => {
  it('stores every output after every load, so an in-place output never clobbers an input', () => {
    const code = elementwiseCode([
      { op: 'add', args: [{ input: 0 }, { input: 1 }] },
      { op: 'exp', args: [{ input: 0 }] },
    ]);
    expect(code.map(([o, a]) => [EW_OPCODES[o], a])).toEqual([
      ['input', 0],
      ['input', 1],
      ['add', 0],
      ['input', 0],
      ['exp', 0],
      ['store', 1],
      ['store', 0],
    ]);
  });

  it('encodes casts with their dtype and a dtype-less cast as the identity', () => {
    const code = elementwiseCode([
      { op: 'cast', args: [{ input: 0 }], dtype: 'int32' },
      { op: 'cast', args: [{ input: 0 }] },
    ]);
    expect(code[1]).toEqual([op('cast'), 2, 0]);
    expect(code[3]).toEqual([op('identity'), 0, 0]);
  });

  it('encodes an MLP training step whose every step runs on the device', () => {
    const x = T.matrix('x');
    const labels = T.vector('labels', 'int32');
    const W = T.shared(T.randn([6, 4], { seed: 1 }), 'W');
    const b = T.shared(T.randn([4], { seed: 2 }), 'b');
    const loss = T.mean(T.softmaxCrossEntropy(T.add(T.dot(x, W), b), labels));
    const [gW, gb] = T.grad(loss, [W, b]);
    const f = T.fn([x, labels], loss, {
      updates: [
        [W, T.sub(W, T.mul(gW, 0.1))],
        [b, T.sub(b, T.mul(gb, 0.1))],
      ],
      backend: jsBackend,
    });
    f(T.randn([5, 6], { seed: 3 }), new T.NDArray(new Int32Array([0, 1, 2, 3, 0]), [5]));
    const program = f.lastProgram!;
    const { spec } = nativeProgramSpec(program, [W, b]);
    expect(spec.steps.filter((s) => !runsOnDevice(s)).map((s) => s.kernel)).toEqual([]);
    const steps = decode(encodeTape(spec));
    const kernels = new Set(steps.map((s) => s.kernel));
    for (const k of ['gemm', 'softmax_cross_entropy', 'softmax_cross_entropy_grad', 'elementwise'])
      expect(kernels.has(k), k).toBe(true);
    expect(steps.every((s) => s.kind >= 0 && s.kind <= 6)).toBe(true);
  });

  it('rewrites fill, concatenate and basic subtensor writes onto elementwise copies', () => {
    const x = T.vector('x');
    const y = T.vector('y');
    const xs = T.randn([3], { seed: 4 });
    const ys = T.randn([2], { seed: 5 });
    const program = programOf(
      [x, y],
      [T.concatenate([x, y]), T.incSubtensor(T.subtensor(T.mul(x, 2), '0:3:2'), y), T.onesLike(x)],
      [xs, ys],
    );
    const { spec } = nativeProgramSpec(program, []);
    const byKernel = (k: string): StepSpec[] => spec.steps.filter((s) => s.kernel === k);
    expect(byKernel('concatenate').length + byKernel('inc_subtensor').length).toBeGreaterThan(0);
    const steps = decode(encodeTape(spec));
    const concat = steps.filter((s) => s.kernel === 'concatenate');
    expect(concat.map((s) => s.kind)).toEqual([0, 0]); // one copy per input
    for (const s of steps.filter((t) => t.kernel === 'inc_subtensor')) expect(s.kind).toBe(0);
  });

  it('runs x[t] gradients and a run-time-batch embedding scatter on the device, as bridged slices and a scatter', () => {
    const x = T.matrix('x');
    const row = T.vector('row');
    const table = T.matrix('table');
    const ids = T.matrix('ids', 'int32');
    const rows = T.tensor('float32', [null, null, 3], 'rows');
    const program = programOf(
      [x, row, table, ids, rows],
      [T.incSubtensor(T.subtensor(x, 1), row), T.advancedIncSubtensor(table, rows, ids, 0)],
      [
        T.randn([4, 3], { seed: 6 }),
        T.randn([3], { seed: 7 }),
        T.randn([5, 3], { seed: 8 }),
        new T.NDArray(new Int32Array([0, 4, 4, 1]), [2, 2]),
        T.randn([2, 2, 3], { seed: 9 }),
      ],
    );
    const { spec } = nativeProgramSpec(program, []);
    expect(spec.steps.filter((s) => !runsOnDevice(s)).map((s) => s.kernel)).toEqual([]);
    const slice = spec.steps.find((s) => s.kernel === 'inc_subtensor')!;
    expect(slice.inputs[1].shape).toEqual([1, 3]); // the row with x's dropped axis as a unit axis
    expect(spec.steps.some((s) => s.kernel === 'advanced_inc_subtensor')).toBe(true);
    const kinds = decode(encodeTape(spec)).map((s) => s.kernel);
    expect(kinds).toContain('advanced_inc_subtensor');
  });

  it('keeps ops without a CUDA kernel on the host, and recognises those with one', () => {
    const x = T.matrix('x');
    const nodeOf = (v: Variable) => v.owner!;
    expect(hasCudaKernel(nodeOf(T.softmax(x)))).toBe(true);
    expect(hasCudaKernel(nodeOf(T.dot(x, x)))).toBe(true);
    const xi = T.matrix('xi', 'int32');
    expect(hasCudaKernel(nodeOf(T.dot(xi, xi)))).toBe(false);
    expect(hasCudaKernel(nodeOf(T.random.normal([3], { seed: 1 })))).toBe(true);
    expect(hasCudaKernel(nodeOf(T.random.normal([3], { seed: 1, offset: T.scalar('k', 'int32') })))).toBe(
      false,
    );
  });
});
