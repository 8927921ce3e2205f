// Symbolic flat views: a model's parameters as one graph vector θ and back. A learned optimizer
// reads the flat gradient and proposes a flat step; the optimizee is then evaluated with its
// weights replaced by slices of θ (a ParamBinding for the nn modules' forward methods).
import type { SharedVariable, Variable } from '../core/graph.ts';
import { concatenate } from '../ops/join.ts';
import { flatten, reshape } from '../ops/reshape.ts';
import { subtensor } from '../ops/subtensor.ts';
import type { ParamLayout } from './layout.ts';

/** The variables flattened and joined in order: one vector of all their coordinates. */
export function flattenSymbolic(values: readonly Variable[]): Variable {
  if (values.length === 0) throw new Error('flattenSymbolic: no variables to flatten');
  const flat = values.map((v) => (v.ndim === 1 ? v : flatten(v)));
  return flat.length === 1 ? flat[0] : concatenate(flat, 0);
}

/** Slices of a flat vector reshaped to each parameter of the layout, in layout order. */
export function unflattenSymbolic(layout: ParamLayout, flat: Variable): Variable[] {
  const n = flat.staticShape[0];
  if (flat.ndim !== 1 || (n !== null && n !== layout.size)) {
    throw new Error(
      `unflattenSymbolic: expected a vector of ${layout.size} coordinates, got ${flat.type.toString()}`,
    );
  }
  return layout.slots.map((slot) => {
    const piece = subtensor(flat, [slot.offset, slot.offset + slot.size]);
    return slot.shape.length === 1 ? piece : reshape(piece, slot.shape);
  });
}

/**
 * A binding that makes modules read their parameters from θ: pass it to forward() to evaluate
 * the model at θ (`model.forward(x, bindFlat(model.parameters(), model.layout(), theta))`).
 */
export function bindFlat(
  params: readonly SharedVariable[],
  layout: ParamLayout,
  flat: Variable,
): Map<SharedVariable, Variable> {
  if (params.length !== layout.slots.length) {
    throw new Error(`bindFlat: ${params.length} parameters for a layout of ${layout.slots.length}`);
  }
  params.forEach((p, i) => {
    if (p.name !== layout.slots[i].name) {
      throw new Error(
        `bindFlat: parameter ${i} is ${p.name}, the layout has ${layout.slots[i].name} there; ` +
          'build both from the same model (model.parameters() and model.layout())',
      );
    }
  });
  const pieces = unflattenSymbolic(layout, flat);
  return new Map(params.map((p, i) => [p, pieces[i]]));
}
