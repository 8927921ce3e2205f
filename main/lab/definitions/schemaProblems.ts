// Ajv's errors, rewritten for a person: located at the YAML node, naming the key path, and
// saying what was expected there ("expected one of sgd, momentum, …", "expected a number ≥ 0").
import type { AnySchemaObject, ErrorObject } from 'ajv';
import type { DefinitionProblem } from './definitionError.ts';
import type { KeyPath, LocationTarget, YamlSource } from './yamlSource.ts';

/** Looks up a local `$ref` (`#/$defs/x`) of the schema being validated. */
export type RefResolver = (ref: string) => AnySchemaObject | undefined;

function resolved(schema: AnySchemaObject | undefined, resolve: RefResolver): AnySchemaObject | undefined {
  return schema && typeof schema.$ref === 'string'
    ? { ...resolve(schema.$ref), ...schema, $ref: undefined }
    : schema;
}

function list(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

function numberBounds(schema: AnySchemaObject): string {
  const parts: string[] = [];
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.exclusiveMaximum !== undefined) parts.push(`< ${schema.exclusiveMaximum}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

/** "a number > 0", "one of relu, tanh", "a list of at least 1 item"… */
export function describeExpected(schemaIn: AnySchemaObject | undefined, resolve: RefResolver): string {
  const schema = resolved(schemaIn, resolve);
  if (!schema) return 'a value';
  if (Array.isArray(schema.enum)) return `one of ${list(schema.enum)}`;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  switch (schema.type) {
    case 'integer':
      return `an integer${numberBounds(schema)}`;
    case 'number':
      return `a number${numberBounds(schema)}`;
    case 'string':
      return schema.minLength ? 'non-empty text' : 'text';
    case 'boolean':
      return 'true or false';
    case 'array':
      return schema.minItems
        ? `a list of at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`
        : 'a list';
    case 'object':
      return 'a mapping (key: value lines)';
    default:
      return 'a value';
  }
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value}"`;
  return String(value);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return row[b.length];
}

/** ` (did you mean "lr"?)` when a known name is one or two typos away. */
export function didYouMean(given: string, known: readonly string[]): string {
  const best = known
    .map((name) => ({ name, distance: editDistance(given, name) }))
    .sort((a, b) => a.distance - b.distance)[0];
  return best && best.distance <= Math.max(1, Math.min(2, given.length / 3))
    ? ` (did you mean "${best.name}"?)`
    : '';
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function discriminatorNames(schema: AnySchemaObject, resolve: RefResolver): string[] {
  // The tag is `name` for optimizers, `kind` for learned optimizers and their preprocessing.
  const tag = (schema.discriminator as { propertyName?: string } | undefined)?.propertyName ?? 'name';
  return ((schema.oneOf ?? []) as AnySchemaObject[])
    .map((branch) => resolved(branch, resolve)?.properties?.[tag]?.const)
    .filter((name): name is string => typeof name === 'string');
}

function explain(
  error: ErrorObject,
  path: (string | number)[],
  resolve: RefResolver,
): { path: (string | number)[]; message: string; target: LocationTarget } {
  const schema = error.parentSchema as AnySchemaObject | undefined;
  const got = `, got ${describeValue(error.data)}`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const known = Object.keys(schema?.properties ?? {});
      return {
        path: [...path, key],
        message: `unknown key "${key}"${didYouMean(key, known)}; expected one of ${list(known)}`,
        target: 'key',
      };
    }
    case 'required': {
      const key = String(error.params.missingProperty);
      const expected = describeExpected(schema?.properties?.[key], resolve);
      return { path, message: `missing key "${key}" (expected ${expected})`, target: 'key' };
    }
    case 'discriminator': {
      const names = schema ? discriminatorNames(schema, resolve) : [];
      const tag = String(error.params.tag);
      const value = error.params.tagValue;
      if (value === undefined) {
        return { path, message: `missing key "${tag}" (expected one of ${list(names)})`, target: 'key' };
      }
      return {
        path: [...path, tag],
        message: `expected one of ${list(names)}, got ${describeValue(value)}${typeof value === 'string' ? didYouMean(value, names) : ''}`,
        target: 'value',
      };
    }
    case 'enum':
    case 'const':
    case 'type':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minLength':
    case 'minItems': {
      const suggestion =
        typeof error.data === 'string' && Array.isArray(schema?.enum)
          ? didYouMean(error.data, schema.enum)
          : '';
      return {
        path,
        message: `expected ${describeExpected(schema, resolve)}${got}${suggestion}`,
        target: 'value',
      };
    }
    default:
      return { path, message: `${error.message ?? 'is not valid'}${got}`, target: 'value' };
  }
}

/**
 * Located problems for the errors of validating the value found at `basePath` of `source`.
 * oneOf summaries are dropped: the discriminator already reports the branch's own errors.
 */
export function schemaProblems(
  errors: readonly ErrorObject[],
  source: YamlSource,
  basePath: KeyPath,
  resolve: RefResolver,
): DefinitionProblem[] {
  const seen = new Set<string>();
  const problems: DefinitionProblem[] = [];
  // A missing discriminator tag is reported once, by the discriminator, with the names it accepts.
  const missingTags = new Set(
    errors
      .filter((e) => e.keyword === 'discriminator' && e.params.tagValue === undefined)
      .map((e) => `${e.instancePath}\0${e.params.tag}`),
  );
  for (const error of errors) {
    if (error.keyword === 'oneOf') continue;
    if (
      error.keyword === 'required' &&
      missingTags.has(`${error.instancePath}\0${error.params.missingProperty}`)
    )
      continue;
    const { path, message, target } = explain(error, [...basePath, ...pathOf(error.instancePath)], resolve);
    const problem = source.problemAt(path, message, target);
    const key = `${problem.keyPath}\0${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}
