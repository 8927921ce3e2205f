// Weights traded with other frameworks, each checked by that framework's own arithmetic (one
// Python process, PyTorch and NumPy):
// - export: a ConvNet's pytorch-layout safetensors file is loaded by its PyTorch twin
//   (load_state_dict, strict) and computes the lab's logits on the same input;
// - import: a PyTorch twin's state_dict saved as safetensors, a Keras-layout .npz (HWIO kernels,
//   channels-last Flatten, the logits computed by NumPy with TensorFlow's conventions) and a
//   Theano-layout .npz (flipped kernels, logits by NumPy's true convolution) each give the lab
//   model the framework's logits;
// - an LSTM cell from nn.LSTMCell's state_dict and from Keras's kernel/recurrent_kernel/bias.
// Safetensors are read and written in Python by hand (the format is a JSON header and raw
// bytes), independently of the lab's encoder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as T from '../../../../engine/index.ts';
import { exportWeights } from '../../../../engine/io/exportWeights.ts';
import type { Framework } from '../../../../engine/io/frameworks.ts';
import { torchSequentialSource } from '../../../../engine/io/frameworkNames.ts';
import { importWeights } from '../../../../engine/io/importWeights.ts';
import { encodeSafetensors } from '../../../../engine/io/safetensors.ts';
import { readWeightsFile } from '../../../../engine/io/weightFiles.ts';
import { ConvNet, type ConvNetLayerSpec } from '../../../../engine/nn/convNet.ts';
import { LSTMCell } from '../../../../engine/nn/lstm.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { findPython, runPythonJson } from '../../../support/python.ts';

const torch = findPython('torch');
if (torch.python === null) console.log(`[framework exchange] skipped: ${torch.reason}`);

const specs: ConvNetLayerSpec[] = [
  { type: 'conv', channels: 3, kernel: 3, padding: 1, activation: 'relu' },
  { type: 'maxpool', kernel: 2 },
  { type: 'conv', channels: 4, kernel: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 5, activation: 'relu' },
  { type: 'dense', units: 3 },
];

