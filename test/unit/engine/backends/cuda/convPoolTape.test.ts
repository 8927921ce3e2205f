// Convolution and pooling in the CUDA tape (engine/backends/cuda/tape.ts → native/cuda/plan.cu):
// a conv net's training step runs entirely on the device, and each conv/pool step carries the
// attrs planConv/planPool read. Runs without a GPU; the kernels' arithmetic is checked on the CPU
// (test/native/convPool.test.ts runs the same element functions), and on a GPU by the check
// bundle's differential suite (test/differential/convPool.test.ts).
import { describe, expect, it } from 'vitest';
import * as T from '../../../../../engine/index.ts';
import { nativeProgramSpec } from '../../../../../engine/backends/cpu/spec.ts';
import { hasCudaKernel } from '../../../../../engine/backends/cuda/deviceKernels.ts';
import { encodeTape, runsOnDevice } from '../../../../../engine/backends/cuda/tape.ts';
import { jsBackend } from '../../../../../engine/backends/js.ts';
import type { StepSpec } from '../../../../../native/program.ts';

/** The tape's conv (9) and pool (10) steps with their attrs, decoded as plan.cu reads them. */
function convAndPoolSteps(tape: Float64Array): { kind: number; kernel: string; attrs: number[] }[] {
  let at = 2;
  const next = (): number => tape[at++];
  const text = (): string => String.fromCharCode(...Array.from({ length: next() }, next));
  const [nb, ns, ni, no] = [next(), next(), next(), next()];
  at += nb * 3 + ni + no;
  const found = [];
  for (let s = 0; s < ns; s++) {
    const [kind, nin, nout] = [next(), next(), next()];
    const kernel = text();
    text();
    for (let v = 0; v < nin + nout; v++) {
      at += 2; // buffer, offset
      const ndim = next();
      at += 2 * ndim; // shape, strides
    }
    const attrs = Array.from({ length: next() }, next);
    if (kind === 9 || kind === 10) found.push({ kind, kernel, attrs });
  }
  expect(at).toBe(tape.length);
  return found;
}

describe('cuda tape: convolution and pooling', () => {
  it('a conv net training step runs every step on the device, with each kernel’s attrs', () => {
    const x = T.tensor('float32', [null, 1, 8, 8], 'x');
    const labels = T.vector('labels', 'int32');
    const w = T.shared(T.randn([4, 1, 3, 3], { seed: 1 }), 'w');
    const v = T.shared(T.randn([16, 3], { seed: 2 }), 'v');
    const h = T.maxPool2d(T.relu(T.conv2d(x, w, { padding: 1, stride: [1, 1], dilation: 1 })), 3, {
      stride: 2,
      padding: 1,
      ceilMode: true,
    });
    const a = T.avgPool2d(h, 2, { countIncludePad: false });
    const logits = T.dot(T.reshape(a, [-1, 16]), v);
    const loss = T.mean(T.softmaxCrossEntropy(logits, labels));
    const [gw, gv] = T.grad(loss, [w, v]);
    for (const node of [h.owner!, a.owner!, T.conv2d(x, w).owner!]) expect(hasCudaKernel(node)).toBe(true);
    const f = T.fn([x, labels], loss, {
      updates: [
        [w, T.sub(w, T.mul(gw, 0.1))],
        [v, T.sub(v, T.mul(gv, 0.1))],
      ],
      backend: jsBackend,
    });
    f(T.randn([2, 1, 8, 8], { seed: 3 }), new T.NDArray(new Int32Array([0, 2]), [2]));
    const { spec } = nativeProgramSpec(f.lastProgram!, [w, v]);
    expect(spec.steps.filter((s: StepSpec) => !runsOnDevice(s)).map((s) => s.kernel)).toEqual([]);
    const steps = convAndPoolSteps(encodeTape(spec));
    const byKernel = (k: string): number[][] => steps.filter((s) => s.kernel === k).map((s) => s.attrs);
    // mode, stride h/w, padding h/w, dilation h/w, groups
    expect(byKernel('conv2d')).toEqual([[0, 1, 1, 1, 1, 1, 1, 1]]);
    expect(byKernel('conv2d_grad_weight')).toEqual([[2, 1, 1, 1, 1, 1, 1, 1]]);
    // mode, kernel h/w, stride h/w, padding h/w, ceil, countIncludePad
    const pools = byKernel('pool2d');
    expect(pools).toContainEqual([0, 3, 3, 2, 2, 1, 1, 1, 1]);
    expect(pools).toContainEqual([1, 2, 2, 2, 2, 0, 0, 0, 0]);
    expect(pools).toContainEqual([2, 3, 3, 2, 2, 1, 1, 1, 1]); // max pooling's gradient
    expect(pools).toContainEqual([4, 2, 2, 2, 2, 0, 0, 0, 0]); // average pooling's gradient
  });
});
