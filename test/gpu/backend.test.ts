// The cuda backend on a real GPU: what the differential suites (run on the GPU by the check
// bundle) do not cover — device status, CUDA-graph replay of repeated calls, shared variables
// resident on the device, Philox draws bit-compatible with engine/random/philox.ts, run-time
// errors naming the op, and a TypeScript-only op running on the host between GPU steps.
// Without a GPU every test here is skipped and the reason is printed.
import { describe, expect, it } from 'vitest';
import * as T from '../../engine/index.ts';
import type { Backend } from '../../engine/backends/backend.ts';
import { cudaBackend, cudaStatus, type CudaExecutable } from '../../engine/backends/cuda/index.ts';
import { jsBackend } from '../../engine/backends/js.ts';
import { Adam } from '../../engine/optim/adam.ts';
import { Op, type Apply, type Variable } from '../../engine/core/graph.ts';
import { NDArray, type Shape } from '../../engine/core/ndarray.ts';
import { TensorType } from '../../engine/core/type.ts';
import { gpuSkipReason } from './skip.ts';

const skip = gpuSkipReason();

/** A cuda backend that keeps what it prepared, to look at host steps and graph replay. */
function recordingCuda(): { backend: Backend; prepared: CudaExecutable[] } {
  const prepared: CudaExecutable[] = [];
  return {
    prepared,
    backend: {
      name: 'cuda',
      prepare(program, shared) {
        const e = cudaBackend.prepare(program, shared) as CudaExecutable;
        prepared.push(e);
        return e;
      },
    },
  };
}

function seeded(shape: Shape, seed: number): NDArray {
  return T.randn(shape, { seed }).astype('float32');
}

/** |a - b| <= tol * max(1, |b|) element by element. */
function expectClose(a: NDArray, b: NDArray, tol: number, what: string): void {
  const [x, y] = [a.toFlat(), b.toFlat()];
  expect(x.length, what).toBe(y.length);
  for (let i = 0; i < y.length; i++) {
    if (!(Math.abs(x[i] - y[i]) <= tol * Math.max(1, Math.abs(y[i])))) {
      expect.fail(`${what}: element ${i} is ${x[i]}, the js reference ${y[i]}`);
    }
  }
}

/** x² with only a TypeScript perform: no kernel of any backend, so it runs on the host. */
class HostOnlySquare extends Op {
  makeNode(x: Variable): Apply {
    return this.node([x], [new TensorType(x.dtype, x.staticShape)]);
  }
  perform([x]: readonly NDArray[]): NDArray[] {
    const out = x.astype(x.dtype, true);
    const d = out.data;
    for (let i = 0; i < d.length; i++) d[i] = d[i] * d[i];
    return [out];
  }
}

