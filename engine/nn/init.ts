// Weight initialisers. Every one draws from the lab's seeded Philox generator (an Rng passed in),
// so a model built twice with the same seed has bit-identical weights on every machine.
//
// Layout convention: a dense weight is stored [fanIn, fanOut] (the layer computes x·W), which is
// the transpose of PyTorch's Linear.weight [out, in]. Fans are therefore read as
// fanIn = shape[0] and fanOut = shape[1] (times the receptive field for more than 2 dims).
import type { DType } from '../core/dtype.ts';
import { NDArray, formatShape, shapeSize, type Shape } from '../core/ndarray.ts';
import type { Rng } from '../random/rng.ts';

export type FloatDType = Extract<DType, 'float32' | 'float64'>;

/** Makes an initial value of the given shape from the generator. */
export type Initializer = (rng: Rng, shape: Shape, dtype: FloatDType) => NDArray;

export interface Fans {
  fanIn: number;
  fanOut: number;
}

/** Fans of a weight in the [fanIn, fanOut, ...receptive] layout; vectors have no fans. */
export function fansOf(shape: Shape): Fans {
  if (shape.length < 2) {
    throw new Error(
      `init: a ${shape.length}-d shape ${formatShape(shape)} has no fan-in/fan-out; ` +
        'use an initialiser with an explicit bound or std (uniform, scaledNormal, torchDefault) for biases',
    );
  }
  const receptive = shapeSize(shape.slice(2));
  return { fanIn: shape[0] * receptive, fanOut: shape[1] * receptive };
}

export function zeros(): Initializer {
  return (_rng, shape, dtype) => NDArray.zeros(shape, dtype);
}

export function constant(value: number): Initializer {
  return (_rng, shape, dtype) => NDArray.full(shape, value, dtype);
}

/** U(-bound, bound). */
export function uniform(bound: number): Initializer {
  return (rng, shape, dtype) => rng.uniformRange(shape, -bound, bound, dtype);
}

/** N(0, std²): the "scaled normal" of the learning-to-learn code and of Embedding (std = 1). */
export function scaledNormal(std: number): Initializer {
  return (rng, shape, dtype) => {
    const z = rng.normal(shape, 'float64');
    const out = NDArray.zeros(shape, dtype);
    for (let i = 0; i < z.data.length; i++) out.data[i] = std * z.data[i];
    return out;
  };
}

/** Glorot & Bengio 2010: U(±gain·√(6/(fanIn+fanOut))). */
export function glorotUniform(gain = 1): Initializer {
  return (rng, shape, dtype) => {
    const { fanIn, fanOut } = fansOf(shape);
    return uniform(gain * Math.sqrt(6 / (fanIn + fanOut)))(rng, shape, dtype);
  };
}

/** Glorot & Bengio 2010: N(0, gain²·2/(fanIn+fanOut)). */
export function glorotNormal(gain = 1): Initializer {
  return (rng, shape, dtype) => {
    const { fanIn, fanOut } = fansOf(shape);
    return scaledNormal(gain * Math.sqrt(2 / (fanIn + fanOut)))(rng, shape, dtype);
  };
}

/** He et al. 2015 for ReLU layers: U(±√(6/fanIn)). */
export function heUniform(): Initializer {
  return (rng, shape, dtype) => uniform(Math.sqrt(6 / fansOf(shape).fanIn))(rng, shape, dtype);
}

/** He et al. 2015 for ReLU layers: N(0, 2/fanIn). */
export function heNormal(): Initializer {
  return (rng, shape, dtype) => scaledNormal(Math.sqrt(2 / fansOf(shape).fanIn))(rng, shape, dtype);
}

/**
 * PyTorch's default for Linear weight and bias (kaiming_uniform with a=√5 reduces to this) and,
 * with fanIn = hidden size, for every LSTM/GRU tensor: U(±1/√fanIn). The fan is explicit because
 * biases have none of their own and recurrent layers use the hidden size, not the input size.
 */
export function torchDefault(fanIn: number): Initializer {
  if (!(fanIn > 0)) throw new Error(`init.torchDefault: fanIn must be positive, got ${fanIn}`);
  return uniform(1 / Math.sqrt(fanIn));
}
