// The conversion table and the framework names without Python: each conversion inverts, shapes
// per framework, the names a PyTorch twin / Keras model / the lab give each parameter, the
// import report, and the errors for a wrong shape, a wrong dtype, a missing tensor.
import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { exportWeights } from '../../../../engine/io/exportWeights.ts';
import {
  flipKernel,
  frameworks,
  frameworkShape,
  permute,
  reorderFlattenedRows,
  toFramework,
  fromFramework,
  type TensorRole,
} from '../../../../engine/io/frameworks.ts';
import { frameworkTensors, torchSequentialSource } from '../../../../engine/io/frameworkNames.ts';
import { formatImportReport, importWeights } from '../../../../engine/io/importWeights.ts';
import { ConvNet, type ConvNetLayerSpec } from '../../../../engine/nn/convNet.ts';
import { GRUCell } from '../../../../engine/nn/gru.ts';
import { LSTM } from '../../../../engine/nn/lstm.ts';
import { MLP } from '../../../../engine/nn/sequential.ts';
import { Rng } from '../../../../engine/random/rng.ts';

const specs: ConvNetLayerSpec[] = [
  { type: 'conv', channels: 3, kernel: 3, padding: 1, activation: 'relu' },
  { type: 'maxpool', kernel: 2 },
  { type: 'conv', channels: 4, kernel: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 5, activation: 'relu' },
  { type: 'dense', units: 3 },
];
const net = (seed: number): ConvNet => new ConvNet([2, 7, 6], specs, { rng: new Rng(seed) });

const counting = (shape: number[]): NDArray =>
  NDArray.from(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
    shape,
    'float32',
  );

