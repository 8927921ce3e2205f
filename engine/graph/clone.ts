// Copying a user's graph between its inputs and outputs, so rewrites can rewire the copy freely
// while the graph the user holds stays as it was (Theano clones before optimising too).
// Leaves (inputs, constants, shared variables) are kept, not copied: a shared variable must stay
// the object the user reads and writes.
import { Apply, isConstant, isShared, type Variable } from '../core/graph.ts';
import type { TensorType } from '../core/type.ts';

export type Givens = ReadonlyArray<readonly [Variable, Variable]>;

/** Can a value of type `actual` stand where `expected` was declared? */
export function typesCompatible(expected: TensorType, actual: TensorType): boolean {
  return (
    expected.dtype === actual.dtype &&
    expected.ndim === actual.ndim &&
    expected.shape.every((d, i) => d === null || actual.shape[i] === null || d === actual.shape[i])
  );
}

function describe(v: Variable): string {
  return `${v.toString()} (${v.type.toString()})`;
}

/**
 * A function copying graphs node by node (each call shares the memo, so common subgraphs stay
 * shared). `substitute(v)` may return a ready-made copy for v.
 */
function cloner(
  inputSet: ReadonlySet<Variable>,
  substitute: (v: Variable) => Variable | undefined = () => undefined,
): (root: Variable) => Variable {
  const memo = new Map<Variable, Variable>();
  return (root) => {
    // Iterative post-order walk: unrolled graphs (20 LSTM steps and their gradients) are deeper
    // than the JavaScript stack is comfortable with.
    const stack: Variable[] = [root];
    while (stack.length > 0) {
      const v = stack[stack.length - 1];
      if (memo.has(v)) {
        stack.pop();
        continue;
      }
      const given = substitute(v);
      if (given) {
        memo.set(v, given);
        stack.pop();
        continue;
      }
      const isLeaf = !v.owner || inputSet.has(v) || isConstant(v) || isShared(v);
      const missing = isLeaf ? [] : v.owner!.inputs.filter((u) => !memo.has(u));
      if (missing.length > 0) {
        stack.push(...missing.reverse());
        continue;
      }
      stack.pop();
      if (isLeaf) {
        memo.set(v, v);
        continue;
      }
      const node = v.owner!;
      const copy = new Apply(
        node.op,
        node.inputs.map((u) => memo.get(u)!),
        node.outputs.map((o) => o.type),
        node.site,
      );
      node.outputs.forEach((o, i) => {
        copy.outputs[i].name = o.name;
        memo.set(o, copy.outputs[i]);
      });
    }
    return memo.get(root)!;
  };
}

/**
 * Clone the graph computing `outputs`, substituting each given's key by its value. As in
 * Theano, a value is taken as written: a given key inside a value means the original variable
 * (givens: [[data, data * 2]] doubles data once). Returns the cloned outputs; `inputs` and other
 * leaves map to themselves.
 */
export function cloneGraph(
  inputs: readonly Variable[],
  outputs: readonly Variable[],
  givens: Givens = [],
): Variable[] {
  const inputSet = new Set(inputs);
  for (const [from, to] of givens) {
    if (inputSet.has(from)) {
      throw new Error(
        `givens: ${describe(from)} is also listed as an input; a variable is either an input or given a value, not both`,
      );
    }
    if (!typesCompatible(from.type, to.type)) {
      throw new Error(
        `givens: cannot replace ${describe(from)} with ${describe(to)}; the dtype and number of dimensions must match`,
      );
    }
  }
  const givenValue = new Map(givens.map(([from, to]) => [from, to]));
  const plain = cloner(inputSet);
  const substituted = cloner(inputSet, (v) => {
    const value = givenValue.get(v);
    return value && plain(value);
  });
  return outputs.map(substituted);
}
