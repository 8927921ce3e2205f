import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { flattenValues, unflattenValue } from '../../../../engine/params/host.ts';
import { ParamLayout } from '../../../../engine/params/layout.ts';

const layout = new ParamLayout([
  { name: 'mlp.0.W', shape: [3, 2] },
  { name: 'mlp.0.b', shape: [2] },
  { name: 'mlp.1.W', shape: [2, 1] },
]);

describe('ParamLayout', () => {
  it('places parameters back to back in declaration order', () => {
    expect(layout.size).toBe(10);
    expect(layout.slots.map((s) => [s.name, s.offset, s.size])).toEqual([
      ['mlp.0.W', 0, 6],
      ['mlp.0.b', 6, 2],
      ['mlp.1.W', 8, 2],
    ]);
    expect(layout.slot('mlp.0.b').offset).toBe(6);
    expect(() => layout.slot('nope')).toThrow(/no parameter "nope".*mlp\.0\.W/);
    expect(
      () =>
        new ParamLayout([
          { name: 'a', shape: [1] },
          { name: 'a', shape: [2] },
        ]),
    ).toThrow(/twice/);
  });
});

describe('host flat views', () => {
  const W0 = NDArray.of(
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    'float64',
  );
  const b0 = NDArray.of([7, 8], 'float64');
  const W1 = NDArray.of([[9], [10]], 'float64');

  it('flattens row-major in layout order and cuts back to equal arrays', () => {
    const flat = flattenValues(layout, [W0, b0, W1]);
    expect(flat.shape).toEqual([10]);
    expect(flat.toFlat()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const back = unflattenValue(layout, flat);
    expect(back.map((a) => a.toNested())).toEqual([W0.toNested(), b0.toNested(), W1.toNested()]);
    // Copies: writing to the flat vector later does not change the pieces.
    flat.data[0] = 100;
    expect(back[0].get(0, 0)).toBe(1);
  });

  it('reads strided (transposed) values by their logical order', () => {
    const t = new NDArray(Float64Array.from([1, 3, 5, 2, 4, 6]), [3, 2], [1, 3]);
    expect(flattenValues(layout, [t, b0, W1]).toFlat().slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('converts to the requested dtype', () => {
    expect(flattenValues(layout, [W0, b0, W1], 'float32').dtype).toBe('float32');
  });

  it('names the parameter whose shape does not fit', () => {
    expect(() => flattenValues(layout, [W0, W1, W1])).toThrow(
      /mlp\.0\.b has shape \(2, 1\), layout says \(2,\)/,
    );
    expect(() => flattenValues(layout, [W0])).toThrow(/1 values for a layout of 3/);
    expect(() => unflattenValue(layout, NDArray.zeros([9]))).toThrow(/vector of 10 coordinates/);
  });
});
