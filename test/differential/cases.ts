// Builders shared by the op cases: typed inputs, and "value plus gradients" outputs.
import * as T from '../../engine/index.ts';
import type { DType } from '../../engine/core/dtype.ts';
import type { Variable } from '../../engine/core/graph.ts';
import type { NDArray } from '../../engine/core/ndarray.ts';
import type { Built, DiffCase, FloatDType } from './harness.ts';

/** A float input (dtype of the side) or an input of a fixed dtype, shaped like its value. */
export function input(value: NDArray, f: FloatDType, name: string): Variable {
  const dtype: DType = value.dtype === 'float64' || value.dtype === 'float32' ? f : value.dtype;
  return T.tensor(
    dtype,
    value.shape.map(() => null),
    name,
  );
}

/**
 * A case computing `body(inputs)` and, unless `grad` is false, the gradients with respect to
 * every float input of sum(out) + ½·sum(out²), whose gradient 1 + out differs per element.
 */
export function opCase(
  name: string,
  values: NDArray[],
  body: (xs: Variable[]) => Variable,
  options: { grad?: boolean; rtol?: number; allNative?: boolean; reference?: FloatDType } = {},
): DiffCase {
  const build = (f: FloatDType): Built => {
    const inputs = values.map((v, i) => input(v, f, `x${i}`));
    const out = body(inputs);
    const outputs = [out];
    const floats = inputs.filter((v) => v.dtype === f);
    if (options.grad !== false && floats.length > 0 && out.dtype === f) {
      const cost = T.add(T.sum(out), T.mul(T.sum(T.sqr(out)), 0.5));
      outputs.push(...T.grad(cost, floats, { disconnected: 'zero' }));
    }
    return { inputs, outputs };
  };
  return {
    name,
    build,
    values,
    rtol: options.rtol,
    allNative: options.allNative,
    reference: options.reference,
  };
}
