// The malformed-definition corpus, one folder per experiment kind (test/fixtures/definitions/):
// every broken file is refused with each expected problem at its line, and every kind the lab
// knows brings its own broken files — a new kind without them fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../../../../main/lab/definitions/definitionError.ts';
import { experimentKinds } from '../../../../../main/lab/kinds/registry.ts';
import { checkDefinition } from '../../../../../main/lab/loadDefinition.ts';
import { projectRoot } from '../../../../../native/paths.ts';

const corpus = join(projectRoot, 'test', 'fixtures', 'definitions');
const kinds = readdirSync(corpus, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

type Expected = Record<string, { line: number; fragment: string }[]>;

const cases = kinds.flatMap((kind) => {
  const folder = join(corpus, kind);
  const expected = JSON.parse(readFileSync(join(folder, 'expected-errors.json'), 'utf8')) as Expected;
  const files = readdirSync(folder).filter((f) => f.endsWith('.yaml'));
  return files.map((file) => ({ kind, file, path: join(folder, file), expected: expected[file] }));
});

describe('malformed definition corpus', () => {
  it.each([...experimentKinds.keys()])('has broken files of its own for the kind %s', (kind) => {
    expect(kinds, `add test/fixtures/definitions/${kind}/ with broken ${kind} definitions`).toContain(kind);
    const files = cases.filter((c) => c.kind === kind);
    expect(files.length).toBeGreaterThanOrEqual(10);
    const expected = JSON.parse(readFileSync(join(corpus, kind, 'expected-errors.json'), 'utf8')) as Expected;
    expect(Object.keys(expected).sort()).toEqual(files.map((c) => c.file).sort());
    // The kinds of mistake every kind's corpus covers: a wrong type, an out-of-range value, an
    // unknown key answered with the key that was meant.
    const fragments = Object.values(expected)
      .flat()
      .map((e) => e.fragment);
    expect(fragments.some((f) => /did you mean/.test(f))).toBe(true);
    expect(fragments.some((f) => /expected (an integer|a number)[^,]*[≥>≤<]/.test(f))).toBe(true);
    expect(fragments.some((f) => /expected (text|a number|an integer|a mapping|a list)/.test(f))).toBe(true);
  });

  it.each(cases.map((c) => [`${c.kind}/${c.file}`, c] as const))(
    '%s is refused with a located, explained error',
    async (_name, c) => {
      const result = await checkDefinition(readFileSync(c.path, 'utf8'), c.path);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      for (const problem of result.problems) {
        expect(problem.file).toBe(c.path);
        expect(problem.line).toBeGreaterThanOrEqual(1);
        expect(problem.column).toBeGreaterThanOrEqual(1);
      }
      for (const { line, fragment } of c.expected) {
        const atLine = result.problems.filter((p) => p.line === line).map(formatProblem);
        expect(
          atLine.some((message) => message.includes(fragment)),
          `line ${line} of ${atLine.join('\n')}`,
        ).toBe(true);
        expect(atLine.every((message) => message.startsWith(`${c.path}:${line}:`))).toBe(true);
      }
    },
  );
});
