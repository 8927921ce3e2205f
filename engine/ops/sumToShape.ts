// Undo broadcasting in gradients: sum a gradient back to the shape of the input it belongs to.
// When static shapes say which axes were broadcast, this is a plain Reduce{sum}; when an input's
// dimension is unknown (it may be 1 and broadcast, or not), SumToShape decides at run time.
import { broadcastIndices } from '../core/broadcast.ts';
import { allocate } from '../core/dtype.ts';
import type { GradKit } from '../core/gradKit.ts';
import { Op, type Apply, type GradEntry, type Variable } from '../core/graph.ts';
import { NDArray, formatShape, type Shape } from '../core/ndarray.ts';
import { TensorType } from '../core/type.ts';
import { cast } from './math.ts';
import { buildError, describe, runError } from './opError.ts';
import { sum } from './reduce.ts';

/** Sums g (shaped like x broadcast against something) down to x's shape, in x's dtype. */
export function sumToShape(g: Variable, x: Variable): Variable {
  if (g.ndim < x.ndim) {
    throw buildError('sumToShape', `gradient ${describe(g)} has fewer axes than ${describe(x)}`);
  }
  const lead = g.ndim - x.ndim;
  const leading = [...Array(lead).keys()];
  const broadcast: number[] = [];
  let ambiguous = false;
  x.staticShape.forEach((d, i) => {
    const gd = g.staticShape[lead + i];
    if (d === 1 && gd !== 1) broadcast.push(i);
    else if (d === null && gd !== 1) ambiguous = true;
  });
  let r = g;
  if (ambiguous) r = new SumToShape().apply(g, x);
  else {
    if (leading.length > 0) r = sum(r, leading);
    if (broadcast.length > 0) r = sum(r, broadcast, true);
  }
  return r.dtype === x.dtype ? r : cast(r, x.dtype);
}

/** SumToShape(g, x): g summed over the axes along which x broadcast to g's shape (x lends its shape). */
export class SumToShape extends Op {
  makeNode(g: Variable, x: Variable): Apply {
    return this.node([g, x], [new TensorType(g.dtype, x.staticShape)]);
  }

  perform([g, x]: readonly NDArray[], node: Apply): NDArray[] {
    const lead = g.ndim - x.ndim;
    const fits = lead >= 0 && x.shape.every((d, i) => d === 1 || d === g.shape[lead + i]);
    if (!fits) {
      throw runError(
        node,
        `cannot sum a gradient of shape ${formatShape(g.shape)} to shape ${formatShape(x.shape)}`,
      );
    }
    const out = allocate(g.dtype, x.size);
    // Scatter-add: position i of g lands where x's broadcast view maps it (0-stride axes collapse).
    const target = broadcastIndices(new NDArray(new Uint8Array(x.size), x.shape), g.shape);
    const src = broadcastIndices(g, g.shape);
    for (let i = 0; i < src.length; i++) out[target[i]] += g.data[src[i]];
    return [new NDArray(out, x.shape)];
  }

  override inferShape(_node: Apply, [, x]: readonly Shape[]): Shape[] {
    return [x];
  }

  override grad(node: Apply, [gz]: readonly (Variable | null)[], { second }: GradKit<Variable>): GradEntry[] {
    return [gz ? second(node.inputs[0], gz) : null, null];
  }
}
