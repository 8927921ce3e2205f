// A convolutional network from a list of layer specs — what experiment configs (YAML) name —
// built as a Sequential, with each layer's output shape worked out at construction so a Dense
// layer after Flatten gets its input size without the user counting. Children are named by
// position (`convnet.0.W`, `convnet.3.b`); engine/io/frameworkNames.ts maps them onto the
// PyTorch twin, nn.Sequential with an activation module after each activated layer
// (torchSource() prints it).
import { convOutputSize, type Pair } from '../ops/conv.ts';
import { poolOutputSize } from '../ops/pool.ts';
import type { Rng } from '../random/rng.ts';
import type { Activation } from './activation.ts';
import { Conv2d } from './conv.ts';
import { Dense } from './dense.ts';
import type { ModuleOptions } from './module.ts';
import { AvgPool2d, Flatten, MaxPool2d } from './pooling.ts';
import { Sequential, type Layer } from './sequential.ts';

export type ConvNetLayerSpec =
  | {
      type: 'conv';
      channels: number;
      kernel: number | Pair;
      stride?: number | Pair;
      padding?: number | Pair;
      dilation?: number | Pair;
      groups?: number;
      activation?: Activation;
    }
  | {
      type: 'maxpool';
      kernel: number | Pair;
      stride?: number | Pair;
      padding?: number | Pair;
      ceilMode?: boolean;
    }
  | {
      type: 'avgpool';
      kernel: number | Pair;
      stride?: number | Pair;
      padding?: number | Pair;
      ceilMode?: boolean;
      countIncludePad?: boolean;
    }
  | { type: 'flatten' }
  | { type: 'dense'; units: number; activation?: Activation };

export interface ConvNetOptions extends ModuleOptions {
  rng: Rng;
}

const pairOf = (v: number | Pair | undefined, fallback: number): Pair =>
  v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : v;

/** An input shape [C, H, W] (or [features] after Flatten) through the specs; throws at the first that does not fit. */
export function convNetShapes(input: readonly number[], specs: readonly ConvNetLayerSpec[]): number[][] {
  const shapes: number[][] = [];
  let shape = [...input];
  specs.forEach((spec, i) => {
    const where = `ConvNet layer ${i} (${spec.type})`;
    if (spec.type === 'dense') {
      if (shape.length !== 1)
        throw new Error(
          `${where}: needs a flat input, got [${shape.join(', ')}]; add { type: flatten } before it`,
        );
      shape = [spec.units];
    } else if (spec.type === 'flatten') {
      shape = [shape.reduce((a, b) => a * b, 1)];
    } else {
      if (shape.length !== 3)
        throw new Error(`${where}: needs an image input [C, H, W], got [${shape.join(', ')}]`);
      const k = pairOf(spec.kernel, 1);
      const s = pairOf(spec.stride, spec.type === 'conv' ? 1 : 0);
      const stride: Pair = spec.type === 'conv' ? s : [s[0] || k[0], s[1] || k[1]];
      const p = pairOf(spec.padding, 0);
      const size =
        spec.type === 'conv'
          ? (a: 0 | 1) => convOutputSize(shape[1 + a], k[a], stride[a], p[a], pairOf(spec.dilation, 1)[a])
          : (a: 0 | 1) => poolOutputSize(shape[1 + a], k[a], stride[a], p[a], spec.ceilMode ?? false);
      const out = [spec.type === 'conv' ? spec.channels : shape[0], size(0), size(1)];
      if (out[1] < 1 || out[2] < 1)
        throw new Error(`${where}: a ${k.join('×')} window does not fit the input [${shape.join(', ')}]`);
      shape = out;
    }
    shapes.push(shape);
  });
  return shapes;
}

export class ConvNet extends Sequential {
  readonly inputShape: readonly number[];
  readonly specs: readonly ConvNetLayerSpec[];
  /** The output shape of each layer (without the batch axis). */
  readonly shapes: readonly (readonly number[])[];

  constructor(
    inputShape: readonly [number, number, number],
    specs: readonly ConvNetLayerSpec[],
    options: ConvNetOptions,
  ) {
    const shapes = convNetShapes(inputShape, specs);
    const common = { dtype: options.dtype, rng: options.rng };
    super(
      specs.length,
      (name, i): Layer => {
        const spec = specs[i];
        const before = i === 0 ? inputShape : shapes[i - 1];
        switch (spec.type) {
          case 'conv':
            return new Conv2d(before[0], spec.channels, spec.kernel, { ...common, ...spec, name });
          case 'dense':
            return new Dense(before[0], spec.units, { ...common, activation: spec.activation, name });
          case 'maxpool':
            return new MaxPool2d(spec.kernel, { ...poolOptions(spec), name });
          case 'avgpool':
            return new AvgPool2d(spec.kernel, {
              ...poolOptions(spec),
              countIncludePad: spec.countIncludePad,
              name,
            });
          case 'flatten':
            return new Flatten({ name });
        }
      },
      { name: options.name ?? 'convnet', dtype: options.dtype },
    );
    this.inputShape = Object.freeze([...inputShape]);
    this.specs = Object.freeze([...specs]);
    this.shapes = Object.freeze(shapes.map((s) => Object.freeze(s)));
  }
}

function poolOptions(spec: { stride?: number | Pair; padding?: number | Pair; ceilMode?: boolean }) {
  return { stride: spec.stride, padding: spec.padding, ceilMode: spec.ceilMode };
}
