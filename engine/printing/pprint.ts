// pprint: a graph as one infix expression, `(x + (2.0 * y))`, `sigmoid(dot(x, W))`. Elementwise
// arithmetic and comparisons print as operators, a 2-d transpose as `x.T`, every other op as a
// call of its lower-cased name with its props.
import type { Variable } from '../core/graph.ts';
import { DimShuffle } from '../ops/dimshuffle.ts';
import { Elemwise } from '../ops/elemwise.ts';
import { leafLabel } from './labels.ts';

const infix: Readonly<Record<string, string>> = {
  add: '+',
  sub: '-',
  mul: '*',
  div: '/',
  pow: '**',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
  eq: '==',
  ne: '!=',
  and: '&',
  or: '|',
  xor: '^',
};

function callName(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export function pprint(v: Variable): string {
  const node = v.owner;
  if (!node) {
    const label = leafLabel(v);
    const m = /^TensorConstant\{(.*)\}$/.exec(label);
    return m && !m[1].includes('(') ? m[1] : label;
  }
  const args = node.inputs.map(pprint);
  const op = node.op;
  if (op instanceof Elemwise) {
    const symbol = infix[op.scalarOp];
    if (symbol && args.length === 2) return `(${args[0]} ${symbol} ${args[1]})`;
    if (op.scalarOp === 'neg') return `-${args[0]}`;
    if (op.scalarOp === 'cast') return `cast(${args[0]}, ${op.castTo})`;
    return `${op.scalarOp}(${args.join(', ')})`;
  }
  if (op instanceof DimShuffle && op.inputNdim === 2 && op.order.join() === '1,0') return `${args[0]}.T`;
  const text = op.toString();
  const brace = text.indexOf('{');
  const head = brace < 0 ? callName(text) : `${callName(text.slice(0, brace))}${text.slice(brace)}`;
  const which = node.outputs.length > 1 ? `[${v.index}]` : '';
  return `${head}(${args.join(', ')})${which}`;
}
