// From a YAML file to a validated experiment config: syntax → envelope schema (version, kind)
// → the kind's schema (defaults filled in) → the kind's own checks. Every problem found is
// reported at once, located in the file.
import { readFileSync } from 'node:fs';
import { experimentKinds } from '../kinds/registry.ts';
import type { ExperimentKind } from '../kinds/experimentKind.ts';
import { DefinitionError, type DefinitionProblem } from './definitionError.ts';
import { validationContext } from './validationContext.ts';
import { YamlSource } from './yamlSource.ts';

export interface LoadedDefinition {
  file: string;
  text: string;
  kind: ExperimentKind;
  /** The `experiment:` section, validated, with schema defaults filled in. */
  experiment: Record<string, unknown>;
}

export type DefinitionCheck =
  { ok: true; definition: LoadedDefinition } | { ok: false; problems: DefinitionProblem[] };

export function checkDefinition(text: string, file: string): DefinitionCheck {
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
export function parseDefinition(text: string, file: string): LoadedDefinition {
  const result = checkDefinition(text, file);
  if (!result.ok) throw new DefinitionError(result.problems);
  return result.definition;
}

export function loadDefinitionFile(file: string): LoadedDefinition {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read definition ${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseDefinition(text, file);
}