describe.skipIf(skip !== null)('cuda backend on the GPU', () => {
  it('reports the device it runs on', () => {
    const s = cudaStatus();
    expect(s.available, s.reason).toBe(true);
    expect(s.device.length).toBeGreaterThan(0);
  });

  it('replays a captured CUDA graph on repeated calls with the same results', () => {
    // The same graph in float32 for the GPU and in float64 for the js reference.
    const build = (dtype: 'float32' | 'float64'): [Variable, Variable] => {
      const x = T.matrix('x', dtype);
      const W = T.shared(seeded([64, 32], 1).astype(dtype), 'W');
      return [x, T.sum(T.softmax(T.tanh(T.dot(x, W))), 1)];
    };
    const [x, y] = build('float32');
    const { backend, prepared } = recordingCuda();
    const f = T.fn([x], y, { backend });
    const xs = seeded([16, 64], 2);
    const first = (f(xs) as NDArray).toFlat();
    expect(prepared[0].stats().graphReplayed).toBe(false);
    f(xs);
    const third = (f(xs) as NDArray).toFlat();
    expect(prepared[0].stats().graphReplayed).toBe(true);
    expect(prepared[0].stats().lastRunGpuMs).toBeGreaterThan(0);
    expect(third).toEqual(first);
    const [x64, y64] = build('float64');
    const ref = T.fn([x64], y64, { backend: jsBackend })(xs.astype('float64')) as NDArray;
    expectClose(new NDArray(Float64Array.from(third), [16]), ref, 1e-5, 'graph replay vs js');
  });

  it('splits long-K products over many blocks (weight gradients over 15,910 rows) and sums the slices exactly', () => {
    // 20 x 80 outputs from K = 15,910: too few tiles for the GPU, so K is cut into slices.
    const build = (dtype: 'float32' | 'float64'): { inputs: Variable[]; outputs: Variable[] } => {
      const [a, b, c] = [T.matrix('a', dtype), T.matrix('b', dtype), T.matrix('c', dtype)];
      const ab = T.dot(T.transpose(a), b);
      return { inputs: [a, b, c], outputs: [ab, T.add(T.mul(ab, 0.5), c)] };
    };
    const values = [seeded([15910, 20], 6), seeded([15910, 80], 7), seeded([20, 80], 8)];
    for (const dtype of ['float32', 'float64'] as const) {
      const gpu = build(dtype);
      const got = T.fn(gpu.inputs, gpu.outputs, { backend: cudaBackend })(
        ...values.map((v) => v.astype(dtype)),
      ) as NDArray[];
      const ref = build('float64');
      const want = T.fn(ref.inputs, ref.outputs, { backend: jsBackend })(
        ...values.map((v) => v.astype('float64')),
      ) as NDArray[];
      const tol = dtype === 'float32' ? 2e-5 : 1e-12;
      got.forEach((g, i) => expectClose(g, want[i], tol * 130, `${dtype} output ${i}`));
    }
  });

  it("profiles a program step by step: the steps' GPU times, without graph replay", () => {
    const x = T.matrix('x');
    const W = T.shared(seeded([64, 32], 1), 'W');
    const { backend, prepared } = recordingCuda();
    const f = T.fn([x], T.sum(T.tanh(T.dot(x, W))), { backend });
    const xs = seeded([256, 64], 2);
    const plain = (f(xs) as NDArray).toFlat();
    prepared[0].profile(true);
    for (let i = 0; i < 3; i++) expect((f(xs) as NDArray).toFlat()).toEqual(plain);
    const { runs, stepMs } = prepared[0].profile(false);
    expect(runs).toBe(3);
    expect(stepMs.length).toBe(prepared[0].program.steps.length);
    expect(stepMs.every((ms) => ms >= 0)).toBe(true);
    expect(stepMs.reduce((t, ms) => t + ms, 0)).toBeGreaterThan(0);
    expect(prepared[0].stats().graphReplayed).toBe(false);
  });

  it('a replayed graph runs independent steps concurrently and gives the step-by-step results to the bit', () => {
    // An MLP trained with Adam: per-parameter gradient products and updates are independent
    // branches, ordered in the graph only by the buffers they share.
    const train = (graphs: boolean): { losses: number[]; weights: number[][]; replayed: boolean } => {
      const x = T.matrix('x');
      const y = T.vector('y', 'int32');
      const W1 = T.shared(seeded([12, 16], 11), 'W1');
      const b1 = T.shared(seeded([16], 12), 'b1');
      const W2 = T.shared(seeded([16, 5], 13), 'W2');
      const b2 = T.shared(seeded([5], 14), 'b2');
      const params = [W1, b1, W2, b2];
      const logits = T.add(T.dot(T.tanh(T.add(T.dot(x, W1), b1)), W2), b2);
      const loss = T.mean(T.softmaxCrossEntropy(logits, y));
      const updates = new Adam({ lr: 0.05 }).updates(params, T.grad(loss, params));
      const { backend, prepared } = recordingCuda();
      const f = T.fn([x, y], loss, { updates, backend });
      const xs = seeded([32, 12], 15);
      const ys = new NDArray(
        Int32Array.from({ length: 32 }, (_, i) => (i * 7) % 5),
        [32],
      );
      const losses: number[] = [];
      for (let i = 0; i < 6; i++) {
        losses.push((f(xs, ys) as NDArray).toFlat()[0]);
        prepared[0].graphs = graphs; // the first call prepares the program; it never replays
      }
      const replayed = prepared[0].stats().graphReplayed;
      return { losses, weights: params.map((p) => p.get().toFlat()), replayed };
    };
    const [graph, steps] = [train(true), train(false)];
    expect(graph.replayed).toBe(true);
    expect(steps.replayed).toBe(false);
    expect(graph.losses).toEqual(steps.losses);
    expect(graph.weights).toEqual(steps.weights);
    expect(graph.losses[5]).toBeLessThan(graph.losses[0]);
  });

  it('keeps shared variables on the device between calls; get() pulls them, set() pushes', () => {
    const v = T.shared(new NDArray(new Float32Array([1, 2, 3]), [3]), 'v');
    const bump = T.fn([], T.sum(v), { updates: [[v, T.mul(v, 2)]], backend: cudaBackend });
    for (let i = 0; i < 3; i++) bump();
    expect(v.get().toFlat()).toEqual([8, 16, 24]);
    v.set(new NDArray(new Float32Array([1, 1, 1]), [3]));
    expect((bump() as NDArray).toFlat()).toEqual([3]);
    expect(v.get().toFlat()).toEqual([2, 2, 2]);
  });

  it('draws the Philox numbers of engine/random/philox.ts', () => {
    const shape = [257, 33];
    const draws = [
      T.random.uniform(shape, { seed: 11, low: -2, high: 3 }),
      T.random.bernoulli(shape, { seed: 12, p: 0.3 }),
      T.random.normal(shape, { seed: 2 ** 40 + 5, mean: 1, std: 2 }),
    ];
    const gpu = T.fn([], draws, { backend: cudaBackend })() as NDArray[];
    const js = T.fn([], draws, { backend: jsBackend })() as NDArray[];
    expect(gpu[0].toFlat()).toEqual(js[0].toFlat());
    expect(gpu[1].toFlat()).toEqual(js[1].toFlat());
    // Box–Muller goes through log/cos: the spec allows an ulp between math libraries.
    expectClose(gpu[2], js[2], 4e-7, 'normal draws');
  });

  it('names the op when a label is out of range, and runs again afterwards', () => {
    const logits = T.matrix('logits');
    const labels = T.vector('labels', 'int32');
    const f = T.fn([logits, labels], T.mean(T.softmaxCrossEntropy(logits, labels)), { backend: cudaBackend });
    const xs = seeded([3, 4], 3);
    expect(() => f(xs, new NDArray(new Int32Array([0, 9, 1]), [3]))).toThrow(
      /label 9 in row 1 is out of range/,
    );
    const ok = f(xs, new NDArray(new Int32Array([0, 3, 1]), [3])) as NDArray;
    expect(Number.isFinite(ok.toFlat()[0])).toBe(true);
  });

  it('runs a TypeScript-only op on the host between GPU steps', () => {
    const build = (dtype: 'float32' | 'float64'): { inputs: Variable[]; outputs: Variable[] } => {
      const x = T.matrix('x', dtype);
      const W = T.matrix('W', dtype);
      const h = new HostOnlySquare().apply(T.sigmoid(T.dot(x, W)));
      return { inputs: [x, W], outputs: [T.sum(T.mul(h, 3)), T.tanh(h)] };
    };
    const gpu = build('float32');
    const { backend, prepared } = recordingCuda();
    const f = T.fn(gpu.inputs, gpu.outputs, { backend });
    const [xs, ws] = [seeded([8, 5], 4), seeded([5, 6], 5)];
    const got = f(xs, ws) as NDArray[];
    const ref = build('float64');
    const want = T.fn(ref.inputs, ref.outputs, { backend: jsBackend })(
      xs.astype('float64'),
      ws.astype('float64'),
    ) as NDArray[];
    got.forEach((g, i) => expectClose(g, want[i], 2e-5, `output ${i}`));
    const host = prepared[0].program.steps.filter((_, i) => prepared[0].hostSteps[i]).map((s) => s.opName);
    expect(host).toEqual(['HostOnlySquare']);
  });
});

if (skip !== null) {
  describe('cuda backend on the GPU', () => {
    it.skip(`skipped: ${skip}`, () => undefined);
  });
}
