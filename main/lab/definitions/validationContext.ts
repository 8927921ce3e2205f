// What a kind's check() can use: validate a sub-value against another schema, and report a
// problem at a key path of the file.
import type { AnySchemaObject } from 'ajv';
import type { DefinitionProblem } from './definitionError.ts';
import { schemaValidator } from './schemaRegistry.ts';
import { schemaProblems } from './schemaProblems.ts';
import type { KeyPath, LocationTarget, YamlSource } from './yamlSource.ts';

export interface ValidationContext {
  source: YamlSource;
  /** Validates (and fills defaults into) `value`, found at `path` of the file, against a schema. */
  validate(schemaId: string, value: unknown, path: KeyPath): DefinitionProblem[];
  hasSchema(schemaId: string): boolean;
  problem(path: KeyPath, message: string, target?: LocationTarget): DefinitionProblem;
}

export function validationContext(source: YamlSource): ValidationContext {
  return {
    source,
    validate(schemaId, value, path) {
      const validate = schemaValidator(schemaId);
      if (!validate)
        throw new Error(`no schema "${schemaId}" is loaded (expected curricula/schema/${schemaId})`);
      if (validate(value)) return [];
      const resolve = (ref: string) =>
        schemaValidator(`${schemaId}${ref}`)?.schema as AnySchemaObject | undefined;
      return schemaProblems(validate.errors ?? [], source, path, resolve);
    },
    hasSchema: (schemaId) => schemaValidator(schemaId) !== undefined,
    problem: (path, message, target) => source.problemAt(path, message, target),
  };
}
