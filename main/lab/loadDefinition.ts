// From a YAML file to a validated experiment config: syntax → envelope schema (version, kind)
// → the kind's schema (defaults filled in) → the kind's own checks. Every problem found is
// reported at once, located in the file. The built-in trainers are registered first: a kind's
// checks ask which problems its trainers can run.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { LabKind } from './kinds/experimentKind.ts';
import { experimentKinds } from './kinds/registry.ts';
import { registerBuiltinTrainers } from './trainers/registry.ts';
import {
  DefinitionError,
  DefinitionFileError,
  type DefinitionProblem,
} from './definitions/definitionError.ts';
import { validationContext } from './definitions/validationContext.ts';
import { YamlSource } from './definitions/yamlSource.ts';

export interface LoadedDefinition {
  file: string;
  text: string;
  kind: LabKind;
  /** The `experiment:` section, validated, with schema defaults filled in. */
  experiment: Record<string, unknown>;
}

export type DefinitionCheck =
  { ok: true; definition: LoadedDefinition } | { ok: false; problems: DefinitionProblem[] };

/** A definition is a page of YAML: anything larger is the wrong file, refused before it is read. */
export const maxDefinitionBytes = 1024 * 1024;

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function checkDefinition(text: string, file: string): Promise<DefinitionCheck> {
  await registerBuiltinTrainers();
  if (text.length > maxDefinitionBytes) {
    const message = `the definition is ${megabytes(text.length)}: a definition is at most ${megabytes(maxDefinitionBytes)} — is this the right file?`;
    return { ok: false, problems: [{ file, line: 1, column: 1, keyPath: '', message }] };
  }
  const source = new YamlSource(file, text);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) return { ok: false, problems: syntax };
  const parsed = source.toValue();
  if (!parsed.ok) return { ok: false, problems: [parsed.problem] };
  const value = parsed.value;
  const context = validationContext(source);
  if (value === null || value === undefined) {
    return {
      ok: false,
      problems: [
        context.problem([], 'the file is empty: expected a mapping with version, kind and experiment'),
      ],
    };
  }
  const envelope = context.validate('definition.schema.json', value, []);
  if (envelope.length > 0) return { ok: false, problems: envelope };
  const { kind: kindName, experiment } = value as { kind: string; experiment: Record<string, unknown> };
  const kind = experimentKinds.get(kindName)!;
  const problems = context.validate(kind.schemaId, experiment, ['experiment']);
  if (problems.length > 0) return { ok: false, problems };
  const checked = kind.check(experiment, context);
  if (checked.length > 0) return { ok: false, problems: checked };
  return { ok: true, definition: { file, text, kind, experiment } };
}

/** Validates `text` (read from `file`); throws DefinitionError listing every problem. */
export async function parseDefinition(text: string, file: string): Promise<LoadedDefinition> {
  const result = await checkDefinition(text, file);
  if (!result.ok) throw new DefinitionError(result.problems);
  return result.definition;
}

/** Why a definition file cannot be read, said for a person: what the path is, and what to do. */
export function unreadable(file: string, error: NodeJS.ErrnoException): DefinitionFileError {
  switch (error.code) {
    case 'ENOENT':
      return new DefinitionFileError(
        file,
        `there is no file ${file}: check the path (relative paths start at ${process.cwd()})`,
      );
    case 'EACCES':
    case 'EPERM':
      return new DefinitionFileError(
        file,
        `cannot read ${file}: permission denied — check its permissions (ls -l ${file})`,
      );
    case 'EISDIR': {
      const yaml = readdirSync(file).filter((f) => /\.ya?ml$/.test(f));
      const hint =
        yaml.length > 0
          ? `, e.g. lab run ${file.replace(/\/$/, '')}/${yaml[0]} (it holds ${yaml.join(', ')})`
          : '';
      return new DefinitionFileError(
        file,
        `${file} is a directory, not a definition: give one of its YAML files${hint}`,
      );
    }
    default:
      return new DefinitionFileError(file, `cannot read definition ${file}: ${error.message}`);
  }
}

export async function loadDefinitionFile(file: string): Promise<LoadedDefinition> {
  let text: string;
  try {
    const stats = statSync(file);
    if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (stats.size > maxDefinitionBytes) {
      throw new DefinitionFileError(
        file,
        `${file} is ${megabytes(stats.size)}: a definition is at most ${megabytes(maxDefinitionBytes)} — is this the right file?`,
      );
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof DefinitionFileError) throw error;
    throw unreadable(file, error as NodeJS.ErrnoException);
  }
  return parseDefinition(text, file);
}
