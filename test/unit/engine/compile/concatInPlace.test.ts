import { describe, expect, it } from 'vitest';
import '../../../../engine/backends/cpu.ts';
import { fn } from '../../../../engine/compile/fn.ts';
import type { Program } from '../../../../engine/compile/program.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { concatenate } from '../../../../engine/ops/join.ts';
import { add, exp, mul, tanh } from '../../../../engine/ops/math.ts';
import { fill } from '../../../../engine/ops/shapeOps.ts';
import { matrix } from '../../../../engine/tensor.ts';

const a = matrix('a', 'float32');
const b = matrix('b', 'float32');
const data = (seed: number) =>
  new NDArray(
    Float32Array.from({ length: 37 * 20 }, (_, i) => Math.sin(i * seed) * 1.5),
    [37, 20],
  );
const A = data(1);
const B = data(2);

/** Float32 results of f over A and B, elementwise (each value rounded once, as one op does). */
const elementwise = (f: (x: number, y: number) => number): number[] =>
  Array.from(A.data, (x, i) => Math.fround(f(x, B.data[i])));

/** The rows of pieces joined along axis 1, pieces [37, 20] each given as flat arrays. */
function joinedRows(pieces: number[][]): number[] {
  const out: number[] = [];
  for (let r = 0; r < 37; r++) for (const p of pieces) out.push(...p.slice(r * 20, r * 20 + 20));
  return out;
}

const kernels = (program: Program) => program.steps.map((s) => s.kernel);

describe('concatenation pieces written in place (concatInPlace.ts)', () => {
  for (const backend of ['cpu', 'js'] as const) {
    it(`${backend}: elementwise pieces read only by the concatenation are computed into its output, and no step joins them`, () => {
      const joined = concatenate([tanh(a), exp(b), mul(a, b)], 1);
      const f = fn([a, b], joined, { mode: { exclude: ['fusion'] }, backend });
      const got = f(A, B) as NDArray;
      expect(got.shape).toEqual([37, 60]);
      const want = joinedRows([
        elementwise((x) => Math.tanh(x)),
        elementwise((_, y) => Math.exp(y)),
        elementwise((x, y) => x * y),
      ]);
      expect(got.toFlat()).toEqual(want.map((v) => expect.closeTo(v, 6)));
      const program = f.lastProgram!;
      expect(kernels(program)).not.toContain('concatenate');
      expect(kernels(program)).not.toContain('copy');
      // each producer writes its slab: one buffer, offsets 0, 20, 40, the joined rows' strides
      const slabs = program.steps.map((s) => s.outputs[0]);
      expect(new Set(slabs.map((v) => v.buffer)).size).toBe(1);
      expect(slabs.map((v) => v.offset)).toEqual([0, 20, 40]);
      for (const v of slabs) expect(v.strides).toEqual([60, 1]);
    });
  }

  for (const backend of ['cpu', 'js'] as const) {
    it(`${backend}: a fill read only by the concatenation writes its value into its slab`, () => {
      // the gradient of a split with an unused piece: zeros joined with the other pieces' gradients
      const joined = concatenate([tanh(a), fill(b, 2.5), exp(b)], 1);
      const f = fn([a, b], joined, { mode: { exclude: ['fusion'] }, backend });
      const got = f(A, B) as NDArray;
      const want = joinedRows([
        elementwise((x) => Math.tanh(x)),
        Array.from({ length: 37 * 20 }, () => 2.5),
        elementwise((_, y) => Math.exp(y)),
      ]);
      expect(got.toFlat()).toEqual(want.map((v) => expect.closeTo(v, 6)));
      const program = f.lastProgram!;
      expect(kernels(program)).not.toContain('copy');
      expect(kernels(program)).not.toContain('concatenate');
      const fillStep = program.steps.find((s) => s.opName.startsWith('Fill'))!;
      expect(fillStep.outputs[0]).toMatchObject({
        buffer: program.outputs[0].buffer,
        offset: 20,
        strides: [60, 1],
      });
    });
  }

  it('copies the pieces that cannot move: an input, and a value something else also reads', () => {
    const shared = exp(b); // also an output of its own
    const joined = concatenate([a, tanh(a), shared], 1);
    const f = fn([a, b], [joined, add(shared, 1)], { mode: { exclude: ['fusion'] } });
    const [got, other] = f(A, B) as NDArray[];
    const expB = elementwise((_, y) => Math.exp(y));
    expect(got.toFlat()).toEqual(
      joinedRows([Array.from(A.data), elementwise((x) => Math.tanh(x)), expB]).map((v) =>
        expect.closeTo(v, 6),
      ),
    );
    expect(other.toFlat()).toEqual(expB.map((v) => expect.closeTo(v + 1, 5)));
    const program = f.lastProgram!;
    expect(kernels(program)).not.toContain('concatenate');
    // two copies into the joined buffer (a and exp(b)); tanh(a) is written there directly
    const joinedBuffer = program.outputs[0].buffer;
    const copies = program.steps.filter((s) => s.kernel === 'copy' && s.outputs[0].buffer === joinedBuffer);
    expect(copies.map((s) => s.outputs[0].offset)).toEqual([0, 40]);
    const tanhStep = program.steps.find((s) => s.opName.includes('tanh'))!;
    expect(tanhStep.outputs[0]).toMatchObject({ buffer: joinedBuffer, offset: 20, strides: [60, 1] });
  });

  it('moves a piece computed in place over a dead input, leaving that input as it was', () => {
    // mul(tanh(a), 2) runs in place over tanh(a)'s temporary (the inplace rewrite); moved into
    // the joined output, it writes there instead.
    const joined = concatenate([mul(tanh(a), 2), exp(b)], 0);
    const f = fn([a, b], [joined, a], { mode: { exclude: ['fusion'] } });
    const [got, aBack] = f(A, B) as NDArray[];
    const doubled = elementwise((x) => Math.fround(Math.tanh(x)) * 2);
    expect(got.shape).toEqual([74, 20]);
    expect(got.toFlat()).toEqual(
      [...doubled, ...elementwise((_, y) => Math.exp(y))].map((v) => expect.closeTo(v, 6)),
    );
    expect(aBack.toFlat()).toEqual(Array.from(A.data));
    const program = f.lastProgram!;
    const mulStep = program.steps.find((s) => s.opName.startsWith('Elemwise{mul'))!;
    expect(mulStep.opName).toContain('inplace');
    expect(mulStep.outputs[0].buffer).toBe(program.outputs[0].buffer);
    expect(mulStep.outputs[0].buffer).not.toBe(mulStep.inputs[0].buffer);
    expect(kernels(program)).not.toContain('concatenate');
  });
});
