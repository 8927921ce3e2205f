// Where each parameter of a model sits inside one flat vector. Learned optimizers act
// coordinatewise on that vector (every coordinate is one row of the optimizer's LSTM batch), so
// the lab needs the same order and offsets on the host (checkpoints, initial θ) and in graphs
// (slices of a symbolic θ standing in for the weights).
import { formatShape, shapeSize, type Shape } from '../core/ndarray.ts';

export interface ParamSlot {
  readonly name: string;
  readonly shape: Shape;
  /** First coordinate of this parameter in the flat vector. */
  readonly offset: number;
  readonly size: number;
}

export class ParamLayout {
  readonly slots: readonly ParamSlot[];
  /** Number of coordinates of the flat vector. */
  readonly size: number;

  constructor(entries: readonly { readonly name: string; readonly shape: Shape }[]) {
    const slots: ParamSlot[] = [];
    const seen = new Set<string>();
    let offset = 0;
    for (const { name, shape } of entries) {
      if (seen.has(name)) {
        throw new Error(`ParamLayout: parameter name "${name}" appears twice; names must be unique`);
      }
      seen.add(name);
      const size = shapeSize(shape);
      slots.push(Object.freeze({ name, shape: Object.freeze([...shape]), offset, size }));
      offset += size;
    }
    this.slots = Object.freeze(slots);
    this.size = offset;
  }

  slot(name: string): ParamSlot {
    const found = this.slots.find((s) => s.name === name);
    if (!found) {
      throw new Error(
        `ParamLayout: no parameter "${name}"; the layout holds ${this.slots.map((s) => s.name).join(', ')}`,
      );
    }
    return found;
  }

  toString(): string {
    return this.slots.map((s) => `${s.name}${formatShape(s.shape)}@${s.offset}`).join(' ');
  }
}
