// AXPB as an expression: the seed's a·x + b in one line. T.elementwise parses it into the
// scalar-expression form of fused kernels, so the cpu backend runs it as one native elementwise
// kernel without any C; props are the expression and the constants (equal ones merge), the shape
// broadcasts, and the gradient (a·gz) is derived from the expression.
import * as T from '../index.ts';
import type { Variable } from '../index.ts';

/** The AXPB op for these constants: `Elementwise{y = a * x + b, a=4, b=5}`. */
export function axpbExpressionOp(a: number, b: number): T.ElementwiseExpr {
  return T.elementwise('y = a * x + b', { a, b });
}

/** a·x + b through the expression op. */
export function axpbExpression(x: T.TensorLike, a: number, b: number): Variable {
  return axpbExpressionOp(a, b).apply(T.asVariable(x));
}
