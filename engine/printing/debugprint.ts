// debugprint: a graph as an indented tree (Theano's debugprint). Every node and leaf gets an id
// the first time it is printed; a subtree reached again is printed as its first line only, so
// a shared subexpression appears once and is referred to by id after that.
import type { Variable } from '../core/graph.ts';
import { formatShape, type Shape } from '../core/ndarray.ts';
import type { Program } from '../compile/program.ts';
import { idLabel, leafLabel } from './labels.ts';
import { formatProgram } from './program.ts';

export interface DebugprintOptions {
  /** Append each variable's type (dtype and static shape). */
  readonly types?: boolean;
  /** Append concrete shapes (compiled functions, from the last program run). */
  readonly shapes?: boolean;
}

/**
 * What debugprint reads from a compiled function (compile/fn.ts's CompiledFunction has it all).
 * Declared here, not imported: fn gives every compiled function a debugprint method, so fn.ts
 * imports this module, and the printer must not import fn.ts back.
 */
export interface PrintableFunction {
  /** The rewritten graph: outputs first, then update values. */
  readonly fgraph: { readonly outputs: readonly Variable[] };
  readonly outputCount: number;
  readonly updateTargets: readonly Variable[];
  readonly lastProgram: Program | undefined;
  readonly lastExecutable: { readonly jsSteps?: readonly boolean[] } | undefined;
}

function isCompiled(x: unknown): x is PrintableFunction {
  return typeof x === 'function' && 'fgraph' in x;
}

function printTrees(
  roots: readonly { variable: Variable; title: string }[],
  options: DebugprintOptions,
  shapeOf: (v: Variable) => Shape | undefined,
): string[] {
  const ids = new Map<object, string>();
  const lines: string[] = [];
  const idOf = (key: object): { id: string; fresh: boolean } => {
    const known = ids.get(key);
    if (known) return { id: known, fresh: false };
    const id = idLabel(ids.size);
    ids.set(key, id);
    return { id, fresh: true };
  };
  const describe = (v: Variable): string => {
    const parts: string[] = [];
    if (options.types) parts.push(`<${v.type.toString()}>`);
    const shape = options.shapes ? shapeOf(v) : undefined;
    if (shape) parts.push(formatShape(shape));
    return parts.length > 0 ? ` ${parts.join(' ')}` : '';
  };

  const walk = (v: Variable, depth: number): void => {
    const prefix = ' |'.repeat(depth);
    const node = v.owner;
    if (!node) {
      const { id } = idOf(v);
      lines.push(`${prefix}${leafLabel(v)} [id ${id}]${describe(v)}`);
      return;
    }
    const { id, fresh } = idOf(node);
    const which = node.outputs.length > 1 ? `.${v.index}` : '';
    const name = v.name ? ` '${v.name}'` : '';
    lines.push(`${prefix}${node.op.toString()}${which} [id ${id}]${name}${describe(v)}`);
    if (!fresh) return;
    for (const input of node.inputs) walk(input, depth + 1);
  };

  for (const { variable, title } of roots) {
    if (title) lines.push(title);
    walk(variable, 0);
  }
  return lines;
}

/**
 * A variable, a list of variables, or a compiled function as text. For a compiled function:
 * its rewritten graph (outputs, then each update), then the program of the last call in
 * execution order with its buffers.
 */
export function debugprint(
  target: Variable | readonly Variable[] | PrintableFunction,
  options: DebugprintOptions = {},
): string {
  if (!isCompiled(target)) {
    const roots = (Array.isArray(target) ? target : [target as Variable]).map((variable) => ({
      variable,
      title: '',
    }));
    return printTrees(roots, options, () => undefined).join('\n');
  }
  const f = target;
  const program = f.lastProgram;
  const shapes = new Map<Variable, Shape>();
  if (program) {
    for (const step of program.steps) {
      step.node?.outputs.forEach((o, i) => shapes.set(o, step.outputs[i].shape));
      step.node?.inputs.forEach((u, i) => shapes.set(u, step.inputs[i].shape));
    }
  }
  const outputs = f.fgraph.outputs;
  const roots = outputs.map((variable, i) => ({
    variable,
    title:
      i < f.outputCount
        ? outputs.length > 1
          ? `output ${i}:`
          : ''
        : `update ${f.updateTargets[i - f.outputCount].toString()}:`,
  }));
  const lines = printTrees(roots, options, (v) => shapes.get(v));
  if (program) lines.push('', ...formatProgram(program, f.lastExecutable?.jsSteps));
  else lines.push('', '(not run yet: the program is lowered on the first call, per input shapes)');
  return lines.join('\n');
}