describe('the conversion table', () => {
  it('every conversion inverts, for every role and framework', () => {
    const shapes: Record<TensorRole, number[]> = {
      'dense.weight': [6, 4],
      'conv2d.weight': [4, 2, 3, 2],
      'rnn.weight_ih': [5, 12],
      'rnn.weight_hh': [3, 12],
      bias: [4],
      other: [2, 3],
    };
    for (const [role, shape] of Object.entries(shapes) as [TensorRole, number[]][]) {
      for (const f of frameworks) {
        const a = counting(shape);
        const there = toFramework(role, f, a);
        expect(there.shape, `${role} ${f}`).toEqual(frameworkShape(role, f, shape));
        expect(fromFramework(role, f, there, shape, 't').value.toFlat(), `${role} ${f}`).toEqual(a.toFlat());
      }
    }
  });

  it('PyTorch transposes dense and recurrent weights, Keras stores kernels HWIO, Theano flips them', () => {
    expect(frameworkShape('dense.weight', 'pytorch', [784, 10])).toEqual([10, 784]);
    expect(frameworkShape('conv2d.weight', 'keras', [16, 3, 5, 4])).toEqual([5, 4, 3, 16]);
    expect(frameworkShape('conv2d.weight', 'pytorch', [16, 3, 5, 4])).toEqual([16, 3, 5, 4]);
    const k = counting([1, 1, 2, 3]);
    expect(flipKernel(k).toFlat()).toEqual([5, 4, 3, 2, 1, 0]);
    expect(permute(counting([2, 3]), [1, 0]).toFlat()).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('reorders a Dense kernel’s rows between channel-first and channel-last flattening', () => {
    // rows of a [C=2, H=1, W=2] map: (c0 x0, c0 x1, c1 x0, c1 x1) vs (x0 c0, x0 c1, x1 c0, x1 c1)
    const w = NDArray.from([0, 1, 2, 3], [4, 1], 'float32');
    expect(reorderFlattenedRows(w, [2, 1, 2], true).toFlat()).toEqual([0, 2, 1, 3]);
    expect(reorderFlattenedRows(reorderFlattenedRows(w, [2, 1, 2], true), [2, 1, 2], false).toFlat()).toEqual(
      [0, 1, 2, 3],
    );
  });

  it('a tensor of the wrong shape names it and the layout expected; size-1 axes are only reshaped', () => {
    expect(() =>
      fromFramework('dense.weight', 'pytorch', counting([10, 63]), [64, 10], 'tensor "fc.weight"'),
    ).toThrow(
      'tensor "fc.weight" has shape (10, 63); expected (10, 64) (the pytorch layout of a lab (64, 10) dense.weight)',
    );
    const r = fromFramework('bias', 'keras', counting([1, 10]), [10], 'b');
    expect([r.reshaped, r.value.shape]).toEqual([true, [10]]);
  });
});

describe('framework names', () => {
  it('a ConvNet is numbered as its PyTorch twin (an activation module after each activated layer)', () => {
    const model = net(1);
    expect(frameworkTensors(model, 'pytorch').map((t) => `${t.name}=${t.labNames[0]}`)).toEqual([
      '0.weight=convnet.0.W',
      '0.bias=convnet.0.b',
      '3.weight=convnet.2.W',
      '3.bias=convnet.2.b',
      '5.weight=convnet.4.W',
      '5.bias=convnet.4.b',
      '7.weight=convnet.5.W',
      '7.bias=convnet.5.b',
    ]);
    expect(torchSequentialSource(model)).toBe(
      'nn.Sequential(nn.Conv2d(2, 3, (3, 3), stride=(1, 1), padding=(1, 1), dilation=(1, 1), groups=1, bias=True), ' +
        'nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(3, 4, (2, 2), stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, ' +
        'bias=True), nn.Flatten(), nn.Linear(16, 5, bias=True), nn.ReLU(), nn.Linear(5, 3, bias=True))',
    );
  });

  it('Keras names layers by type in creation order; the Dense after Flatten knows the map it reads', () => {
    const tensors = frameworkTensors(net(1), 'keras');
    expect(tensors.map((t) => t.name)).toEqual([
      'conv2d/kernel',
      'conv2d/bias',
      'conv2d_1/kernel',
      'conv2d_1/bias',
      'dense/kernel',
      'dense/bias',
      'dense_1/kernel',
      'dense_1/bias',
    ]);
    expect(tensors[4].context).toEqual({ flattenedFrom: [4, 2, 2] });
    expect(tensors[6].context).toEqual({});
  });

  it('recurrent stacks take nn.LSTM’s names; Keras LSTMs join the biases; Keras GRUs are refused', () => {
    const lstm = new LSTM(4, 3, { rng: new Rng(1), layers: 2 });
    expect(frameworkTensors(lstm, 'pytorch').map((t) => t.name)).toEqual([
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
      'weight_ih_l1',
      'weight_hh_l1',
      'bias_ih_l1',
      'bias_hh_l1',
    ]);
    const keras = frameworkTensors(lstm, 'keras');
    expect(keras.map((t) => `${t.name}=${t.labNames.join('+')}`)).toContain(
      'lstm_1/bias=lstm.1.b_ih+lstm.1.b_hh',
    );
    expect(() => frameworkTensors(new GRUCell(2, 2, { rng: new Rng(1) }), 'keras')).toThrow(
      /Keras GRU weights use another gate order \(z, r, h\).*pytorch layout instead/,
    );
  });
});

describe('importWeights', () => {
  it('round-trips every framework and reports each tensor', () => {
    for (const f of frameworks) {
      const source = net(1);
      const target = net(2);
      const report = importWeights(target, exportWeights(source, f), { framework: f, source: `${f} export` });
      expect(report.matched.length, f).toBe(8);
      for (const [name, value] of Object.entries(source.stateDict())) {
        expect(target.stateDict()[name].toFlat(), `${f} ${name}`).toEqual(value.toFlat());
      }
    }
    const report = importWeights(net(2), exportWeights(net(1), 'pytorch'), {
      framework: 'pytorch',
      source: 'x.safetensors',
    });
    expect(formatImportReport(report)).toContain('convnet.4.W ← 5.weight (5, 16) (dense.weight: transposed)');
  });

  it('matches names under a prefix, without ":0", and renamed; casts float64; lists unused tensors', () => {
    const mlp = new MLP([3, 2], { rng: new Rng(1) });
    const tensors = {
      'model.0.weight': NDArray.from([1, 2, 3, 4, 5, 6], [2, 3], 'float64'),
      'head.bias:0': NDArray.from([7, 8], [1, 2], 'float32'),
      num_batches_tracked: NDArray.scalar(3, 'int32'),
    };
    const report = importWeights(mlp, tensors, { framework: 'pytorch', rename: { 'head.': '0.' } });
    expect(mlp.stateDict()['mlp.0.W'].toFlat()).toEqual([1, 4, 2, 5, 3, 6]);
    expect(mlp.stateDict()['mlp.0.b'].toFlat()).toEqual([7, 8]);
    expect(report.matched.map((m) => m.notes)).toEqual([
      ['cast float64 → float32'],
      ['reshaped (1, 2) → (2,)'],
    ]);
    expect(report.unused).toEqual(['num_batches_tracked']);
  });

  it('a wrong shape, a wrong dtype or a missing tensor fails naming each one, and sets nothing', () => {
    const mlp = new MLP([3, 2], { rng: new Rng(1) });
    const before = mlp.stateDict()['mlp.0.W'].toFlat();
    expect(() =>
      importWeights(
        mlp,
        { '0.weight': counting([3, 2]), '0.bias': NDArray.from([1, 0], [2], 'int32') },
        { framework: 'pytorch', source: 'w.safetensors' },
      ),
    ).toThrow(
      /cannot import pytorch weights from w\.safetensors into mlp:\n {2}- tensor "0\.weight" \(for mlp\.0\.W\) has shape \(3, 2\); expected \(2, 3\) \(the pytorch layout of a lab \(3, 2\) dense\.weight\)\n {2}- tensor "0\.bias" \(for mlp\.0\.b\) is int32; expected a float tensor \(float32\)/,
    );
    expect(() => importWeights(mlp, { '0.weight': counting([2, 3]) }, { framework: 'pytorch' })).toThrow(
      /the file has no tensor for mlp\.0\.b \(looked for "0\.bias"\)/,
    );
    expect(mlp.stateDict()['mlp.0.W'].toFlat()).toEqual(before);
    const partial = importWeights(
      mlp,
      { '0.weight': counting([2, 3]) },
      { framework: 'pytorch', allowMissing: true },
    );
    expect(partial.missing).toEqual([{ params: ['mlp.0.b'], expected: '0.bias' }]);
  });
});
