// An error in a definition file, located for a person: file, line, column, key path, and what
// was expected there. Formatted like a compiler diagnostic so editors can jump to it.
import { UserError } from '../../userError.ts';

export interface DefinitionProblem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Where in the document, e.g. `experiment.optimizers[2].lr`; empty for the whole file. */
  keyPath: string;
  message: string;
}

export function formatProblem(problem: DefinitionProblem): string {
  const where = problem.keyPath ? `${problem.keyPath}: ` : '';
  return `${problem.file}:${problem.line}:${problem.column}: ${where}${problem.message}`;
}

/** Thrown when a definition does not validate; carries every problem found, in file order. */
export class DefinitionError extends UserError {
  readonly problems: DefinitionProblem[];
  constructor(problems: DefinitionProblem[]) {
    const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
    const count = sorted.length === 1 ? 'a problem' : `${sorted.length} problems`;
    super(
      `${sorted[0]?.file ?? 'definition'} has ${count}:\n${sorted.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    );
    this.name = 'DefinitionError';
    this.problems = sorted;
  }
}

/** A definition file that cannot be read at all: missing, a directory, unreadable, far too large. */
export class DefinitionFileError extends DefinitionError {
  readonly file: string;
  constructor(file: string, message: string) {
    super([]);
    this.name = 'DefinitionFileError';
    this.message = message;
    this.file = file;
  }
}

/** `['experiment', 'optimizers', 2, 'lr']` → `experiment.optimizers[2].lr`. */
export function formatKeyPath(path: readonly (string | number)[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}
