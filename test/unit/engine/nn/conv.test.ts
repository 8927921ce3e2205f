// The convolutional layers: Conv2d (OIHW weights, PyTorch's default initialisation bounds, bias
// broadcast over the channel axis, activation), the pooling layers and Flatten, and ConvNet built
// from layer specs (shapes worked out per layer, errors naming the layer that does not fit).
import { describe, expect, it } from 'vitest';
import * as T from '../../../../engine/index.ts';
import { Conv2d } from '../../../../engine/nn/conv.ts';
import { ConvNet, convNetShapes } from '../../../../engine/nn/convNet.ts';
import { AvgPool2d, Flatten, MaxPool2d } from '../../../../engine/nn/pooling.ts';
import { Rng } from '../../../../engine/random/rng.ts';

describe('Conv2d layer', () => {
  it('stores OIHW weights initialised U(±1/√(in/groups·kh·kw)) as PyTorch does', () => {
    const conv = new Conv2d(4, 6, [3, 2], { rng: new Rng(1), groups: 2, name: 'c' });
    expect(conv.namedParameters().map(([n, p]) => [n, p.staticShape])).toEqual([
      ['c.W', [6, 2, 3, 2]],
      ['c.b', [6]],
    ]);
    const bound = 1 / Math.sqrt(2 * 3 * 2);
    for (const p of conv.parameters()) {
      const v = p.get().toFlat();
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(bound * 0.6);
    }
  });

  it('computes act(conv2d(x, W) + b) with the bias on the channel axis', () => {
    const conv = new Conv2d(2, 3, 3, { rng: new Rng(2), padding: 1, activation: 'relu', dtype: 'float64' });
    const x = T.tensor('float64', [1, 2, 4, 4], 'x');
    const xv = T.randn([1, 2, 4, 4], { seed: 3 }).astype('float64');
    const [got] = [T.fn([x], conv.forward(x), { backend: 'js' })(xv) as T.NDArray];
    const b = conv.b!.get().toFlat();
    const plain = T.fn([x], T.conv2d(x, conv.W.get(), { padding: 1 }), { backend: 'js' })(xv) as T.NDArray;
    const want = plain.toFlat().map((v, i) => Math.max(0, v + b[Math.floor(i / 16) % 3]));
    got.toFlat().forEach((g, i) => expect(g).toBeCloseTo(want[i], 12));
  });

  it('refuses channels that groups do not divide', () => {
    expect(() => new Conv2d(3, 4, 3, { rng: new Rng(1), groups: 2, name: 'c1' })).toThrow(
      'Conv2d c1: 3 input and 4 output channels must both be divisible by groups 2',
    );
  });
});

describe('pooling layers, Flatten and ConvNet', () => {
  it('pool and flatten keep the batch axis', () => {
    const x = T.tensor('float32', [null, 3, 8, 8]);
    expect(new MaxPool2d(2).forward(x).staticShape).toEqual([null, 3, 4, 4]);
    expect(new AvgPool2d(3, { stride: 2, padding: 1 }).forward(x).staticShape).toEqual([null, 3, 4, 4]);
    expect(new Flatten().forward(x).staticShape).toEqual([null, 192]);
  });

  it('ConvNet works out every layer’s shape and sizes its Dense layers', () => {
    const net = new ConvNet(
      [1, 28, 28],
      [
        { type: 'conv', channels: 8, kernel: 5, padding: 2, activation: 'relu' },
        { type: 'maxpool', kernel: 2 },
        { type: 'conv', channels: 16, kernel: 3, stride: 2, activation: 'relu' },
        { type: 'avgpool', kernel: 2, ceilMode: true },
        { type: 'flatten' },
        { type: 'dense', units: 10 },
      ],
      { rng: new Rng(1) },
    );
    expect(net.shapes).toEqual([[8, 28, 28], [8, 14, 14], [16, 6, 6], [16, 3, 3], [144], [10]]);
    expect(net.parameters().map((p) => p.name)).toEqual([
      'convnet.0.W',
      'convnet.0.b',
      'convnet.2.W',
      'convnet.2.b',
      'convnet.5.W',
      'convnet.5.b',
    ]);
    expect(net.forward(T.tensor('float32', [null, 1, 28, 28])).staticShape).toEqual([null, 10]);
  });

  it('a layer that does not fit is named with the shape it got', () => {
    expect(() => convNetShapes([1, 4, 4], [{ type: 'conv', channels: 2, kernel: 5 }])).toThrow(
      'ConvNet layer 0 (conv): a 5×5 window does not fit the input [1, 4, 4]',
    );
    expect(() => convNetShapes([1, 4, 4], [{ type: 'dense', units: 2 }])).toThrow(
      'ConvNet layer 0 (dense): needs a flat input, got [1, 4, 4]; add { type: flatten } before it',
    );
  });
});
