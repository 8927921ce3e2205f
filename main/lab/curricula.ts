// Definition files the lab offers: the built-in ones shipped in curricula/ (read-only: they are
// versioned with the lab) and the user's own, saved from the app's editor into a directory of
// their own. Each is listed with its title and kind, or with the problems that keep it from
// validating — a broken draft is listed, never lost.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDefinition } from './loadDefinition.ts';
import type { DefinitionProblem } from './definitions/definitionError.ts';
import type { CurriculumFile } from './views/types.ts';

export interface CurriculaDirectories {
  builtin: string;
  user: string;
}

const fileNamePattern = /^[\w][\w.-]{0,120}\.ya?ml$/;

function yamlFiles(directory: string): string[] {
  return existsSync(directory)
    ? readdirSync(directory)
        .filter((f) => fileNamePattern.test(f))
        .sort()
    : [];
}

function locate(
  directories: CurriculaDirectories,
  name: string,
): { path: string; source: 'builtin' | 'user' } {
  if (!fileNamePattern.test(name)) {
    throw new Error(
      `"${name}" is not a curriculum file name: use letters, digits, '.', '-' or '_', ending in .yaml (no folders)`,
    );
  }
  if (yamlFiles(directories.builtin).includes(name))
    return { path: join(directories.builtin, name), source: 'builtin' };
  if (yamlFiles(directories.user).includes(name))
    return { path: join(directories.user, name), source: 'user' };
  const known = [...yamlFiles(directories.builtin), ...yamlFiles(directories.user)];
  throw new Error(`no curriculum "${name}"; there are: ${known.join(', ') || 'none'}`);
}

async function describe(name: string, source: 'builtin' | 'user', text: string): Promise<CurriculumFile> {
  const checked = await checkDefinition(text, name);
  if (!checked.ok)
    return { name, source, title: null, kind: null, description: null, problems: checked.problems };
  const { experiment, kind } = checked.definition;
  return {
    name,
    source,
    title: String(experiment.name),
    kind: kind.name,
    description: typeof experiment.description === 'string' ? experiment.description : null,
    problems: [],
  };
}

export async function listCurricula(directories: CurriculaDirectories): Promise<CurriculumFile[]> {
  const files: CurriculumFile[] = [];
  for (const source of ['builtin', 'user'] as const) {
    for (const name of yamlFiles(directories[source])) {
      files.push(await describe(name, source, readFileSync(join(directories[source], name), 'utf8')));
    }
  }
  return files;
}

export function readCurriculum(directories: CurriculaDirectories, name: string): string {
  return readFileSync(locate(directories, name).path, 'utf8');
}

/** Saves a user curriculum (valid or not: a draft is kept) and returns its problems. */
export async function saveCurriculum(
  directories: CurriculaDirectories,
  name: string,
  text: string,
): Promise<DefinitionProblem[]> {
  if (!fileNamePattern.test(name)) locate(directories, name);
  if (yamlFiles(directories.builtin).includes(name)) {
    throw new Error(
      `${name} is a built-in curriculum and stays as shipped: save your version under another name`,
    );
  }
  mkdirSync(directories.user, { recursive: true });
  writeFileSync(join(directories.user, name), text);
  return (await describe(name, 'user', text)).problems;
}
