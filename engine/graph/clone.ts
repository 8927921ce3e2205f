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
 * Clone the graph computing `outputs`, substituting each given's key by its value. Returns the
 * cloned outputs; `inputs` and other leaves map to themselves.
 */
export function cloneGraph(
  inputs: readonly Variable[],
  outputs: readonly Variable[],
  givens: Givens = [],
): Variable[] {
  const memo = new Map<Variable, Variable>();
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

  const cloneOf = (root: Variable): Variable => {
    // Iterative post-order walk: unrolled graphs (20 LSTM steps and their gradients) are deeper
    // than the JavaScript stack is comfortable with.
    const stack: Variable[] = [root];
    const inProgress = new Set<Variable>();
    while (stack.length > 0) {
      const v = stack[stack.length - 1];
      if (memo.has(v)) {
        stack.pop();
        continue;
      }
      const source = givenValue.get(v) ?? v;
      const isLeaf = !v.owner || inputSet.has(v) || isConstant(v) || isShared(v);
      const pending = source !== v ? [source] : isLeaf ? [] : v.owner!.inputs;
      const missing = pending.filter((u) => !memo.has(u));
      if (missing.length > 0) {
        if (inProgress.has(v)) {
          throw new Error(`givens: the value given for ${describe(v)} depends on ${v.toString()} itself`);
        }
        inProgress.add(v);
        stack.push(...missing.reverse());
        continue;
      }
      stack.pop();
      inProgress.delete(v);
      if (source !== v) memo.set(v, memo.get(source)!);
      else if (isLeaf) memo.set(v, v);
      else {
        const node = v.owner;
        const copy = new Apply(
          node.op,
          node.inputs.map((u) => memo.get(u)!),
          node.outputs.map((o) => o.type),
          node.trace,
        );
        node.outputs.forEach((o, i) => {
          copy.outputs[i].name = o.name;
          memo.set(o, copy.outputs[i]);
        });
      }
    }
    return memo.get(root)!;
  };

  return outputs.map(cloneOf);
}
