// ONNX export checked by onnxruntime (its CPU library, shipped inside the onnxruntime-node npm
// package): an MLP, a conv net (strides, groups, dilation, ceil-mode pooling, softmax), an LSTM
// cell and the learned optimizer's coordinatewise LSTM step are exported from compiled
// inference functions, loaded by onnxruntime and run on the same inputs as the engine; outputs
// must agree to float32 precision, for more than one batch size. The model states its opset and
// IR version; what cannot be exported fails naming the op.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as T from '../../../engine/index.ts';
import { axpb } from '../../../engine/examples/axpb.ts';
import { exportOnnx } from '../../../engine/io/onnx/exportOnnx.ts';
import { ONNX_OPSET } from '../../../engine/io/onnx/convertOps.ts';
import { ConvNet } from '../../../engine/nn/convNet.ts';
import { CoordinatewiseLSTM } from '../../../engine/nn/coordinatewise.ts';
import { LSTMCell } from '../../../engine/nn/lstm.ts';
import { MLP } from '../../../engine/nn/sequential.ts';
import { Rng } from '../../../engine/random/rng.ts';

type Feed = Record<string, T.NDArray>;

async function runOnnx(bytes: Uint8Array, feed: Feed): Promise<T.NDArray[]> {
  const session = await ort.InferenceSession.create(bytes);
  const inputs: Record<string, ort.Tensor> = {};
  for (const [name, a] of Object.entries(feed)) {
    const type = a.dtype === 'float64' ? 'float64' : a.dtype === 'int32' ? 'int32' : 'float32';
    inputs[name] = new ort.Tensor(type, a.contiguous().data as Float32Array, [...a.shape]);
  }
  const results = await session.run(inputs);
  return session.outputNames.map((n) => {
    const t = results[n];
    return T.NDArray.from(Array.from(t.data as Float32Array, Number), t.dims as number[], 'float64');
  });
}

function expectClose(got: T.NDArray, want: T.NDArray, what: string, tol = 2e-5): void {
  expect(got.shape, what).toEqual(want.shape);
  const [g, w] = [got.toFlat(), want.toFlat()];
  for (let i = 0; i < w.length; i++) {
    if (!(Math.abs(g[i] - w[i]) <= tol * Math.max(1, Math.abs(w[i])))) {
      expect.fail(`${what}: element ${i} is ${g[i]} in onnxruntime, ${w[i]} in the engine`);
    }
  }
}

/** Exports `f`, runs it in onnxruntime on each feed and compares with the engine. */
async function agree(
  f: T.CompiledFunction,
  feeds: T.NDArray[][],
  what: string,
): Promise<ReturnType<typeof exportOnnx>> {
  const exported = exportOnnx(f);
  for (const values of feeds) {
    const engine = [f(...values)].flat();
    const onnx = await runOnnx(
      exported.bytes,
      Object.fromEntries(exported.inputs.map((v, i) => [v.name, values[i]])),
    );
    engine.forEach((e, k) => expectClose(onnx[k], e, `${what} output ${k} (batch ${values[0].shape[0]})`));
  }
  return exported;
}

const randn = (shape: number[], seed: number): T.NDArray => new Rng(seed).normal(shape, 'float32');

