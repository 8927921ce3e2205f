// An engine recurrent cell's weights and values as the plain matrices of reference.ts.
import type { SharedVariable } from '../../../../engine/core/graph.ts';
import type { NDArray } from '../../../../engine/core/ndarray.ts';
import type { FusedGateCell } from '../../../../engine/nn/recurrent.ts';
import { toMat, type CellWeights, type Mat } from './reference.ts';

export const asMat = (a: NDArray): Mat => a.toNested() as Mat;

export function weightsOf(cell: FusedGateCell): CellWeights {
  const m = (p: SharedVariable): Mat => toMat(p.get().data, p.get().shape[0], p.get().shape[1]);
  return { Wih: m(cell.Wih), Whh: m(cell.Whh), bih: cell.bih.get().toFlat(), bhh: cell.bhh.get().toFlat() };
}
