// The expression language of T.elementwise: one assignment `c = a * x + b` over names, numbers,
// + - * / ** (right-associative, binding tighter than unary minus on its left as in Python:
// -x**2 = -(x**2)), comparisons (< <= > >= == !=), parentheses and the engine's scalar functions
// (exp, log, tanh, sigmoid, max/min, where, …). A tiny recursive-descent parser; every error
// quotes the line with a caret under the offending column.
import { isScalarOpName, scalarOps, type ScalarOpName } from '../../ops/scalar.ts';

export type ExprAst =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'name'; readonly name: string; readonly column: number }
  | { readonly kind: 'apply'; readonly op: ScalarOpName; readonly args: readonly ExprAst[] };

export interface ParsedAssignment {
  /** The assigned name (`c` in `c = a * x + b`), or 'out' when the source is only an expression. */
  readonly output: string;
  readonly body: ExprAst;
}

/** Function names a user may call, beyond the scalar ops' own names. */
const aliases: Readonly<Record<string, ScalarOpName>> = { max: 'maximum', min: 'minimum' };
/** Scalar ops that are not for users: cast needs a dtype, second is an internal broadcast. */
const hidden: ReadonlySet<string> = new Set(['cast', 'second']);

/** The scalar op `name` calls, or undefined when it names no function. */
export function functionOp(name: string): ScalarOpName | undefined {
  const op = aliases[name] ?? name;
  return isScalarOpName(op) && !hidden.has(op) ? op : undefined;
}

export function functionNames(): string[] {
  return [...Object.keys(scalarOps).filter((n) => !hidden.has(n)), ...Object.keys(aliases)].sort();
}

const binary: Readonly<Record<string, ScalarOpName>> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '**': 'pow',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
  '==': 'eq',
  '!=': 'ne',
};

interface Token {
  readonly text: string;
  readonly kind: 'number' | 'name' | 'symbol' | 'end';
  readonly column: number;
}

export class ExpressionError extends Error {}

function errorAt(source: string, column: number, message: string): ExpressionError {
  return new ExpressionError(
    `T.elementwise: ${message} at column ${column + 1}\n  ${source}\n  ${' '.repeat(column)}^`,
  );
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_]\w*)|(\*\*|<=|>=|==|!=|[-+*/()<>,=]))/y;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    pattern.lastIndex = at;
    const m = pattern.exec(source);
    if (!m) {
      const column = at + (/^\s*/.exec(source.slice(at))?.[0].length ?? 0);
      throw errorAt(source, column, `unexpected character '${source[column]}'`);
    }
    const text = m[1] ?? m[2] ?? m[3];
    tokens.push({
      text,
      kind: m[1] ? 'number' : m[2] ? 'name' : 'symbol',
      column: m.index + m[0].length - text.length,
    });
    at = pattern.lastIndex;
  }
  tokens.push({ text: 'end of input', kind: 'end', column: source.length });
  return tokens;
}

class Parser {
  private readonly source: string;
  private readonly tokens: Token[];
  private at = 0;

  constructor(source: string) {
    this.source = source;
    this.tokens = tokenize(source);
  }

  parse(): ParsedAssignment {
    let output = 'out';
    if (this.tokens[0].kind === 'name' && this.tokens[1]?.text === '=') {
      output = this.tokens[0].text;
      this.at = 2;
    }
    const body = this.comparison();
    const rest = this.peek();
    if (rest.kind !== 'end') throw this.fail(rest, `unexpected '${rest.text}'`);
    return { output, body };
  }

  private peek(): Token {
    return this.tokens[this.at];
  }

  private next(): Token {
    return this.tokens[this.at++];
  }

  private fail(token: Token, message: string): ExpressionError {
    return errorAt(this.source, token.column, message);
  }

  private expect(text: string): void {
    const t = this.next();
    if (t.text !== text || t.kind !== 'symbol')
      throw this.fail(t, `expected '${text}' but found '${t.text}'`);
  }

  private binaryLevel(operators: readonly string[], operand: () => ExprAst): ExprAst {
    let left = operand();
    while (this.peek().kind === 'symbol' && operators.includes(this.peek().text)) {
      const op = binary[this.next().text];
      left = { kind: 'apply', op, args: [left, operand()] };
    }
    return left;
  }

