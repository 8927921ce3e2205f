// A seeded generator of random expression DAGs over elementwise, reduction, matrix-product and
// shape ops. A seed gives a recipe (the choices, made once against concrete shapes); the recipe
// builds the same graph in any float dtype, so the differential harness can compile it on js in
// float64 and on cpu in float32. Values stay bounded (squashing unaries, division by 1 + y²) so
// float32 agreement is a fair expectation; views (transposes, strided and reversed slices),
// broadcasting against size-1 axes and reused intermediate values (a DAG, not a tree) come up often.
// A tie-heavy recipe draws its inputs from a few discrete values and picks the ops that choose
// among equal values (max/min, maximum/minimum) more often, so ties reach gradients on purpose;
// recipeReference.ts recomputes the gradients independently.
import * as T from '../../engine/index.ts';
import type { Variable } from '../../engine/core/graph.ts';
import { NDArray } from '../../engine/core/ndarray.ts';
import type { Built, DiffCase, FloatDType } from './harness.ts';
import { normal, smallInts } from './values.ts';

export type Shape = number[];

export type Instr =
  | { kind: 'unary'; op: string; a: number }
  | { kind: 'binary'; op: string; a: number; b: number }
  | { kind: 'reduce'; op: string; a: number; axis: number; keep: boolean }
  | { kind: 'dot'; a: number; b: number; transA: boolean; transB: boolean }
  | { kind: 'transpose'; a: number }
  | { kind: 'slice'; a: number; axis: number; spec: string }
  | { kind: 'concat'; a: number; b: number; axis: number }
  | { kind: 'reshape'; a: number; shape: Shape };

const unaryOps: Record<string, (x: Variable) => Variable> = {
  tanh: T.tanh,
  sigmoid: T.sigmoid,
  neg: T.neg,
  abs: T.abs,
  softplus: (x) => T.softplus(T.tanh(x)),
  halfSquare: (x) => T.mul(T.sqr(T.tanh(x)), 0.5),
  logOnePlusSquare: (x) => T.log(T.add(T.sqr(x), 1)),
  expTanh: (x) => T.exp(T.tanh(x)),
  sqrtOnePlusAbs: (x) => T.sqrt(T.add(T.abs(x), 1)),
};

const binaryOps: Record<string, (x: Variable, y: Variable) => Variable> = {
  add: T.add,
  sub: T.sub,
  mul: (x, y) => T.mul(T.tanh(x), y),
  safeDiv: (x, y) => T.div(x, T.add(T.sqr(y), 1)),
  maximum: T.maximum,
  where: (x, y) => T.where(T.gt(x, y), x, T.mul(y, 0.5)),
  minimum: T.minimum,
};

const reduceOps: Record<string, (x: Variable, axis: number, keep: boolean) => Variable> = {
  sum: (x, a, k) => T.sum(x, a, k),
  mean: (x, a, k) => T.mean(x, a, k),
  max: (x, a, k) => T.max(x, a, k),
  logsumexp: (x, a, k) => T.logsumexp(x, a, k),
  min: (x, a, k) => T.min(x, a, k),
};

/** Ops only tie-heavy recipes use (the plain recipes of a seed stay what they were). */
const tieOnly = new Set(['minimum', 'min']);
/** Ops whose gradient depends on which of equal values wins. */
const tieMakers = new Set(['maximum', 'minimum', 'max', 'min']);

/** The op names a recipe picks from: tie-heavy ones see every op, the tie makers three times. */
function choices(table: Record<string, unknown>, ties: boolean): string[] {
  const names = Object.keys(table);
  if (!ties) return names.filter((n) => !tieOnly.has(n));
  return [...names, ...names.filter((n) => tieMakers.has(n)), ...names.filter((n) => tieMakers.has(n))];
}

/** Mulberry32: a tiny seeded PRNG for the generator's choices. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function broadcastable(a: Shape, b: Shape): Shape | null {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  if (a.length !== b.length) return null;
  const out: Shape = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && a[i] !== 1 && b[i] !== 1) return null;
    out.push(Math.max(a[i], b[i]));
  }
  return out;
}

export interface Recipe {
  inputShapes: Shape[];
  instrs: Instr[];
  /** Pool indices (inputs first, then one per instruction) of the values the cost sums. */
  outputs: number[];
}

