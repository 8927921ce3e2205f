// NDArray-returning draws (rand, randn) and Rng, a small stateful generator over the
// counter-based Philox draws. Rng's whole state is {seed, stream, position}: the next draw uses
// element indices position, position+1, ..., so saving that triple in a checkpoint and restoring it
// continues the exact same sequence.
import type { DType } from '../core/dtype.ts';
import { NDArray, shapeSize, type Shape } from '../core/ndarray.ts';
import { bernoulli, normal, permutation, randint, uniform, type FloatDType } from './philox.ts';

export interface DrawOptions {
  seed: number;
  stream?: number;
  dtype?: FloatDType;
}

/** Uniform [0, 1) values of the given shape (float32 unless dtype says otherwise). */
export function rand(shape: Shape, options: DrawOptions): NDArray {
  const { seed, stream = 0, dtype = 'float32' } = options;
  return new NDArray(uniform({ seed, stream }, shapeSize(shape), dtype), shape);
}

/** Standard normal values of the given shape (float32 unless dtype says otherwise). */
export function randn(shape: Shape, options: DrawOptions): NDArray {
  const { seed, stream = 0, dtype = 'float32' } = options;
  return new NDArray(normal({ seed, stream }, shapeSize(shape), dtype), shape);
}

export interface RngState {
  seed: number;
  stream: number;
  position: number;
}

export class Rng {
  readonly seed: number;
  readonly stream: number;
  private position: number;

  constructor(seed: number, stream = 0, position = 0) {
    // Validate once here with a zero-length draw so a bad seed fails at construction, not later.
    uniform({ seed, stream, start: position }, 0);
    this.seed = seed;
    this.stream = stream;
    this.position = position;
  }

  static fromState(state: RngState): Rng {
    return new Rng(state.seed, state.stream, state.position);
  }

  state(): RngState {
    return { seed: this.seed, stream: this.stream, position: this.position };
  }

  /** An independent generator on another stream of the same seed (streams never overlap). */
  fork(stream: number): Rng {
    return new Rng(this.seed, stream);
  }

  /** Reserves `n` element indices and returns where they start. */
  private take(n: number): { seed: number; stream: number; start: number } {
    const start = this.position;
    this.position += n;
    return { seed: this.seed, stream: this.stream, start };
  }

  uniform(shape: Shape, dtype: FloatDType = 'float32'): NDArray {
    const n = shapeSize(shape);
    return new NDArray(uniform(this.take(n), n, dtype), shape);
  }

  /** Uniform values in [low, high) (computed in float64, then stored as dtype). */
  uniformRange(shape: Shape, low: number, high: number, dtype: FloatDType = 'float32'): NDArray {
    const u = this.uniform(shape, 'float64');
    const out = NDArray.zeros(shape, dtype);
    for (let i = 0; i < u.data.length; i++) out.data[i] = low + (high - low) * u.data[i];
    return out;
  }

  normal(shape: Shape, dtype: FloatDType = 'float32'): NDArray {
    const n = shapeSize(shape);
    return new NDArray(normal(this.take(n), n, dtype), shape);
  }

  bernoulli(shape: Shape, p: number, dtype: DType = 'bool'): NDArray {
    const n = shapeSize(shape);
    return new NDArray(bernoulli(this.take(n), n, p, dtype), shape);
  }

  randint(shape: Shape, low: number, high: number): NDArray {
    const n = shapeSize(shape);
    return new NDArray(randint(this.take(n), n, low, high), shape);
  }

  /** One integer uniform in [low, high). */
  int(low: number, high: number): number {
    return randint(this.take(1), 1, low, high)[0];
  }

  /** One float64 uniform in [0, 1). */
  float(): number {
    return uniform(this.take(1), 1, 'float64')[0];
  }

  permutation(n: number): Int32Array {
    return permutation(this.take(n), n);
  }
}
