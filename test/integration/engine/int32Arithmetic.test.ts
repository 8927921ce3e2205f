// int32 arithmetic on the native cpu backend wraps (two's complement) exactly like the js
// backend's perform, fused or not: the reference is exact BigInt arithmetic cut to 32 bits.
import { describe, expect, it } from 'vitest';
import * as T from '../../../engine/index.ts';
import { recordingCpu } from '../../../engine/backends/cpu/recording.ts';

const wrap = (v: bigint): number => Number(BigInt.asIntN(32, v));

describe('int32 arithmetic on the cpu backend', () => {
  const a = [2147483647, -2147483648, 65536, 46341, -987654321, 7];
  const b = [2, -1, 65536, 46341, 3, -1];

  it('mul, add and sub wrap like js, a comparison of a wrapped intermediate included', () => {
    const x = T.vector('x', 'int32');
    const y = T.vector('y', 'int32');
    const outputs = [x.mul(y), x.add(y), x.sub(y), x.mul(y).add(x).gt(0)];
    const inputs = [T.NDArray.from(a, [6], 'int32'), T.NDArray.from(b, [6], 'int32')];
    const { backend, prepared } = recordingCpu();
    const cpu = T.fn([x, y], outputs, { backend });
    const js = T.fn([x, y], outputs, { backend: 'js' });
    const got = (cpu(...inputs) as T.NDArray[]).map((r) => r.toFlat());
    expect(got).toEqual((js(...inputs) as T.NDArray[]).map((r) => r.toFlat()));
    expect(got[0]).toEqual(a.map((v, i) => wrap(BigInt(v) * BigInt(b[i]))));
    expect(got[3]).toEqual(a.map((v, i) => +(wrap(BigInt(v) * BigInt(b[i]) + BigInt(v)) > 0)));
    expect(prepared[0].jsSteps.every((js) => !js)).toBe(true);
  });
});
