// From a YAML file to a validated experiment config: syntax → envelope schema (version, kind)
// → the kind's schema (defaults filled in) → the kind's own checks. Every problem found is
// reported at once, located in the file. The built-in trainers are registered first: a kind's
// checks ask which problems its trainers can run.
import { readFileSync } from 'node:fs';
import type { LabKind } from './kinds/experimentKind.ts';
import { experimentKinds } from './kinds/registry.ts';
import { registerBuiltinTrainers } from './trainers/registry.ts';
import { DefinitionError, type DefinitionProblem } from './definitions/definitionError.ts';
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

export async function checkDefinition(text: string, file: string): Promise<DefinitionCheck> {
  await registerBuiltinTrainers();
  const source = new YamlSource(file, text);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) return { ok: false, problems: syntax };
  const value = source.toValue();
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

export async function loadDefinitionFile(file: string): Promise<LoadedDefinition> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read definition ${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseDefinition(text, file);
}
