// Constructors of symbolic variables, constants and shared variables, and the conversion of
// plain JS values into graph variables (asVariable) used by every op function.
import { isDType, isFloat, promote, type DType } from './core/dtype.ts';
import { Constant, SharedVariable, Variable } from './core/graph.ts';
import { NDArray, type NestedNumbers } from './core/ndarray.ts';
import { TensorType, type StaticShape } from './core/type.ts';
import { buildError } from './ops/opError.ts';

/** What op functions accept where a tensor is expected. */
export type TensorLike = Variable | NDArray | number | boolean | readonly NestedNumbers[];

function typed(name: string | undefined, dtype: DType, shape: StaticShape, kind: string): Variable {
  if (!isDType(dtype)) {
    throw buildError(
      `T.${kind}('${name ?? ''}')`,
      `unknown dtype '${String(dtype)}' (use float32, float64, int32 or bool)`,
    );
  }
  return new Variable(new TensorType(dtype, shape), name);
}

export function scalar(name?: string, dtype: DType = 'float32'): Variable {
  return typed(name, dtype, [], 'scalar');
}

export function vector(name?: string, dtype: DType = 'float32', shape: StaticShape = [null]): Variable {
  return typed(name, dtype, shape, 'vector');
}

export function matrix(name?: string, dtype: DType = 'float32', shape: StaticShape = [null, null]): Variable {
  return typed(name, dtype, shape, 'matrix');
}

export function tensor3(
  name?: string,
  dtype: DType = 'float32',
  shape: StaticShape = [null, null, null],
): Variable {
  return typed(name, dtype, shape, 'tensor3');
}

/** A variable of any rank: T.tensor('float32', [null, 3, 4], 'x'). */
export function tensor(dtype: DType, shape: StaticShape, name?: string): Variable {
  return typed(name, dtype, shape, 'tensor');
}

/** A constant from an NDArray, a number, a boolean or nested arrays (float32 unless told). */
export function constant(value: NDArray | NestedNumbers, dtype?: DType, name?: string): Constant {
  if (value instanceof NDArray) return new Constant(dtype ? value.astype(dtype) : value, name);
  const d = dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  return new Constant(NDArray.of(value, d), name);
}

/**
 * State that lives between calls of compiled functions (weights): `get()`/`set()`, updated by
 * a function's `updates`. `shape` may relax the static shape (null dims) so `set` can resize.
 */
export function shared(value: NDArray, name?: string, shape?: StaticShape): SharedVariable {
  if (!(value instanceof NDArray)) {
    throw new Error(
      `T.shared('${name ?? ''}'): the value must be an NDArray (use NDArray.of([...]) for nested arrays)`,
    );
  }
  return new SharedVariable(value, name, shape);
}

/**
 * The dtype a JS number takes next to tensors of dtype `like`: a weak scalar, as in NumPy, so
 * `x * 0.5` keeps a float32 x float32. Alone, an integer is int32 and a fraction float32.
 */
export function weakDtype(value: number | boolean, like?: DType): DType {
  if (typeof value === 'boolean') return like ?? 'bool';
  if (like && isFloat(like)) return like;
  return Number.isInteger(value) ? 'int32' : 'float32';
}

/** A Variable as is; an NDArray or nested arrays as a Constant; a number/boolean as a weak-typed scalar Constant. */
export function asVariable(x: TensorLike, like?: DType): Variable {
  if (x instanceof Variable) return x;
  if (x instanceof NDArray) return new Constant(x);
  if (typeof x === 'number' || typeof x === 'boolean')
    return new Constant(NDArray.scalar(Number(x), weakDtype(x, like)));
  if (Array.isArray(x)) {
    // Nested plain arrays: integers become int32 (labels, indices) unless a float tensor sits beside them.
    const flat = (x as NestedNumbers[]).flat(Infinity as 1) as (number | boolean)[];
    const dtype = like && isFloat(like) ? like : flat.every((v) => Number.isInteger(v)) ? 'int32' : 'float32';
    return new Constant(NDArray.of(x as NestedNumbers, dtype));
  }
  throw buildError(
    'asVariable',
    `expected a tensor (a symbolic Variable, an NDArray, nested arrays, a number or a boolean), got ${describeValue(x)}`,
  );
}

function describeValue(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  return typeof x === 'object'
    ? `a ${(x as object).constructor?.name ?? 'object'}`
    : `${typeof x} ${String(x)}`;
}

/** Convert several arguments together: numbers take the promoted dtype of the tensors among them. */
export function asVariables(xs: readonly TensorLike[]): Variable[] {
  const dtypes = xs.flatMap((x) => (x instanceof Variable || x instanceof NDArray ? [x.dtype] : []));
  const like = dtypes.length > 0 ? dtypes.reduce(promote) : undefined;
  return xs.map((x) => asVariable(x, like));
}