const script = String.raw`
import json, struct, sys
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

def st_write(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype=np.float32).tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(np.shape(a)), 'data_offsets': [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))

def st_read(path):
    data = open(path, 'rb').read()
    n = struct.unpack('<Q', data[:8])[0]
    header, body = json.loads(data[8:8 + n]), data[8 + n:]
    dt = {'F32': np.float32, 'F64': np.float64}
    return {k: torch.from_numpy(np.frombuffer(body[e['data_offsets'][0]:e['data_offsets'][1]], dtype=dt[e['dtype']]).reshape(e['shape']).copy())
            for k, e in header.items() if k != '__metadata__'}

def valid_corr_nhwc(x, k):  # TensorFlow's conv2d, NHWC input, HWIO kernel, no padding
    kh, kw = k.shape[:2]
    oh, ow = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    return sum(np.einsum('nhwc,co->nhwo', x[:, a:a + oh, b:b + ow, :], k[a, b]) for a in range(kh) for b in range(kw))

def valid_conv_nchw(x, k):  # the mathematical convolution (Theano's conv2d), OIHW kernel
    kh, kw = k.shape[2:]
    oh, ow = x.shape[2] - kh + 1, x.shape[3] - kw + 1
    return sum(np.einsum('nchw,oc->nohw', x[:, :, a:a + oh, b:b + ow], k[:, :, kh - 1 - a, kw - 1 - b]) for a in range(kh) for b in range(kw))

job = json.load(sys.stdin)
d = job['dir']
x = np.array(job['x'], dtype=np.float64).reshape(job['xShape'])
out = {}
torch.manual_seed(0)
twin = eval(job['twin']).double()

# export: the lab's file into the twin
twin.load_state_dict({k: v.double() for k, v in st_read(d + '/lab.safetensors').items()}, strict=True)
out['exported'] = twin(torch.from_numpy(x)).detach().numpy().reshape(-1).tolist()

# import: a freshly initialised twin's state_dict as safetensors
fresh = eval(job['twin']).double()
st_write(d + '/torch.safetensors', {k: v.numpy() for k, v in fresh.state_dict().items()})
out['torch'] = fresh(torch.from_numpy(x)).detach().numpy().reshape(-1).tolist()

# Keras layout: NHWC, HWIO kernels, channels-last Flatten
rng = np.random.default_rng(1)
K = {'conv2d/kernel': rng.normal(0, 0.4, (3, 3, 2, 3)), 'conv2d/bias': rng.normal(0, 0.1, 3),
     'conv2d_1/kernel': rng.normal(0, 0.4, (2, 2, 3, 4)), 'conv2d_1/bias': rng.normal(0, 0.1, 4),
     'dense/kernel': rng.normal(0, 0.4, (16, 5)), 'dense/bias': rng.normal(0, 0.1, 5),
     'dense_1/kernel': rng.normal(0, 0.4, (5, 3)), 'dense_1/bias': rng.normal(0, 0.1, 3)}
K = {k: v.astype(np.float32).astype(np.float64) for k, v in K.items()}
h = np.pad(x.transpose(0, 2, 3, 1), ((0, 0), (1, 1), (1, 1), (0, 0)))
h = np.maximum(valid_corr_nhwc(h, K['conv2d/kernel']) + K['conv2d/bias'], 0)
n, hh, ww, c = h.shape
h = h[:, :hh // 2 * 2, :ww // 2 * 2].reshape(n, hh // 2, 2, ww // 2, 2, c).max(axis=(2, 4))
h = valid_corr_nhwc(h, K['conv2d_1/kernel']) + K['conv2d_1/bias']
h = h.reshape(n, -1)
h = np.maximum(h @ K['dense/kernel'] + K['dense/bias'], 0)
out['keras'] = (h @ K['dense_1/kernel'] + K['dense_1/bias']).reshape(-1).tolist()
np.savez(d + '/keras.npz', **{k + ':0': v.astype(np.float32) for k, v in K.items()})

# Theano layout: the lab's names, kernels for a true convolution
Th = {'convnet.0.W': rng.normal(0, 0.4, (3, 2, 3, 3)), 'convnet.0.b': rng.normal(0, 0.1, 3),
      'convnet.2.W': rng.normal(0, 0.4, (4, 3, 2, 2)), 'convnet.2.b': rng.normal(0, 0.1, 4),
      'convnet.4.W': rng.normal(0, 0.4, (16, 5)), 'convnet.4.b': rng.normal(0, 0.1, 5),
      'convnet.5.W': rng.normal(0, 0.4, (5, 3)), 'convnet.5.b': rng.normal(0, 0.1, 3)}
Th = {k: v.astype(np.float32).astype(np.float64) for k, v in Th.items()}
h = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
h = np.maximum(valid_conv_nchw(h, Th['convnet.0.W']) + Th['convnet.0.b'][:, None, None], 0)
n, c, hh, ww = h.shape
h = h[:, :, :hh // 2 * 2, :ww // 2 * 2].reshape(n, c, hh // 2, 2, ww // 2, 2).max(axis=(3, 5))
h = valid_conv_nchw(h, Th['convnet.2.W']) + Th['convnet.2.b'][:, None, None]
h = np.maximum(h.reshape(n, -1) @ Th['convnet.4.W'] + Th['convnet.4.b'], 0)
out['theano'] = (h @ Th['convnet.5.W'] + Th['convnet.5.b']).reshape(-1).tolist()
np.savez(d + '/theano.npz', **{k: v.astype(np.float32) for k, v in Th.items()})

# An LSTM cell: PyTorch's and Keras's
xs, h0, c0 = (np.array(job[k], dtype=np.float64).reshape(2, -1) for k in ('lx', 'lh', 'lc'))
cell = nn.LSTMCell(4, 3).double()
st_write(d + '/lstm.safetensors', {k: v.numpy() for k, v in cell.state_dict().items()})
h1, c1 = cell(torch.from_numpy(xs), (torch.from_numpy(h0), torch.from_numpy(c0)))
out['lstm_torch'] = h1.detach().numpy().reshape(-1).tolist() + c1.detach().numpy().reshape(-1).tolist()
L = {'lstm/kernel': rng.normal(0, 0.5, (4, 12)), 'lstm/recurrent_kernel': rng.normal(0, 0.5, (3, 12)), 'lstm/bias': rng.normal(0, 0.3, 12)}
L = {k: v.astype(np.float32).astype(np.float64) for k, v in L.items()}
z = xs @ L['lstm/kernel'] + h0 @ L['lstm/recurrent_kernel'] + L['lstm/bias']
sig = lambda v: 1 / (1 + np.exp(-v))
i, f, g, o = sig(z[:, :3]), sig(z[:, 3:6]), np.tanh(z[:, 6:9]), sig(z[:, 9:])
c1 = f * c0 + i * g
out['lstm_keras'] = (o * np.tanh(c1)).reshape(-1).tolist() + c1.reshape(-1).tolist()
np.savez(d + '/lstm.npz', **{k: v.astype(np.float32) for k, v in L.items()})
json.dump(out, sys.stdout)
`;

