import { describe, expect, it } from 'vitest';
import * as T from '../../../engine/index.ts';
import { loadNativeAddon } from '../../../native/addon.ts';

describe('default backend', () => {
  it('is the native cpu backend wherever the addon loads, with js still available', () => {
    loadNativeAddon(); // the addon is built by npm install; this throws if it is not
    const x = T.vector('x');
    const viaDefault = T.fn([x], x.mul(2));
    const viaJs = T.fn([x], x.mul(2), { backend: 'js' });
    expect(viaDefault.backend.name).toBe('cpu');
    expect(viaJs.backend.name).toBe('js');
    const input = T.NDArray.from([1, 2, 3], [3]);
    expect((viaDefault(input) as T.NDArray).toFlat()).toEqual((viaJs(input) as T.NDArray).toFlat());
  });
});
