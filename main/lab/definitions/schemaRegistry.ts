// The JSON Schemas definitions are checked against, loaded once from curricula/schema/ into one
// strict Ajv instance. Strict: a schema mistake is an error, not a silently ignored keyword.
import { Ajv, type AnySchemaObject, type ValidateFunction } from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { schemaDirectory } from '../../paths.ts';

function schemaFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? schemaFiles(join(directory, entry.name))
      : entry.name.endsWith('.schema.json')
        ? [join(directory, entry.name)]
        : [],
  );
}

function createAjv(): Ajv {
  const ajv = new Ajv({
    strict: true,
    allErrors: true,
    useDefaults: true,
    discriminator: true,
    verbose: true,
  });
  for (const file of schemaFiles(schemaDirectory)) {
    const schema = JSON.parse(readFileSync(file, 'utf8')) as AnySchemaObject;
    const expectedId = relative(schemaDirectory, file).split('\\').join('/');
    if (schema.$id !== expectedId) {
      throw new Error(`schema ${file} must have "$id": "${expectedId}" (its path under curricula/schema)`);
    }
    ajv.addSchema(schema);
  }
  return ajv;
}

let shared: Ajv | undefined;

function ajvInstance(): Ajv {
  shared ??= createAjv();
  return shared;
}

/**
 * The compiled validator for a schema id (its path under curricula/schema/, or a registered id).
 * `T` is the type the schema describes: a value that passes is narrowed to it.
 */
export function schemaValidator<T = unknown>(id: string): ValidateFunction<T> | undefined {
  return ajvInstance().getSchema<T>(id);
}

/**
 * A stored value (a run's config, a report) checked against its schema and returned typed;
 * throws naming `what`, the schema, and every mismatch by its JSON path. Defaults are filled in.
 */
export function parseWithSchema<T>(schemaId: string, value: unknown, what: string): T {
  const validate = schemaValidator<T>(schemaId);
  if (!validate) throw new Error(`no schema "${schemaId}" is loaded (expected curricula/schema/${schemaId})`);
  if (validate(value)) return value;
  const problems = (validate.errors ?? []).map(
    (e) => `  ${e.instancePath || '(the whole value)'}: ${e.message ?? 'does not match'}`,
  );
  throw new Error(`${what} does not match ${schemaId}:\n${problems.join('\n')}`);
}

/** Adds a schema that does not live in curricula/schema (a trainer module's problem options). */
export function registerSchema(id: string, schema: AnySchemaObject): void {
  const ajv = ajvInstance();
  if (ajv.getSchema(id)) ajv.removeSchema(id);
  ajv.addSchema({ ...schema, $id: id });
}
