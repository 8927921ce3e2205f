// maxPoolGradMask: relu followed by max pooling — every conv net's "conv → relu → pool" — has
// the gradient where(r > 0, MaxPool2dGrad(r, y, dy), 0): a mask over the whole unpooled tensor
// r. MaxPool2dGrad only writes at the elements that reach their window's max, and there r = y,
// so the same mask applied to dy over the pooled shape is the same gradient (ties too: every
// tied element equals y; overlapping windows too), over a tensor kernel-area times smaller:
//   where(gt(r, 0), MaxPool2dGrad(r, y, dy), 0) → MaxPool2dGrad(r, y, where(gt(y, 0), dy, 0))
import type { Apply, Variable } from '../core/graph.ts';
import { gt, where } from '../ops/math.ts';
import { MaxPool2dGrad } from '../ops/pool.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';
import { elemwiseOf, scalarOpOf, uniformConstant } from './patterns.ts';
import type { NodeRewrite } from './rewrite.ts';

export const maxPoolGradMask: NodeRewrite = {
  name: 'maxPoolGradMask',
  apply(node: Apply, fgraph: FunctionGraph): readonly Variable[] | null {
    if (scalarOpOf(node) !== 'where' || uniformConstant(node.inputs[2]) !== 0) return null;
    const test = elemwiseOf(node.inputs[0], 'gt');
    const poolGrad = node.inputs[1].owner;
    if (
      !test ||
      uniformConstant(test.inputs[1]) !== 0 ||
      !poolGrad ||
      !(poolGrad.op instanceof MaxPool2dGrad)
    )
      return null;
    const [r, y, dy] = poolGrad.inputs;
    // the mask must test the pool's input r itself, and nothing else may need the unmasked dx
    if (test.inputs[0] !== r || fgraph.clients(node.inputs[1]).length !== 1) return null;
    const out = node.outputs[0];
    if (out.dtype !== r.dtype || out.ndim !== r.ndim) return null;
    const masked = where(gt(y, 0), dy, 0);
    return masked.dtype === dy.dtype ? [poolGrad.op.apply(r, y, masked)] : null;
  },
};