export function randomRecipe(seed: number, steps = 12, ties = false): Recipe {
  const rand = prng(seed);
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rand() * xs.length)];
  const dim = (): number => pick([1, 2, 3, 4, 5]);
  const inputShapes: Shape[] = [[dim(), dim()], [dim(), dim()], [dim()]];
  // Let some inputs line up so binary ops and products find partners.
  inputShapes[1] = rand() < 0.5 ? [...inputShapes[0]] : [inputShapes[0][0], 1];
  const shapes: Shape[] = inputShapes.map((s) => [...s]);
  const instrs: Instr[] = [];
  const recent = (): number =>
    Math.max(0, shapes.length - 1 - Math.floor(rand() * Math.min(shapes.length, 4)));
  while (instrs.length < steps) {
    const a = rand() < 0.6 ? recent() : Math.floor(rand() * shapes.length);
    const sa = shapes[a];
    const kind = pick([
      'unary',
      'binary',
      'binary',
      'reduce',
      'dot',
      'transpose',
      'slice',
      'concat',
      'reshape',
    ] as const);
    let instr: Instr | null = null;
    let out: Shape = [];
    if (kind === 'unary') {
      instr = { kind, op: pick(choices(unaryOps, ties)), a };
      out = sa;
    } else if (kind === 'binary') {
      const partners = shapes.map((s, i) => [i, broadcastable(sa, s)] as const).filter(([, s]) => s !== null);
      const [b, shape] = pick(partners);
      instr = { kind, op: pick(choices(binaryOps, ties)), a, b };
      out = shape!;
    } else if (kind === 'reduce' && sa.length > 0) {
      const axis = Math.floor(rand() * sa.length);
      const keep = rand() < 0.5;
      instr = { kind, op: pick(choices(reduceOps, ties)), a, axis, keep };
      out = keep ? sa.map((d, i) => (i === axis ? 1 : d)) : sa.filter((_, i) => i !== axis);
    } else if (kind === 'dot' && sa.length === 2) {
      const options: [number, boolean, boolean, Shape][] = [];
      shapes.forEach((s, b) => {
        if (s.length !== 2) return;
        if (sa[1] === s[0]) options.push([b, false, false, [sa[0], s[1]]]);
        if (sa[1] === s[1]) options.push([b, false, true, [sa[0], s[0]]]);
        if (sa[0] === s[0]) options.push([b, true, false, [sa[1], s[1]]]);
      });
      const [b, transA, transB, shape] = pick(options);
      instr = { kind, a, b, transA, transB };
      out = shape;
    } else if (kind === 'transpose' && sa.length === 2) {
      instr = { kind, a };
      out = [sa[1], sa[0]];
    } else if (kind === 'slice' && sa.length > 0) {
      const axis = Math.floor(rand() * sa.length);
      const spec = pick(['::-1', '::2', '1:', ':-1']);
      const n = sa[axis];
      const len = spec === '::-1' ? n : spec === '::2' ? Math.ceil(n / 2) : n - 1;
      if (len > 0) {
        instr = { kind, a, axis, spec };
        out = sa.map((d, i) => (i === axis ? len : d));
      }
    } else if (kind === 'concat' && sa.length > 0) {
      const axis = Math.floor(rand() * sa.length);
      const partners = shapes
        .map((s, i) => [i, s] as const)
        .filter(([, s]) => s.length === sa.length && s.every((d, k) => k === axis || d === sa[k]));
      const [b, sb] = pick(partners);
      instr = { kind, a, b, axis };
      out = sa.map((d, i) => (i === axis ? d + sb[axis] : d));
    } else if (kind === 'reshape' && sa.length > 0) {
      const shape = [...sa].reverse();
      instr = { kind, a, shape };
      out = shape;
    }
    if (!instr) continue;
    instrs.push(instr);
    shapes.push(out);
  }
  if (ties) {
    // End on a tie that reaches the cost for sure: the last value concatenated with itself and
    // reduced by max or min over that axis, so each extreme is there at least twice.
    const push = (instr: Instr, out: Shape): void => {
      instrs.push(instr);
      shapes.push(out);
    };
    if (shapes[shapes.length - 1].length === 0)
      push({ kind: 'reshape', a: shapes.length - 1, shape: [1] }, [1]);
    const a = shapes.length - 1;
    const axis = Math.floor(rand() * shapes[a].length);
    push(
      { kind: 'concat', a, b: a, axis },
      shapes[a].map((d, i) => (i === axis ? 2 * d : d)),
    );
    const keep = rand() < 0.5;
    const doubled = shapes[a + 1];
    push(
      { kind: 'reduce', op: pick(['max', 'min']), a: a + 1, axis, keep },
      keep ? doubled.map((d, i) => (i === axis ? 1 : d)) : doubled.filter((_, i) => i !== axis),
    );
  }
  const last = shapes.length - 1;
  return { inputShapes, instrs, outputs: [last, last - 1, last - 2].filter((i) => i >= inputShapes.length) };
}