/** Reads ir_version (field 1) and the opset_import versions (field 8 → 2) of a ModelProto. */
function modelHeader(bytes: Uint8Array): { irVersion: number; opsets: number[]; producer: string } {
  let at = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 1;
    for (;;) {
      const b = bytes[at++];
      v += (b & 0x7f) * shift;
      shift *= 128;
      if (b < 0x80) return v;
    }
  };
  const out = { irVersion: 0, opsets: [] as number[], producer: '' };
  while (at < bytes.length) {
    const tag = varint();
    const [field, wire] = [tag >>> 3, tag & 7];
    if (wire === 0) {
      const v = varint();
      if (field === 1) out.irVersion = v;
    } else if (wire === 2) {
      const n = varint();
      const body = bytes.subarray(at, at + n);
      if (field === 2) out.producer = new TextDecoder().decode(body);
      if (field === 8) out.opsets.push(body[body.length - 1]); // version is the last varint (< 128)
      at += n;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

describe('ONNX export, checked by onnxruntime', () => {
  it('an MLP: Gemm and a fused sigmoid; the model states its opset and IR version', async () => {
    const mlp = new MLP([12, 8, 5], { rng: new Rng(1) });
    const x = T.matrix('x', 'float32', [null, 12]);
    const f = T.fn([x], mlp.forward(x));
    const exported = await agree(f, [[randn([4, 12], 2)], [randn([1, 12], 3)]], 'MLP');
    expect(exported.operators).toMatchObject({ Gemm: 2, Sigmoid: 1 });
    expect(exported.weights).toEqual(['mlp.0.W', 'mlp.0.b', 'mlp.1.W', 'mlp.1.b']);
    expect(exported.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['N', 12] }]);
    expect(modelHeader(exported.bytes)).toEqual({
      irVersion: 8,
      opsets: [ONNX_OPSET],
      producer: 'curriculum-lab',
    });
  });

  it('a conv net: strides, padding, groups, dilation, ceil-mode max and average pooling, softmax', async () => {
    const net = new ConvNet(
      [2, 11, 10],
      [
        { type: 'conv', channels: 4, kernel: 3, padding: 1, activation: 'relu' },
        { type: 'maxpool', kernel: 3, stride: 2, padding: 1, ceilMode: true },
        { type: 'conv', channels: 6, kernel: 2, groups: 2, dilation: [1, 2], activation: 'tanh' },
        { type: 'avgpool', kernel: 2, ceilMode: true, countIncludePad: false },
        { type: 'avgpool', kernel: 3, stride: 1, padding: 1 },
        { type: 'flatten' },
        { type: 'dense', units: 7, activation: 'relu' },
        { type: 'dense', units: 3 },
      ],
      { rng: new Rng(4) },
    );
    const x = T.tensor('float32', [null, 2, 11, 10], 'image');
    const f = T.fn([x], T.softmax(net.forward(x)));
    const exported = await agree(f, [[randn([3, 2, 11, 10], 5)], [randn([1, 2, 11, 10], 6)]], 'conv net');
    expect(Object.keys(exported.operators)).toEqual(
      expect.arrayContaining(['Conv', 'MaxPool', 'AveragePool', 'Reshape', 'Gemm', 'Softmax']),
    );
  });

  it('an LSTM cell step: Gemm, Split and the gates', async () => {
    const cell = new LSTMCell(6, 4, { rng: new Rng(7) });
    const [x, h, c] = [T.matrix('x'), T.matrix('h'), T.matrix('c')];
    const next = cell.step(x, { h, c });
    const f = T.fn([x, h, c], [next.h, next.c]);
    const exported = await agree(f, [[randn([3, 6], 8), randn([3, 4], 9), randn([3, 4], 10)]], 'LSTM cell');
    expect(exported.operators).toMatchObject({ Split: 1 });
  });

  it('the learned optimizer’s step (coordinatewise LSTM with log/sign preprocessing)', async () => {
    const opt = new CoordinatewiseLSTM({ rng: new Rng(11), hidden: 6, layers: 2 });
    const g = T.vector('gradient');
    const state = [0, 1].map((k) => ({ h: T.matrix(`h${k}`), c: T.matrix(`c${k}`) }));
    const r = opt.forward(g, state);
    const f = T.fn([g, ...state.flatMap((s) => [s.h, s.c])], [r.step, ...r.state.flatMap((s) => [s.h, s.c])]);
    const n = 9;
    const grads = T.NDArray.from([1e-9, -3e-4, 0.02, -1.5, 7, 0, 1e-12, -0.3, 4e-6], [n], 'float32');
    await agree(f, [[grads, ...[1, 2, 3, 4].map((s) => randn([n, 6], 20 + s))]], 'learned optimizer step');
  });

  it('slicing, transposes, reductions, take, concatenation and argmax', async () => {
    const x = T.tensor('float32', [null, 5, 4], 'x');
    const idx = T.vector('idx', 'int32');
    const t = T.transpose(x, [0, 2, 1]);
    const outs = [
      T.subtensor(t, ':', '::-2', 1),
      T.sum(T.exp(x), [1, 2]),
      T.mean(x, 0, true),
      T.logsumexp(x, 2),
      T.cast(T.argmax(x, 1), 'float32'),
      T.concatenate([T.take(x, idx, 1), x], 1),
      T.variance(x, 2),
      T.max(T.expandDims(T.sum(x, 2), 0), 2),
    ];
    await agree(
      T.fn([x, idx], outs),
      [[randn([3, 5, 4], 30), T.NDArray.from([4, 0, 2], [3], 'int32')]],
      'assorted ops',
    );
  });
});

describe('what ONNX export refuses', () => {
  it('a training step (a function with updates)', () => {
    const w = T.shared(randn([3, 2], 1), 'w');
    const x = T.matrix('x');
    const loss = T.sum(T.dot(x, w));
    const step = T.fn([x], loss, { updates: [[w, T.sub(w, T.mul(0.1, T.grad(loss, w)))]] });
    expect(() => exportOnnx(step)).toThrow(/updates w \(a training step\); export an inference function/);
  });

  it('an op without an ONNX form: named, with where it was built and what can be exported', () => {
    const x = T.vector('x');
    const f = T.fn([x], axpb(T.exp(x), 2, 3));
    expect(() => exportOnnx(f)).toThrow(
      /ONNX export: AXPB\{a=2, b=3\} \(node built at .*export\.test\.ts:\d+.*\) cannot be exported: it has no ONNX form\. The exporter converts Gemm \(dot\), .*Conv2d/,
    );
    const y = T.vector('y', 'int32');
    expect(() => exportOnnx(T.fn([y], T.oneHot(y, 4)))).toThrow(
      /OneHot\{depth=4, dtype="float32"\}.*cannot be exported/,
    );
  });

  it('average pooling in ceil mode counting padding past the padded input', () => {
    const x = T.tensor('float32', [null, 1, 5, 5], 'x');
    const f = T.fn([x], T.avgPool2d(x, 2, { ceilMode: true }));
    expect(() => exportOnnx(f)).toThrow(
      /divisor ONNX computes differently from PyTorch; use countIncludePad: false/,
    );
  });
});