  private comparison(): ExprAst {
    return this.binaryLevel(['<', '<=', '>', '>=', '==', '!='], () => this.additive());
  }

  private additive(): ExprAst {
    return this.binaryLevel(['+', '-'], () => this.multiplicative());
  }

  private multiplicative(): ExprAst {
    return this.binaryLevel(['*', '/'], () => this.unary());
  }

  private unary(): ExprAst {
    const t = this.peek();
    if (t.kind === 'symbol' && (t.text === '-' || t.text === '+')) {
      this.next();
      const operand = this.unary();
      if (t.text === '+') return operand;
      // A negative literal stays a number (so `-1` prints and merges as the constant it is).
      return operand.kind === 'number'
        ? { kind: 'number', value: -operand.value }
        : { kind: 'apply', op: 'neg', args: [operand] };
    }
    return this.power();
  }

  private power(): ExprAst {
    const base = this.primary();
    if (this.peek().kind === 'symbol' && this.peek().text === '**') {
      this.next();
      return { kind: 'apply', op: 'pow', args: [base, this.unary()] };
    }
    return base;
  }

  private primary(): ExprAst {
    const t = this.next();
    if (t.kind === 'number') return { kind: 'number', value: Number(t.text) };
    if (t.kind === 'symbol' && t.text === '(') {
      const inner = this.comparison();
      this.expect(')');
      return inner;
    }
    if (t.kind === 'name') {
      if (this.peek().text !== '(' || this.peek().kind !== 'symbol')
        return { kind: 'name', name: t.text, column: t.column };
      return this.call(t);
    }
    throw this.fail(t, t.kind === 'end' ? 'the expression ends too early' : `unexpected '${t.text}'`);
  }

  private call(name: Token): ExprAst {
    const op = functionOp(name.text);
    if (!op) {
      throw this.fail(name, `unknown function '${name.text}' (known: ${functionNames().join(', ')})`);
    }
    this.expect('(');
    const args: ExprAst[] = [];
    if (!(this.peek().kind === 'symbol' && this.peek().text === ')')) {
      args.push(this.comparison());
      while (this.peek().kind === 'symbol' && this.peek().text === ',') {
        this.next();
        args.push(this.comparison());
      }
    }
    this.expect(')');
    const arity = scalarOps[op].arity;
    if (args.length !== arity) {
      throw this.fail(name, `${name.text} takes ${arity} argument(s), got ${args.length}`);
    }
    return { kind: 'apply', op, args };
  }
}

/** Parses `c = a * x + b` (or just `a * x + b`); throws an ExpressionError with a caret. */
export function parseAssignment(source: string): ParsedAssignment {
  return new Parser(source).parse();
}

/** Binding strength of each printed form, for minimal parentheses. */
function precedence(ast: ExprAst): number {
  if (ast.kind !== 'apply') return ast.kind === 'number' && ast.value < 0 ? 4 : 6;
  switch (ast.op) {
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge':
    case 'eq':
    case 'ne':
      return 1;
    case 'add':
    case 'sub':
      return 2;
    case 'mul':
    case 'div':
      return 3;
    case 'neg':
      return 4;
    case 'pow':
      return 5;
    default:
      return 6;
  }
}

const symbolOf: Partial<Record<ScalarOpName, string>> = Object.fromEntries(
  Object.entries(binary).map(([symbol, op]) => [op, symbol]),
);

/** The canonical text of an expression: one space around operators, parentheses only where needed. */
export function formatAst(ast: ExprAst): string {
  if (ast.kind === 'number') return String(ast.value);
  if (ast.kind === 'name') return ast.name;
  const p = precedence(ast);
  const wrap = (arg: ExprAst, min: number): string => {
    const text = formatAst(arg);
    return precedence(arg) < min ? `(${text})` : text;
  };
  const symbol = symbolOf[ast.op];
  if (symbol && ast.args.length === 2) {
    // Left-associative levels need the right operand strictly tighter; ** is right-associative.
    const [left, right] = ast.op === 'pow' ? [p + 1, p - 1] : [p, p + 1];
    return `${wrap(ast.args[0], left)} ${symbol} ${wrap(ast.args[1], right)}`;
  }
  if (ast.op === 'neg') return `-${wrap(ast.args[0], p + 1)}`;
  return `${ast.op}(${ast.args.map(formatAst).join(', ')})`;
}
