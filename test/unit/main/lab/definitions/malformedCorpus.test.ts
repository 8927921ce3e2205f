import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDefinition } from '../../../../../main/lab/loadDefinition.ts';
import { formatProblem } from '../../../../../main/lab/definitions/definitionError.ts';
import { projectRoot } from '../../../../../native/paths.ts';

const corpus = join(projectRoot, 'test', 'fixtures', 'definitions');
const expected = JSON.parse(readFileSync(join(corpus, 'expected-errors.json'), 'utf8')) as Record<
  string,
  { line: number; fragment: string }[]
>;
const files = readdirSync(corpus).filter((f) => f.endsWith('.yaml'));

describe('malformed definition corpus', () => {
  it('has at least 30 files, each with its expected errors', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(expected).sort()).toEqual([...files].sort());
  });

  it.each(files)('%s is rejected with a located, explained error', async (file) => {
    const path = join(corpus, file);
    const result = await checkDefinition(readFileSync(path, 'utf8'), path);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const problem of result.problems) {
      expect(problem.file).toBe(path);
      expect(problem.line).toBeGreaterThanOrEqual(1);
      expect(problem.column).toBeGreaterThanOrEqual(1);
    }
    for (const { line, fragment } of expected[file]) {
      const atLine = result.problems.filter((p) => p.line === line).map(formatProblem);
      expect(
        atLine.some((message) => message.includes(fragment)),
        `line ${line} of ${atLine.join('\n')}`,
      ).toBe(true);
      expect(atLine.every((message) => message.startsWith(`${path}:${line}:`))).toBe(true);
    }
  });
});
