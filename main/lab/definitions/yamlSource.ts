// A parsed YAML file that remembers where every node came from, so a problem found in the
// plain JS value (by the schema validator) can be reported at its line and column.
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type Pair,
} from 'yaml';
import type { DefinitionProblem } from './definitionError.ts';
import { formatKeyPath } from './definitionError.ts';

export type KeyPath = readonly (string | number)[];

/** What a problem points at: the value at a path, or the key that introduces it. */
export type LocationTarget = 'value' | 'key';

const yamlErrorHints: Record<string, string> = {
  DUPLICATE_KEY: 'duplicate key: each key may appear only once in a mapping',
  BAD_INDENT: 'bad indentation: keys of the same mapping must line up',
  TAB_AS_INDENT: 'tab used for indentation: YAML indents with spaces only',
  MISSING_CHAR: 'a closing bracket or quote is missing',
  UNEXPECTED_TOKEN: 'unexpected character here',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line (is a colon missing after the previous key?)',
  BLOCK_AS_IMPLICIT_KEY: 'a nested block cannot be a key (is a colon or a dash misplaced?)',
  MULTIPLE_DOCS: 'a definition file holds one YAML document: remove the extra ---',
};

export class YamlSource {
  readonly file: string;
  readonly text: string;
  readonly document: Document.Parsed;
  private readonly lines: LineCounter;

  constructor(file: string, text: string) {
    this.file = file;
    this.text = text;
    this.lines = new LineCounter();
    this.document = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
  }

  /** YAML syntax errors (including duplicate keys), as located problems. */
  syntaxProblems(): DefinitionProblem[] {
    return this.document.errors.map((error) => {
      const { line, col } = this.lines.linePos(error.pos[0]);
      const hint = yamlErrorHints[error.code];
      const detail = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      return {
        file: this.file,
        line,
        column: col,
        keyPath: '',
        message: `YAML syntax error: ${hint ? `${hint} (${detail})` : detail}`,
      };
    });
  }

  /** The plain value of the document (null for an empty file). */
  toValue(): unknown {
    return this.document.toJS({ maxAliasCount: 100 });
  }

  /** A problem at `path`, pointing at the deepest node of it that exists in the file. */
  problemAt(path: KeyPath, message: string, target: LocationTarget = 'value'): DefinitionProblem {
    const offset = this.offsetOf(path, target);
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col, keyPath: formatKeyPath(path), message };
  }

  private offsetOf(path: KeyPath, target: LocationTarget): number {
    let node: unknown = this.document.contents;
    let keyNode: Node | null = null;
    for (const key of path) {
      const entry = childOf(node, key);
      if (!entry) break;
      node = entry.value;
      keyNode = entry.key;
    }
    const pointAt = target === 'key' && keyNode ? keyNode : ((node as Node | null) ?? keyNode);
    return pointAt?.range?.[0] ?? 0;
  }
}

function childOf(node: unknown, key: string | number): { key: Node | null; value: unknown } | null {
  if (isMap(node)) {
    const pair = node.items.find((item: Pair) => (isScalar(item.key) ? item.key.value : item.key) === key);
    return pair ? { key: pair.key as Node, value: pair.value ?? pair.key } : null;
  }
  if (isSeq(node) && typeof key === 'number' && key < node.items.length) {
    return { key: null, value: node.items[key] };
  }
  return null;
}
