// An independent float64 reference for the gradients of a random recipe (randomGraph.ts): plain
// reverse-mode over arrays, each instruction's adjoint written out by hand, without the engine's
// grad, ops or rewrites. It takes the forward values from the engine (every value of the recipe,
// computed by the same compiled function as the gradients), so it sees exactly the ties the
// engine saw; what it checks is what the gradient does with them. Its conventions are
// PyTorch's: a max/min reduction splits the gradient evenly among the elements equal to the
// extreme (amax/amin), maximum/minimum give half to each argument where they are equal,
// |x| has slope 0 at 0, where(x > y, …) sends a tie to its second branch.
//
// The differential harness compares backends with each other; a gradient rule that is wrong
// everywhere (issue 19: max reductions gave every tied element the whole gradient, on js and cpu
// alike) needs this reference to be seen.
import { expect } from 'vitest';
import { jsBackend } from '../../engine/backends/js.ts';
import { fn } from '../../engine/compile/fn.ts';
import { NDArray } from '../../engine/core/ndarray.ts';
import { grad } from '../../engine/grad/grad.ts';
import { asInput, expectAgree } from './harness.ts';
import { buildRecipe, type Instr, type Recipe, type Shape } from './randomGraph.ts';

interface Arr {
  shape: Shape;
  data: Float64Array;
}

const size = (s: Shape): number => s.reduce((p, d) => p * d, 1);
const zeros = (s: Shape): Arr => ({ shape: s, data: new Float64Array(size(s)) });

/** Row-major coordinates of flat index i in shape s. */
function coords(i: number, s: Shape): number[] {
  const c = new Array<number>(s.length);
  for (let d = s.length - 1; d >= 0; d--) {
    c[d] = i % s[d];
    i = Math.floor(i / s[d]);
  }
  return c;
}

function flatIndex(c: readonly number[], s: Shape): number {
  let i = 0;
  for (let d = 0; d < s.length; d++) i = i * s[d] + c[d];
  return i;
}

/** Where element o of the broadcast result reads an operand of shape s (0-d, or same rank). */
function source(o: number, out: Shape, s: Shape): number {
  if (s.length === 0) return 0;
  return flatIndex(
    coords(o, out).map((c, d) => (s[d] === 1 ? 0 : c)),
    s,
  );
}

const sech2 = (x: number): number => 1 - Math.tanh(x) ** 2;
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** d unary(x) / dx for the ops of randomGraph.ts. */
const unarySlope: Record<string, (x: number) => number> = {
  tanh: sech2,
  sigmoid: (x) => sigmoid(x) * (1 - sigmoid(x)),
  neg: () => -1,
  abs: Math.sign,
  softplus: (x) => sigmoid(Math.tanh(x)) * sech2(x),
  halfSquare: (x) => Math.tanh(x) * sech2(x),
  logOnePlusSquare: (x) => (2 * x) / (x * x + 1),
  expTanh: (x) => Math.exp(Math.tanh(x)) * sech2(x),
  sqrtOnePlusAbs: (x) => Math.sign(x) / (2 * Math.sqrt(Math.abs(x) + 1)),
};

/** [d/dx, d/dy] of binary(x, y). */
const binarySlopes: Record<string, (x: number, y: number) => [number, number]> = {
  add: () => [1, 1],
  sub: () => [1, -1],
  mul: (x, y) => [y * sech2(x), Math.tanh(x)],
  safeDiv: (x, y) => [1 / (y * y + 1), (-2 * x * y) / (y * y + 1) ** 2],
  maximum: (x, y) => (x > y ? [1, 0] : x < y ? [0, 1] : [0.5, 0.5]),
  minimum: (x, y) => (x < y ? [1, 0] : x > y ? [0, 1] : [0.5, 0.5]),
  where: (x, y) => (x > y ? [1, 0] : [0, 0.5]),
};

/** The reduced-output index of input element i when `axis` of shape s is reduced. */
function reducedIndex(i: number, s: Shape, axis: number): number {
  const c = coords(i, s);
  c.splice(axis, 1);
  return flatIndex(
    c,
    s.filter((_, d) => d !== axis),
  );
}

