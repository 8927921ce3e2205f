// Random tensors from the counter-based Philox generator (engine/random/philox.ts): the seed,
// stream and distribution are props, so a graph draws the same numbers on every backend (the
// native kernels implement the same spec). An optional int32 scalar `offset` input moves the
// draw to element indices offset*size…: feed a step counter to get fresh numbers every step
// (dropout), or leave it out for the same numbers every call.
//   uniform: low + (high - low) * u, u uniform in [0, 1) at the dtype's precision (SPEC), the
//            affine map in float64, rounded once to dtype;  normal: mean + std * z likewise;
//   bernoulli: 1 with probability p (SPEC), stored as dtype.
import { isFloat, type DType } from '../core/dtype.ts';
import { Op, type Apply, type GradEntry, type NativeKernel, type Variable } from '../core/graph.ts';
import { NDArray, shapeSize, type Shape } from '../core/ndarray.ts';
import { TensorType } from '../core/type.ts';
import { bernoulli, normal, uniform, type FloatDType } from '../random/philox.ts';
import { asVariable } from '../tensor.ts';
import { buildError, describe, runError } from './opError.ts';

export type Distribution = 'uniform' | 'normal' | 'bernoulli';

export interface RandomOptions {
  seed: number;
  stream?: number;
  dtype?: DType;
  /** int32 scalar: draw from element index offset * size on (a step counter gives new numbers). */
  offset?: Variable;
}

export class RandomOp extends Op {
  constructor(
    dist: Distribution,
    shape: readonly number[],
    params: readonly number[],
    options: RandomOptions,
  ) {
    const { seed, stream = 0, dtype = 'float32' } = options;
    super({
      dist,
      shape: [...shape],
      params: [...params],
      seed,
      stream,
      dtype,
      offset: options.offset !== undefined,
    });
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw buildError(this, `seed must be an integer in [0, 2^53), got ${seed}`);
    if (dist !== 'bernoulli' && !isFloat(dtype))
      throw buildError(this, `${dist} draws need a float dtype, got ${dtype}`);
    if (dist === 'bernoulli' && !(params[0] >= 0 && params[0] <= 1)) {
      throw buildError(this, `bernoulli probability must be in [0, 1], got ${params[0]}`);
    }
  }

  get dist(): Distribution {
    return this.props.dist as Distribution;
  }

  get shape(): readonly number[] {
    return this.props.shape as number[];
  }

  get dtype(): DType {
    return this.props.dtype as DType;
  }

  makeNode(...offset: Variable[]): Apply {
    const wants = this.props.offset as boolean;
    if (
      offset.length !== (wants ? 1 : 0) ||
      (wants && (offset[0].dtype !== 'int32' || offset[0].ndim !== 0))
    ) {
      throw buildError(
        this,
        `takes ${wants ? 'one int32 scalar offset input' : 'no inputs'}, got ${offset.map(describe).join(', ') || 'none'}`,
      );
    }
    return this.node(offset, [new TensorType(this.dtype, this.shape)]);
  }

  perform(inputs: readonly NDArray[], node: Apply): NDArray[] {
    const n = shapeSize(this.shape);
    const step = inputs.length > 0 ? inputs[0].toFlat()[0] : 0;
    if (step < 0) throw runError(node, `offset must be non-negative, got ${step}`);
    const src = { seed: this.props.seed as number, stream: this.props.stream as number, start: step * n };
    const [a, b] = this.props.params as number[];
    if (this.dist === 'bernoulli') return [new NDArray(bernoulli(src, n, a, this.dtype), this.shape)];
    const draw = (this.dist === 'uniform' ? uniform : normal)(src, n, this.dtype as FloatDType);
    const out = NDArray.zeros(this.shape, this.dtype);
    // uniform(low=a, high=b): a + (b - a) u;  normal(mean=a, std=b): a + b z.
    const scale = this.dist === 'uniform' ? b - a : b;
    for (let i = 0; i < n; i++) out.data[i] = a + scale * draw[i];
    return [out];
  }

  override inferShape(): Shape[] {
    return [this.shape];
  }

  override grad(node: Apply): GradEntry[] {
    return node.inputs.map(() => null);
  }

  /** The native kernel draws the same numbers, reading the optional offset input the same way. */
  override native(): NativeKernel {
    const [a, b] = this.props.params as number[];
    const params: Record<string, number> =
      this.dist === 'uniform' ? { low: a, high: b } : this.dist === 'normal' ? { mean: a, std: b } : { p: a };
    const { seed, stream } = this.props;
    return { kernel: 'random', attrs: { dist: this.dist, seed, stream, start: 0, ...params } };
  }
}

function draw(
  dist: Distribution,
  shape: readonly number[],
  params: number[],
  options: RandomOptions,
): Variable {
  const op = new RandomOp(dist, shape, params, options);
  const inputs = options.offset ? [asVariable(options.offset)] : [];
  return op.apply(...inputs);
}

/** Uniform numbers in [low, high) (default [0, 1)). */
export function uniformDraw(
  shape: readonly number[],
  options: RandomOptions & { low?: number; high?: number },
): Variable {
  return draw('uniform', shape, [options.low ?? 0, options.high ?? 1], options);
}

/** Normal numbers with the given mean and standard deviation (default 0, 1). */
export function normalDraw(
  shape: readonly number[],
  options: RandomOptions & { mean?: number; std?: number },
): Variable {
  return draw('normal', shape, [options.mean ?? 0, options.std ?? 1], options);
}

/** 1 with probability p, else 0 (float32 by default, so it multiplies straight into activations). */
export function bernoulliDraw(shape: readonly number[], options: RandomOptions & { p: number }): Variable {
  return draw('bernoulli', shape, [options.p], options);
}
