// Gradient control. stopGradient(x) is x in the forward pass and a wall for differentiation:
// nothing flows back through it (Theano's disconnected_grad), which is how first-order
// meta-learning drops second-order terms. identity is a plain copy that gradients pass.
import { Op, type AliasMap, type Apply, type GradEntry, type Variable } from '../core/graph.ts';
import type { NDArray, Shape } from '../core/ndarray.ts';
import { TensorType } from '../core/type.ts';
import { asVariable, type TensorLike } from '../tensor.ts';
import { identity } from './math.ts';

/**
 * An op whose output is its input unchanged (Theano's ViewOp): a view, so it runs nothing. What
 * it means lies in its class — how gradients treat it, or where a backend puts its value.
 */
export abstract class PassThrough extends Op {
  makeNode(x: Variable): Apply {
    return this.node([x], [new TensorType(x.dtype, x.staticShape)]);
  }

  perform([x]: readonly NDArray[]): NDArray[] {
    return [x];
  }

  override inferShape(_node: Apply, [x]: readonly Shape[]): Shape[] {
    return [x];
  }

  override aliasMap(): AliasMap {
    return { views: { 0: 0 } };
  }
}

export class StopGradient extends PassThrough {
  /** Disconnected: the cost does not depend on x through this path. */
  override grad(): GradEntry[] {
    return [null];
  }
}

export function stopGradient(x: TensorLike): Variable {
  return new StopGradient().apply(asVariable(x));
}

export { identity };
