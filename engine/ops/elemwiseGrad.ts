// Gradient rules of the elementwise scalar ops, written with the elementwise builders (so
// gradients are graphs that fuse and differentiate again). Each input's gradient is summed back
// over the axes it was broadcast along and cast to its dtype; integer and bool inputs get none.
// The builders come from the GradKit that the differentiation driver hands to Elemwise.grad
// (core/gradKit.ts says why they are not imported); the rules are the table below, made once
// per kit.
import { isFloat } from '../core/dtype.ts';
import type { GradKit } from '../core/gradKit.ts';
import type { Apply, GradEntry, Variable } from '../core/graph.ts';
import type { ScalarOpName } from './scalar.ts';

type Rule = (x: readonly Variable[], z: Variable, gz: Variable) => (Variable | null)[];
type Rules = Partial<Record<ScalarOpName, Rule>>;

function makeRules(kit: GradKit<Variable>): Rules {
  const { add, and, div, eq, ge, gt, le, log, lt, mul, neg, pow, sigmoid, sign, sqr, sub, where, zerosLike } =
    kit;
  const only = (g: Variable, c: Variable): Variable => where(c, g, 0);
  // Where the arguments of maximum/minimum are equal, half the gradient goes to each (PyTorch's
  // convention), so maximum(x, x) passes all of it to x and a tie never counts twice downstream.
  const half = (x: Variable, y: Variable, g: Variable): Variable => where(eq(x, y), mul(g, 0.5), 0);
  return {
    add: (_x, _z, gz) => [gz, gz],
    sub: (_x, _z, gz) => [gz, neg(gz)],
    mul: ([x, y], _z, gz) => [mul(gz, y), mul(gz, x)],
    div: ([, y], z, gz) => [div(gz, y), neg(mul(gz, div(z, y)))],
    neg: (_x, _z, gz) => [neg(gz)],
    pow: ([x, y], z, gz) => [mul(gz, mul(y, pow(x, sub(y, 1)))), mul(gz, mul(z, log(x)))],
    sqr: ([x], _z, gz) => [mul(gz, mul(x, 2))],
    sqrt: (_x, z, gz) => [div(mul(gz, 0.5), z)],
    rsqrt: (_x, z, gz) => [mul(mul(gz, -0.5), mul(z, sqr(z)))],
    exp: (_x, z, gz) => [mul(gz, z)],
    log: ([x], _z, gz) => [div(gz, x)],
    log1p: ([x], _z, gz) => [div(gz, add(x, 1))],
    expm1: (_x, z, gz) => [mul(gz, add(z, 1))],
    abs: ([x], _z, gz) => [mul(gz, sign(x))],
    // sign is piecewise constant: zero gradient (connected, so grad() does not call it disconnected).
    sign: ([x]) => [zerosLike(x)],
    tanh: (_x, z, gz) => [mul(gz, sub(1, sqr(z)))],
    sigmoid: (_x, z, gz) => [mul(gz, mul(z, sub(1, z)))],
    softplus: ([x], _z, gz) => [mul(gz, sigmoid(x))],
    // relu(x) > 0 exactly where x > 0 (NaN: false both ways), and the output is kept anyway (the
    // next layer reads it), so the mask reads it rather than x: a fused relu(x + b) then no longer
    // stores x + b as a second output (LeNet's first layer: 401k floats a step).
    relu: (_x, z, gz) => [only(gz, gt(z, 0))],
    maximum: ([x, y], _z, gz) => [where(gt(x, y), gz, half(x, y, gz)), where(lt(x, y), gz, half(x, y, gz))],
    minimum: ([x, y], _z, gz) => [where(lt(x, y), gz, half(x, y, gz)), where(gt(x, y), gz, half(x, y, gz))],
    clip: ([x, lo, hi], _z, gz) => [
      only(gz, and(ge(x, lo), le(x, hi))),
      only(gz, lt(x, lo)),
      only(gz, gt(x, hi)),
    ],
    where: ([c], _z, gz) => [null, only(gz, c), where(c, 0, gz)],
    identity: (_x, _z, gz) => [gz],
    cast: (_x, _z, gz) => [gz],
    second: (_x, _z, gz) => [null, gz],
  };
}

const rulesByKit = new WeakMap<GradKit<Variable>, Rules>();

/** The gradient of an Elemwise{scalarOp} node, built with `kit`. */
export function elemwiseGrad(
  scalarOp: ScalarOpName,
  node: Apply,
  gz: Variable | null,
  kit: GradKit<Variable>,
): GradEntry[] {
  let rules = rulesByKit.get(kit);
  if (!rules) rulesByKit.set(kit, (rules = makeRules(kit)));
  const z = node.outputs[0];
  const rule = rules[scalarOp];
  // A float result is needed for a gradient to flow (cast to int32 cuts the graph, as in Theano).
  if (!gz || !rule || !isFloat(z.dtype)) return node.inputs.map(() => null);
  const grads = rule(node.inputs, z, gz);
  return node.inputs.map((x, i) => {
    const g = grads[i];
    if (!g || !isFloat(x.dtype)) return null;
    return kit.sumToShape(g, x);
  });
}