const dir = mkdtempSync(join(tmpdir(), 'lab-frameworks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const x = new Rng(5).normal([2, 2, 7, 6], 'float32');
const lstmInputs = {
  lx: new Rng(6).normal([2, 4], 'float32'),
  lh: new Rng(7).normal([2, 3], 'float32'),
  lc: new Rng(8).normal([2, 3], 'float32'),
};
const model = new ConvNet([2, 7, 6], specs, { rng: new Rng(3) });
let python: Record<string, number[]> = {};

/** Logits of `net` on x, compiled (native cpu where it exists). */
function logits(net: ConvNet): number[] {
  const input = T.tensor('float32', [null, 2, 7, 6], 'x');
  return (T.fn([input], net.forward(input))(x) as T.NDArray).toFlat();
}

function expectNear(got: number[], want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    if (Math.abs(g - want[i]) > 1e-4 * Math.max(1, Math.abs(want[i])))
      expect.fail(`${what}: element ${i} is ${g}, ${want[i]} expected`);
  });
}

beforeAll(() => {
  if (torch.python === null) return;
  writeFileSync(join(dir, 'lab.safetensors'), encodeSafetensors(exportWeights(model, 'pytorch')));
  python = runPythonJson(torch.python, script, {
    dir,
    x: x.toFlat(),
    xShape: x.shape,
    twin: torchSequentialSource(model),
    ...Object.fromEntries(Object.entries(lstmInputs).map(([k, v]) => [k, v.toFlat()])),
  });
}, 120_000);

describe.skipIf(torch.python === null)('weights traded with PyTorch, Keras and Theano', () => {
  it('export: the PyTorch twin loads the lab’s safetensors (strict) and computes the same logits', () => {
    expectNear(python.exported, logits(model), 'PyTorch twin on the exported weights');
  });

  it.each([
    ['pytorch', 'torch.safetensors', 'torch'],
    ['keras', 'keras.npz', 'keras'],
    ['theano', 'theano.npz', 'theano'],
  ] as [Framework, string, string][])(
    'import %s weights (%s): the framework’s logits',
    async (framework, file, key) => {
      const net = new ConvNet([2, 7, 6], specs, { rng: new Rng(9) });
      const { tensors } = await readWeightsFile(join(dir, file));
      const report = importWeights(net, tensors, { framework, source: file });
      expect(report.matched.length).toBe(8);
      expect(report.missing).toEqual([]);
      expectNear(logits(net), python[key], `${framework} import`);
    },
  );

  it.each([
    ['pytorch', 'lstm.safetensors', 'lstm_torch'],
    ['keras', 'lstm.npz', 'lstm_keras'],
  ] as [Framework, string, string][])(
    'an LSTM cell from %s (%s) steps as the framework’s does',
    async (framework, file, key) => {
      const cell = new LSTMCell(4, 3, { rng: new Rng(2) });
      importWeights(cell, (await readWeightsFile(join(dir, file))).tensors, { framework, source: file });
      const [xv, hv, cv] = [T.matrix('x'), T.matrix('h'), T.matrix('c')];
      const next = cell.step(xv, { h: hv, c: cv });
      const [h1, c1] = T.fn([xv, hv, cv], [next.h, next.c])(
        lstmInputs.lx,
        lstmInputs.lh,
        lstmInputs.lc,
      ) as T.NDArray[];
      expectNear([...h1.toFlat(), ...c1.toFlat()], python[key], `${framework} LSTM cell`);
    },
  );
});
