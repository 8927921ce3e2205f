// AXPB in C: the seed's a·x + b as a C op. The kernel implements the public ABI
// (native/include/lab_kernel.h); the engine compiles it on first use with the system compiler,
// caches the library on disk and calls it as a native step of cpu programs. Types come from the
// declared itypes/otypes (TypedOp), the gradient is symbolic (a·gz) and the reference perform
// is shared with the TypeScript form, so the js backend runs the same op.
import { axpbValues } from './axpb.ts';
import * as T from '../index.ts';
import { COp, type CCode } from '../custom/index.ts';
import type { Apply, NDArray, Variable } from '../index.ts';

const source = `
LAB_KERNEL(axpb_kernel) {
  const double a = LAB_PARAMS[0], b = LAB_PARAMS[1];
  const lab_tensor *x = &inputs[0];
  lab_tensor *y = &outputs[0];
  if (n_inputs != 1 || n_outputs != 1 || x->dtype != y->dtype)
    return lab_error(err, err_len, "axpb_kernel: expects one input and one output of one dtype");
  const int64_t n = lab_tensor_size(x);
  const int dense = lab_is_contiguous(x) && lab_is_contiguous(y);
  if (x->dtype == LAB_FLOAT32) {
    const float *xd = x->data;
    float *yd = y->data;
    const float af = (float)a, bf = (float)b;
    if (dense) for (int64_t i = 0; i < n; i++) yd[i] = af * xd[i] + bf;
    else for (int64_t i = 0; i < n; i++) yd[lab_offset(y, i)] = af * xd[lab_offset(x, i)] + bf;
  } else if (x->dtype == LAB_FLOAT64) {
    const double *xd = x->data;
    double *yd = y->data;
    if (dense) for (int64_t i = 0; i < n; i++) yd[i] = a * xd[i] + b;
    else for (int64_t i = 0; i < n; i++) yd[lab_offset(y, i)] = a * xd[lab_offset(x, i)] + b;
  } else {
    return lab_error(err, err_len, "axpb_kernel: dtype %d is not a float", (int)x->dtype);
  }
  return 0;
}
`;

export class AXPB_C extends COp {
  readonly itypes = [{ dtype: ['float32', 'float64'] as const }];
  readonly otypes = [{ like: 0 }];

  constructor(a: number, b: number) {
    super({ a, b });
  }

  cCode(): CCode {
    return { source, functionName: 'axpb_kernel' };
  }

  override perform([x]: readonly NDArray[]): NDArray[] {
    return [axpbValues(x, this.props.a as number, this.props.b as number)];
  }

  override grad(_node: Apply, [gz]: readonly (Variable | null)[]): (Variable | null)[] {
    return [gz ? T.mul(gz, this.props.a as number) : null];
  }
}

/** a·x + b through the C kernel. */
export function axpbC(x: T.TensorLike, a: number, b: number): Variable {
  return new AXPB_C(a, b).apply(T.asVariable(x));
}