function emit(instr: Instr, pool: Variable[]): Variable {
  const a = pool[instr.a];
  switch (instr.kind) {
    case 'unary':
      return unaryOps[instr.op](a);
    case 'binary':
      return binaryOps[instr.op](a, pool[instr.b]);
    case 'reduce':
      return reduceOps[instr.op](a, instr.axis, instr.keep);
    case 'dot': {
      const b = pool[instr.b];
      return T.dot(instr.transA ? T.transpose(a) : a, instr.transB ? T.transpose(b) : b);
    }
    case 'transpose':
      return T.transpose(a);
    case 'slice': {
      const specs: (string | null)[] =
        a.ndim === 1 ? [instr.spec] : instr.axis === 0 ? [instr.spec, null] : [null, instr.spec];
      return T.subtensor(a, ...specs);
    }
    case 'concat':
      return T.concatenate([a, pool[instr.b]], instr.axis);
    case 'reshape':
      return T.reshape(a, instr.shape);
  }
}

/** The recipe's graph in float dtype `f`: its inputs, every value (inputs first) and the cost. */
export function buildRecipe(
  recipe: Recipe,
  f: FloatDType,
): { inputs: Variable[]; pool: Variable[]; cost: Variable } {
  const inputs = recipe.inputShapes.map((s, i) =>
    T.tensor(
      f,
      s.map(() => null),
      `in${i}`,
    ),
  );
  const pool: Variable[] = [...inputs];
  for (const instr of recipe.instrs) pool.push(emit(instr, pool));
  // sum(v) + ¼·sum(v²) per output: its gradient 1 + ½·v differs per element.
  const cost = recipe.outputs
    .map((i) => pool[i])
    .reduce<Variable | null>((acc, v) => {
      const term = T.add(T.sum(v), T.mul(T.sum(T.sqr(v)), 0.25));
      return acc ? T.add(acc, term) : term;
    }, null)!;
  return { inputs, pool, cost };
}

/** Values for a recipe's inputs: N(0, 1), or (tie-heavy) drawn from {-1, -½, 0, ½, 1}. */
export function recipeValues(recipe: Recipe, ties = false): NDArray[] {
  const discrete = (s: Shape): NDArray =>
    NDArray.from(
      smallInts(s, -2, 3)
        .toFlat()
        .map((v) => v / 2),
      s,
      'float64',
    );
  return recipe.inputShapes.map((s) => (ties ? discrete(s) : normal(s)));
}

/** The differential case of a recipe: its output values and the gradients of their cost. */
export function recipeCase(name: string, recipe: Recipe, values: NDArray[]): DiffCase {
  const build = (f: FloatDType): Built => {
    const { inputs, pool, cost } = buildRecipe(recipe, f);
    const outs = recipe.outputs.map((i) => pool[i]);
    return { inputs, outputs: [...outs, ...T.grad(cost, inputs, { disconnected: 'zero' })] };
  };
  return { name, build, values, rtol: 5e-4 };
}