/** Adds into the input adjoints the contribution of `instr`, whose output z has adjoint g. */
function backward(instr: Instr, z: Arr, g: Arr, v: readonly Arr[], adj: (k: number) => Arr): void {
  const a = v[instr.a];
  const ga = adj(instr.a);
  switch (instr.kind) {
    case 'unary':
      for (let i = 0; i < g.data.length; i++) ga.data[i] += g.data[i] * unarySlope[instr.op](a.data[i]);
      return;
    case 'binary': {
      const b = v[instr.b];
      const gb = adj(instr.b);
      for (let o = 0; o < g.data.length; o++) {
        const [ia, ib] = [source(o, g.shape, a.shape), source(o, g.shape, b.shape)];
        const [da, db] = binarySlopes[instr.op](a.data[ia], b.data[ib]);
        ga.data[ia] += g.data[o] * da;
        gb.data[ib] += g.data[o] * db;
      }
      return;
    }
    case 'reduce': {
      // z keeps its flat order with or without keepdims (a size-1 axis moves no element).
      const n = a.shape[instr.axis];
      const out = Array.from(a.data, (_, i) => reducedIndex(i, a.shape, instr.axis));
      const ties = new Float64Array(z.data.length);
      a.data.forEach((x, i) => {
        if (x === z.data[out[i]]) ties[out[i]]++;
      });
      for (let i = 0; i < a.data.length; i++) {
        const o = out[i];
        const x = a.data[i];
        const share =
          instr.op === 'sum'
            ? 1
            : instr.op === 'mean'
              ? 1 / n
              : instr.op === 'logsumexp'
                ? Math.exp(x - z.data[o])
                : x === z.data[o]
                  ? 1 / ties[o]
                  : 0;
        ga.data[i] += g.data[o] * share;
      }
      return;
    }
    case 'dot': {
      // out = A·B with A = a or aᵀ, B = b or bᵀ: dA = g·Bᵀ, dB = Aᵀ·g.
      const b = v[instr.b];
      const gb = adj(instr.b);
      const at = (m: Arr, t: boolean, i: number, j: number): number =>
        t ? m.data[j * m.shape[1] + i] : m.data[i * m.shape[1] + j];
      const [rows, cols] = g.shape;
      const inner = instr.transA ? a.shape[0] : a.shape[1];
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const gij = g.data[i * cols + j];
          for (let p = 0; p < inner; p++) {
            const ai = instr.transA ? p * a.shape[1] + i : i * a.shape[1] + p;
            const bi = instr.transB ? j * b.shape[1] + p : p * b.shape[1] + j;
            ga.data[ai] += gij * at(b, instr.transB, p, j);
            gb.data[bi] += gij * at(a, instr.transA, i, p);
          }
        }
      }
      return;
    }
    case 'transpose':
      for (let o = 0; o < g.data.length; o++) {
        const [i, j] = coords(o, g.shape);
        ga.data[j * a.shape[1] + i] += g.data[o];
      }
      return;
    case 'slice': {
      const n = a.shape[instr.axis];
      const from = (k: number): number =>
        instr.spec === '::-1' ? n - 1 - k : instr.spec === '::2' ? 2 * k : instr.spec === '1:' ? k + 1 : k;
      for (let o = 0; o < g.data.length; o++) {
        const c = coords(o, g.shape);
        c[instr.axis] = from(c[instr.axis]);
        ga.data[flatIndex(c, a.shape)] += g.data[o];
      }
      return;
    }
    case 'concat': {
      const b = v[instr.b];
      const gb = adj(instr.b);
      const split = a.shape[instr.axis];
      for (let o = 0; o < g.data.length; o++) {
        const c = coords(o, g.shape);
        if (c[instr.axis] < split) ga.data[flatIndex(c, a.shape)] += g.data[o];
        else {
          c[instr.axis] -= split;
          gb.data[flatIndex(c, b.shape)] += g.data[o];
        }
      }
      return;
    }
    case 'reshape':
      for (let i = 0; i < g.data.length; i++) ga.data[i] += g.data[i];
      return;
  }
}

/**
 * Gradients of the recipe's cost (sum(v) + ¼·sum(v²) over its outputs) with respect to its
 * inputs, given every value of the recipe (inputs first, as float64 row-major arrays).
 */
export function referenceGradients(
  recipe: Recipe,
  values: readonly { shape: readonly number[]; data: ArrayLike<number> }[],
): Float64Array[] {
  const v: Arr[] = values.map((x) => ({ shape: [...x.shape], data: Float64Array.from(x.data) }));
  const adjoints = new Map<number, Arr>();
  const adj = (k: number): Arr => {
    let g = adjoints.get(k);
    if (!g) adjoints.set(k, (g = zeros(v[k].shape)));
    return g;
  };
  for (const k of recipe.outputs) {
    const g = adj(k);
    v[k].data.forEach((x, i) => (g.data[i] += 1 + 0.5 * x));
  }
  const first = recipe.inputShapes.length;
  for (let k = recipe.instrs.length - 1; k >= 0; k--) {
    const g = adjoints.get(first + k);
    if (g) backward(recipe.instrs[k], v[first + k], g, v, adj);
  }
  return recipe.inputShapes.map((_, i) => adj(i).data);
}

/**
 * Checks the js backend's float64 gradients of the recipe against referenceGradients, fed with
 * the forward values the same compiled function computed.
 */
export function expectReferenceGradients(name: string, recipe: Recipe, values: readonly NDArray[]): void {
  const { inputs, pool, cost } = buildRecipe(recipe, 'float64');
  const grads = grad(cost, inputs, { disconnected: 'zero' });
  const computed = pool.slice(inputs.length);
  const f = fn(inputs, [...computed, ...grads], { backend: jsBackend });
  const fed = values.map((v) => asInput(v, 'float64'));
  const out = f(...fed) as NDArray[];
  const forward = [...fed, ...out.slice(0, computed.length)].map((a) => ({
    shape: a.shape,
    data: a.toFlat(),
  }));
  const want = referenceGradients(recipe, forward);
  expect(want.length).toBe(inputs.length);
  out.slice(computed.length).forEach((g, i) => {
    expectAgree(`${name}: gradient of in${i}`, g, NDArray.from(want[i], g.shape, 'float64'), 1e-9, 'float64');
  });
}
